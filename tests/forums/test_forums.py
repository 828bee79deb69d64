"""Forums as people use them: forums, topics, replies, quotes, edits, likes, answers, reading."""
from __future__ import annotations

import re

from forums.models import Forum, ForumPost, ForumPostEdit, ForumTopic
from tests.forums.conftest import base, token_of
from tests.helpers import text


def test_owner_creates_renames_orders_and_deletes_forums(community, people, client_for, forums):
    owner = client_for(people["owner"])
    r = owner.post(f"{base(community)}/new-forum", data={"name": "Questions", "description": "Ask here", "position": "5"})
    assert r.status_code == 302
    r = owner.post(f"{base(community)}/new-forum", data={"name": "Announcements", "position": "1"})
    page = text(owner.get(f"{base(community)}/"))
    assert page.index(">Announcements<") < page.index(">Questions<") and "Ask here" in page
    fid = int(re.search(r"/f/(\d+)\">Questions", page).group(1))
    owner.post(f"{base(community)}/f/{fid}/edit", data={"name": "Q&A", "description": "", "position": "0"})
    page = text(owner.get(f"{base(community)}/"))
    assert page.index(">Q&amp;A<") < page.index(">Announcements<")
    # An empty name is refused and what was typed stays.
    r = owner.post(f"{base(community)}/new-forum", data={"name": "  ", "description": "kept text"})
    assert r.status_code == 400 and "kept text" in text(r) and "cannot be empty" in text(r)
    # Members cannot manage forums.
    assert client_for(people["member"]).post(f"{base(community)}/new-forum", data={"name": "X"}).status_code == 403
    # Delete needs the name typed.
    tid = forums.topic(fid, people["member"])
    owner.post(f"{base(community)}/f/{fid}/delete", data={"confirm": "wrong"})
    assert forums.get(Forum, fid) is not None
    owner.post(f"{base(community)}/f/{fid}/delete", data={"confirm": "Q&A"})
    assert forums.get(Forum, fid) is None and forums.get(ForumTopic, tid) is None


