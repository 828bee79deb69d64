"""More edges: a new topic sent twice, replies pointing elsewhere, answers on non-questions,
edits after leaving, a missing page number."""
from __future__ import annotations

from forums.models import ForumPost, ForumTopic
from tests.forums.conftest import base, token_of
from tests.helpers import text


def test_new_topic_sent_twice_is_one_topic(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    c = client_for(people["member"])
    token = token_of(text(c.get(f"{base(community)}/f/{fid}/new")))
    data = {"title": "Only once", "body": "Body", "token": token}
    first, second = c.post(f"{base(community)}/f/{fid}/new", data=data), c.post(f"{base(community)}/f/{fid}/new", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert forums.count(ForumTopic, forum_id=fid) == 1


def test_reply_to_a_post_of_another_topic_is_refused(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    a, b = forums.topic(fid, people["member"], title="A"), forums.topic(fid, people["member"], title="B")
    pb = forums.reply(b, people["other"], "in B")
    r = client_for(people["other"]).post(f"{base(community)}/t/{a}", data={"body": "x", "reply_to": str(pb),
                                                                         "token": "tok-other-0001"})
    assert r.status_code == 400 and "not in this topic" in text(r)
    assert "In reply to" not in text(r)  # the page never describes a post of another topic
    assert forums.count(ForumPost, topic_id=a) == 1


def test_back_links_only_go_to_this_site(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    pid = forums.reply(forums.topic(fid, people["member"], title="A"), people["other"], "hello")
    c = client_for(people["member"])
    for target in ("/\\evil.example/", "//evil.example/", "https://evil.example/", "/\tevil.example"):
        r = c.post(f"{base(community)}/p/{pid}/like", data={"next": target})
        assert r.status_code in (302, 303) and "evil" not in r.headers["Location"], target


def test_answers_only_on_questions(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"], title="Just chatting", question=False)
    pid = forums.reply(tid, people["other"], "hello")
    r = client_for(people["moderator"]).post(f"{base(community)}/t/{tid}/accept/{pid}")
    assert r.status_code == 403 and forums.get(ForumTopic, tid).accepted_post_id is None
    assert "Accept as answer" not in text(client_for(people["member"]).get(f"{base(community)}/t/{tid}"))


def test_no_edits_after_leaving_and_page_numbers_out_of_range(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"])
    pid = forums.reply(tid, people["other"], "mine")
    c = client_for(people["other"])
    c.post(f"/c/{community.slug}/leave")
    assert c.post(f"{base(community)}/p/{pid}/edit", data={"body": "changed"}).status_code == 403
    assert forums.get(ForumPost, pid).body == "mine"
    page = text(c.get(f"{base(community)}/t/{tid}?page=999"))
    assert "mine" in page  # the last page instead of an empty one
    assert c.get(f"{base(community)}/t/{tid}?page=abc").status_code == 200
    assert c.get(f"{base(community)}/p/999999").status_code == 404
    assert c.get(f"{base(community)}/t/999999").status_code == 404


def test_mentions_link_to_profiles(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"], body="Thanks @moder and @nobody-here")
    page = text(client_for(people["other"]).get(f"{base(community)}/t/{tid}"))
    assert 'href="/u/moder"' in page and "@nobody-here" in page and 'href="/u/nobody-here"' not in page


def test_archived_community_forums_are_read_only(app, make_user, make_community, client_for, forums):
    from collab.extensions import db
    from communities.models import Community

    owner, member = make_user("owner"), make_user("member")
    c = make_community(owner, name="Old times", members=[member])
    fid = forums.forum(c, owner)
    tid = forums.topic(fid, member, body="Archived words")
    with app.app_context():
        db.session.get(Community, c.id).is_archived = True
        db.session.commit()
    client = client_for(member)
    page = text(client.get(f"{base(c)}/t/{tid}"))
    assert "Archived words" in page and 'name="body"' not in page
    assert client.post(f"{base(c)}/t/{tid}", data={"body": "late"}).status_code == 403
    assert client_for(owner).post(f"{base(c)}/t/{tid}/moderate", data={"action": "pin"}).status_code == 403
    assert forums.count(ForumPost, topic_id=tid) == 1


def test_editing_a_post_someone_edited_meanwhile_keeps_both_texts(app, client_for, make_user, make_community):
    """Two people open the same post for editing; the second save does not silently overwrite the first."""
    import re

    from collab.extensions import db
    from forums import services
    from collab.accounts.models import User
    from communities.models import Community

    owner, author = make_user("fowner"), make_user("fauthor")
    c = make_community(owner, name="Edit Race", members=[author])
    with app.test_request_context("/", method="POST"):
        forum = services.create_forum(db.session.get(Community, c.id), db.session.get(User, owner.id), name="General")
        topic = services.create_topic(forum, db.session.get(User, author.id), title="Release notes",
                                      body="First draft of the notes")
        db.session.commit()
        post_id = topic.first_post_id
    edit_url = f"/c/{c.slug}/forums/p/{post_id}/edit"
    mine, mod = client_for(author), client_for(owner)
    stamp_of = lambda page: re.search(r'name="base" type="hidden" value="([^"]*)"', page).group(1)  # noqa: E731
    my_base = stamp_of(mine.get(edit_url).get_data(as_text=True))
    mod_base = stamp_of(mod.get(edit_url).get_data(as_text=True))
    assert mod.post(edit_url, data={"title": "Release notes", "body": "Moderator fix of the notes",
                                    "base": mod_base}).status_code == 302
    r = mine.post(edit_url, data={"title": "Release notes", "body": "My much longer notes", "base": my_base})
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and "Someone edited this post after you opened it" in page
    assert "My much longer notes" in page and "Moderator fix of the notes" in page  # both texts shown
    topic_page = mine.get(f"/c/{c.slug}/forums/t/{topic.id}").get_data(as_text=True)
    assert "Moderator fix of the notes" in topic_page and "My much longer notes" not in topic_page
    # saving again (with the new base the page carries) is a deliberate replace
    assert mine.post(edit_url, data={"title": "Release notes", "body": "My much longer notes",
                                     "base": stamp_of(page)}).status_code == 302
    assert "My much longer notes" in mine.get(f"/c/{c.slug}/forums/t/{topic.id}").get_data(as_text=True)