def test_start_a_topic_reply_quote_and_reply_to_a_post(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    member = client_for(people["member"])
    form = text(member.get(f"{base(community)}/f/{fid}/new?question=1"))
    r = member.post(f"{base(community)}/f/{fid}/new", data={
        "title": "How to rotate logs?", "body": "I have **big** logs.", "tags": "ops, Logging",
        "is_question": "y", "token": token_of(form)})
    assert r.status_code == 302
    tid = int(r.headers["Location"].rsplit("/", 1)[1])
    topic = forums.get(ForumTopic, tid)
    assert topic.is_question and topic.tag_list == ["ops", "logging"]
    page = text(member.get(f"{base(community)}/t/{tid}"))
    assert "<strong>big</strong>" in page and "How to rotate logs?" in page and "Question" in page
    other = client_for(people["other"])
    first = forums.get(ForumTopic, tid).first_post_id
    # Quote: the reply form comes filled with the quoted post and linked to it.
    quoted = text(other.get(f"{base(community)}/t/{tid}?quote={first}"))
    assert "&gt; I have **big** logs." in quoted and f'name="reply_to" type="hidden" value="{first}"' in quoted
    r = other.post(f"{base(community)}/t/{tid}", data={"body": "> I have big logs\n\nUse logrotate.",
                                                       "reply_to": str(first), "token": token_of(quoted)})
    assert r.status_code == 302 and "#post-" in r.headers["Location"]
    page = text(other.get(r.headers["Location"]))
    assert "Use logrotate." in page and "In reply to" in page and f"/p/{first}" in page
    assert forums.get(ForumTopic, tid).reply_count == 1


def test_empty_and_oversized_bodies_are_refused_and_kept(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"])
    c = client_for(people["other"])
    r = c.post(f"{base(community)}/t/{tid}", data={"body": "   ", "token": "tok-empty-0001"})
    assert r.status_code == 400 and "Write something first." in text(r)
    huge = "x" * 100_001
    r = c.post(f"{base(community)}/t/{tid}", data={"body": huge, "token": "tok-huge-00001"})
    assert r.status_code == 400 and "100000" in text(r).replace(",", "")
    assert forums.count(ForumPost, topic_id=tid) == 1
    # Exactly 100,000 characters is fine.
    r = c.post(f"{base(community)}/t/{tid}", data={"body": "y" * 100_000, "token": "tok-max-000001"})
    assert r.status_code == 302 and forums.count(ForumPost, topic_id=tid) == 2
    r = c.post(f"{base(community)}/f/{fid}/new", data={"title": "", "body": "text I wrote", "token": "tok-nt-000001"})
    assert r.status_code == 400 and "text I wrote" in text(r) and "Give the topic a title." in text(r)


def test_double_submit_of_a_reply_creates_one_post(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"])
    c = client_for(people["other"])
    token = token_of(text(c.get(f"{base(community)}/t/{tid}")))
    first = c.post(f"{base(community)}/t/{tid}", data={"body": "Once", "token": token})
    second = c.post(f"{base(community)}/t/{tid}", data={"body": "Once", "token": token})
    assert first.headers["Location"] == second.headers["Location"]
    assert forums.count(ForumPost, topic_id=tid) == 2
    # A new form gets a new token: a second, deliberate reply is a new post.
    token2 = token_of(text(c.get(f"{base(community)}/t/{tid}")))
    assert token2 != token
    c.post(f"{base(community)}/t/{tid}", data={"body": "Once", "token": token2})
    assert forums.count(ForumPost, topic_id=tid) == 3


def test_edit_own_post_marks_it_edited_and_keeps_history_for_moderators(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"], body="first text")
    pid = forums.reply(tid, people["other"], "reply v1")
    other = client_for(people["other"])
    assert other.post(f"{base(community)}/p/{pid}/edit", data={"body": "reply v2"}).status_code == 302
    page = text(client_for(people["member"]).get(f"{base(community)}/t/{tid}"))
    assert "reply v2" in page and "edited" in page and "reply v1" not in page
    # Someone else may not edit it; the history is for moderators only.
    assert client_for(people["member"]).post(f"{base(community)}/p/{pid}/edit", data={"body": "x"}).status_code == 403
    assert other.get(f"{base(community)}/p/{pid}/history").status_code == 403
    hist = text(client_for(people["moderator"]).get(f"{base(community)}/p/{pid}/history"))
    assert "reply v1" in hist
    # The opening post's edit changes the title too.
    first = forums.get(ForumTopic, tid).first_post_id
    member = client_for(people["member"])
    member.post(f"{base(community)}/p/{first}/edit", data={"title": "Better title", "body": "first text!", "tags": "a"})
    assert forums.get(ForumTopic, tid).title == "Better title"
    assert forums.count(ForumPostEdit, post_id=first) == 1


def test_soft_delete_own_post_and_replying_to_a_deleted_post(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"])
    pid = forums.reply(tid, people["other"], "to be removed")
    other = client_for(people["other"])
    other.post(f"{base(community)}/p/{pid}/delete")
    post = forums.get(ForumPost, pid)
    assert post.is_deleted and forums.get(ForumTopic, tid).reply_count == 0
    page = text(other.get(f"{base(community)}/t/{tid}"))
    assert "to be removed" not in page and "This post was deleted." in page
    member = client_for(people["member"])
    r = member.post(f"{base(community)}/t/{tid}", data={"body": "replying", "reply_to": str(pid), "token": "tok-del-00001"})
    assert r.status_code == 409 and "was deleted" in text(r) and "replying" in text(r)
    assert forums.count(ForumPost, topic_id=tid) == 2


def test_likes_toggle_and_count(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"])
    pid = forums.reply(tid, people["other"])
    m = client_for(people["member"])
    r = m.post(f"{base(community)}/p/{pid}/like", headers={"Accept": "application/json"})
    assert r.get_json() == {"liked": True, "count": 1}
    assert client_for(people["owner"]).post(f"{base(community)}/p/{pid}/like",
                                            headers={"Accept": "application/json"}).get_json()["count"] == 2
    assert m.post(f"{base(community)}/p/{pid}/like", headers={"Accept": "application/json"}).get_json() == \
        {"liked": False, "count": 1}
    # Own posts cannot be liked.
    r = client_for(people["other"]).post(f"{base(community)}/p/{pid}/like", headers={"Accept": "application/json"})
    assert r.status_code == 400 and forums.get(ForumPost, pid).like_count == 1


def test_accept_an_answer_shows_it_under_the_question_and_counts_as_answered(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"], title="Which port?", question=True)
    wrong = forums.reply(tid, people["other"], "Port 80")
    right = forums.reply(tid, people["moderator"], "Port 8443 is the one.")
    # Only the asker or a moderator may accept.
    assert client_for(people["other"]).post(f"{base(community)}/t/{tid}/accept/{wrong}").status_code == 403
    asker = client_for(people["member"])
    asker.post(f"{base(community)}/t/{tid}/accept/{right}")
    topic = forums.get(ForumTopic, tid)
    assert topic.accepted_post_id == right and topic.answered_at is not None
    page = text(asker.get(f"{base(community)}/t/{tid}"))
    box = page.index("Accepted answer by")
    assert page.index("Some <strong>details</strong>") < box < page.index("Port 80")
    assert "Port 8443 is the one." in page[box:page.index("Port 80")]
    listing = text(asker.get(f"{base(community)}/f/{fid}?show=answered"))
    assert "Which port?" in listing
    assert "Which port?" not in text(asker.get(f"{base(community)}/f/{fid}?show=unanswered"))
    asker.post(f"{base(community)}/t/{tid}/unaccept")
    assert forums.get(ForumTopic, tid).accepted_post_id is None
    assert "Which port?" in text(asker.get(f"{base(community)}/f/{fid}?show=unanswered"))
    # The opening post is not an answer.
    first = topic.first_post_id
    asker.post(f"{base(community)}/t/{tid}/accept/{first}")
    assert forums.get(ForumTopic, tid).accepted_post_id is None


def test_filters_all_questions_unanswered_answered_mine_and_tag(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    forums.topic(fid, people["member"], title="Plain chat", tags="social")
    q1 = forums.topic(fid, people["other"], title="Open question", question=True, tags="python")
    q2 = forums.topic(fid, people["member"], title="Solved question", question=True, tags="python, ops")
    ans = forums.reply(q2, people["other"], "Do this")
    client_for(people["member"]).post(f"{base(community)}/t/{q2}/accept/{ans}")
    c = client_for(people["member"])

    def titles(query=""):
        page = text(c.get(f"{base(community)}/f/{fid}{query}"))
        return {t for t in ("Plain chat", "Open question", "Solved question") if t in page}

    assert titles() == {"Plain chat", "Open question", "Solved question"}
    assert titles("?show=questions") == {"Open question", "Solved question"}
    assert titles("?show=unanswered") == {"Open question"}
    assert titles("?show=answered") == {"Solved question"}
    assert titles("?show=mine") == {"Plain chat", "Solved question"}
    assert titles("?tag=python") == {"Open question", "Solved question"}
    assert titles("?tag=python&show=unanswered") == {"Open question"}
    assert titles("?show=bogus") == titles()
    assert q1


def test_deep_links_land_on_the_right_page_and_unread_marker(app, community, people, client_for, forums):
    from forums.models import POSTS_PER_PAGE

    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"])
    ids = [forums.reply(tid, people["other"], f"reply number {n}") for n in range(2, POSTS_PER_PAGE * 2 + 6)]
    c = client_for(people["member"])
    # Post number 2*PER_PAGE+1 is the first post of page 3.
    target = ids[POSTS_PER_PAGE * 2 - 1]
    r = c.get(f"{base(community)}/p/{target}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/t/{tid}?page=3#post-{target}")
    page3 = text(c.get(f"/c/{community.slug}/forums/t/{tid}?page=3"))
    assert f'id="post-{target}"' in page3 and f"reply number {POSTS_PER_PAGE * 2 + 1}" in page3
    # The member read page 1 only (and the opening post): the first unread is on page 2.
    fresh = client_for(people["moderator"])
    fresh.get(f"{base(community)}/t/{tid}")
    r = fresh.get(f"{base(community)}/t/{tid}/unread")
    assert r.headers["Location"].endswith(f"?page=2#post-{ids[POSTS_PER_PAGE - 1]}")
    page2 = text(fresh.get(f"{base(community)}/t/{tid}?page=2"))
    assert 'id="unread"' in page2 and page2.index('id="unread"') < page2.index(f'id="post-{ids[POSTS_PER_PAGE - 1]}"')
    # The forum list shows how many are new.
    listing = text(fresh.get(f"{base(community)}/f/{fid}"))
    assert re.search(r"\d+ new", listing)


def test_similar_topics_while_typing(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    forums.topic(fid, people["member"], title="Deploying with Docker compose")
    forums.topic(fid, people["member"], title="Lunch menu")
    c = client_for(people["other"])
    found = c.get(f"{base(community)}/similar?title=docker deploy").get_json()
    assert [t["title"] for t in found] == ["Deploying with Docker compose"]
    assert c.get(f"{base(community)}/similar?title=x").get_json() == []


def test_subscriptions_are_recorded(community, people, client_for, forums):
    from forums.models import ForumSubscription

    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"])
    c = client_for(people["other"])
    c.post(f"{base(community)}/t/{tid}/subscribe", data={"on": "1"})
    c.post(f"{base(community)}/f/{fid}/subscribe", data={"on": "1"})
    c.post(f"{base(community)}/f/{fid}/subscribe", data={"on": "1"})
    assert forums.count(ForumSubscription, user_id=people["other"].id) == 2
    assert "Unfollow" in text(c.get(f"{base(community)}/t/{tid}"))
    c.post(f"{base(community)}/t/{tid}/subscribe", data={"on": "0"})
    assert forums.count(ForumSubscription, user_id=people["other"].id) == 1


def test_figures_for_the_community(app, community, people, forums):
    from datetime import timedelta

    from collab.extensions import db
    from communities.models import Community
    from forums import queries

    fid = forums.forum(community, people["owner"])
    q1 = forums.topic(fid, people["member"], question=True)
    q2 = forums.topic(fid, people["member"], question=True)
    forums.topic(fid, people["member"], question=False)
    a = forums.reply(q1, people["other"], "answer")
    forums.reply(q2, people["member"], "self bump")  # the asker's own reply is not a first reply
    with app.test_request_context("/", method="POST"):
        t = db.session.get(ForumTopic, q1)
        t.first_reply_at = t.created_at + timedelta(minutes=30)
        t.accepted_post_id, t.answered_at = a, t.created_at + timedelta(hours=2)
        db.session.commit()
        figures = queries.figures(db.session.get(Community, community.id))
    assert figures["questions"] == 2 and figures["open_questions"] == 1 and figures["answered_share"] == 0.5
    assert figures["median_first_reply_seconds"] == 1800 and figures["median_accepted_seconds"] == 7200


def test_activity_events_and_notifications(app, community, people, client_for, forums):
    from sqlalchemy import select

    from collab.activity import Event, Notification
    from collab.extensions import db

    def events():
        with app.app_context():
            return sorted((e.verb, e.key.split(":")[0]) for e in db.session.scalars(select(Event).where(Event.key.like("forum%"))))

    def notes(user):
        with app.app_context():
            return sorted((n.kind, n.key.split(":")[0]) for n in db.session.scalars(
                select(Notification).where(Notification.user_id == user.id)))

    fid = forums.forum(community, people["owner"])
    follower = client_for(people["owner"])
    follower.post(f"{base(community)}/f/{fid}/subscribe", data={"on": "1"})
    tid = forums.topic(fid, people["member"], title="Need help", body="Ping @moder please", question=True)
    assert ("mention", "forum_post") in notes(people["moderator"])
    assert notes(people["owner"]) == [("topic_reply", "forum_topic")]  # follows the forum
    pid = forums.reply(tid, people["other"], "Here is how")
    assert ("topic_reply", "forum_post") in notes(people["member"])  # the asker hears of replies
    client_for(people["member"]).post(f"{base(community)}/p/{pid}/like")
    client_for(people["member"]).post(f"{base(community)}/t/{tid}/accept/{pid}")
    assert ("answer_accepted", "forum_answer") in notes(people["other"])
    assert events() == [("answered", "forum_answer"), ("created", "forum_topic"), ("liked", "forum_like"),
                        ("replied", "forum_post")]
    # The stream says who accepted the answer, not that the asker answered their own question.
    stream = text(client_for(people["owner"]).get(f"/c/{community.slug}/"))
    asker = people["member"].name
    assert f"{asker}</a> accepted an answer in" in stream and f"{asker}</a> answered" not in stream
    # Unlike and un-accept take their events back; deleting the topic takes everything.
    client_for(people["member"]).post(f"{base(community)}/p/{pid}/like")
    client_for(people["member"]).post(f"{base(community)}/t/{tid}/unaccept")
    assert events() == [("created", "forum_topic"), ("replied", "forum_post")]
    first = forums.get(ForumTopic, tid).first_post_id
    client_for(people["member"]).post(f"{base(community)}/p/{first}/delete")
    assert events() == [] and notes(people["member"]) == [] and notes(people["moderator"]) == []


def test_long_forums_page_without_counting(app, community, people, client_for, forums):
    from forums.queries import TOPICS_PER_PAGE

    fid = forums.forum(community, people["owner"])
    for n in range(TOPICS_PER_PAGE + 2):
        forums.topic(fid, people["member"], title=f"Topic number {n:02d}")
    c = client_for(people["member"])
    first = text(c.get(f"{base(community)}/f/{fid}"))
    assert "Topic number 31" in first and "Topic number 01" not in first and 'rel="next"' in first
    second = text(c.get(f"{base(community)}/f/{fid}?page=2"))
    assert "Topic number 01" in second and "Topic number 00" in second and 'rel="next"' not in second
    assert 'rel="prev"' in second
