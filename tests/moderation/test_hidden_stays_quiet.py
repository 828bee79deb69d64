"""What is hidden or waits for approval says nothing anywhere: no stream line quoting a hidden
opening post, no events, notifications or mentions from inside a topic or page that waits, no tag
of a waiting topic in the forum's tag cloud, no pending reply in the API, no hidden chat message
quoted into a forum topic."""
from __future__ import annotations

from sqlalchemy import select

from collab.extensions import db
from tests.api.conftest import api_as, token_for  # noqa: F401  (shared fixtures)
from tests.helpers import text
from tests.moderation.conftest import resolve
from tests.moderation.test_premoderation import premod  # noqa: F401


def _notes(app, user) -> list[tuple[str, str]]:
    from collab.activity.models import Notification

    with app.app_context():
        return [(n.kind, n.title) for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]


def _forum_id(app, community) -> int:
    from forums.models import Forum

    with app.app_context():
        return db.session.scalar(select(Forum.id).where(Forum.community_id == community.id))


def test_a_hidden_opening_post_leaves_the_streams_and_comes_back_once(app, people, community, content, client_for):
    key, topic_id = content.topic(community, people["member"], title="Zebra topic", body="Secret zebrabody words here")
    outsider, moderator = client_for(people["outsider"]), client_for(people["moderator"])
    profile = f"/u/{people['member'].username}"
    for url in (f"/c/{community.slug}/", profile):
        assert "zebrabody" in text(outsider.get(url)), url
    assert resolve(moderator, key, "hide", reason="Off topic").status_code == 302
    assert "zebrabody" not in text(outsider.get(f"/c/{community.slug}/forums/t/{topic_id}"))
    for url in (f"/c/{community.slug}/", profile):
        assert "zebrabody" not in text(outsider.get(url)), url
    assert resolve(moderator, key, "unhide", reason="Fine after all").status_code == 302
    assert text(outsider.get(f"/c/{community.slug}/")).count("zebrabody") == 1  # back, once


def test_nothing_said_inside_a_topic_that_waits_is_told(app, people, community, content, premod, client_for):  # noqa: F811
    key, topic_id = content.topic(community, people["newbie"], title="Pending gnu title", body="body")
    pid = int(key.split(":")[1])
    outsider, moderator = client_for(people["outsider"]), client_for(people["moderator"])
    assert outsider.get(f"/c/{community.slug}/forums/t/{topic_id}").status_code == 404
    assert moderator.post(f"/c/{community.slug}/forums/t/{topic_id}", data={"body": "a moderator reply"}).status_code == 302
    r = premod.post(f"/c/{community.slug}/forums/p/{pid}/edit",
                    data={"body": "body with @outsider", "title": "Pending gnu title", "tags": "", "base": "-"})
    assert r.status_code == 302, r.status_code
    assert "Pending gnu title" not in text(outsider.get(f"/c/{community.slug}/"))
    assert not any("Pending gnu" in title for _kind, title in _notes(app, people["outsider"]))


def test_a_waiting_topic_s_tags_stay_out_of_the_tag_cloud(app, people, community, content, premod, client_for):  # noqa: F811
    content.topic(community, people["owner"], title="First topic")  # makes the forum
    fid = _forum_id(app, community)
    r = premod.post(f"/c/{community.slug}/forums/f/{fid}/new",
                    data={"title": "Pending one", "body": "words", "tags": "zzlayoffs"})
    assert r.status_code == 302, r.status_code
    page = text(client_for(people["outsider"]).get(f"/c/{community.slug}/forums/f/{fid}"))
    assert "Pending one" not in page and "zzlayoffs" not in page


def test_the_api_lists_a_waiting_reply_to_its_author_and_the_moderators_only(people, community, content, premod,  # noqa: F811
                                                                            api_as, client_for):  # noqa: F811
    _key, topic_id = content.topic(community, people["owner"], title="Open topic", body="body")
    pid = int(content.reply(topic_id, people["newbie"], body="pending reply text").split(":")[1])
    url = f"/communities/{community.slug}/topics/{topic_id}/posts"
    for who, sees in (("outsider", False), ("member", False), ("newbie", True), ("moderator", True)):
        ids = [p["id"] for p in api_as(people[who]).get(url).get_json()["items"]]
        assert (pid in ids) is sees, who


def test_editing_a_comment_on_a_waiting_wiki_page_mentions_nobody(app, people, community, premod, client_for):  # noqa: F811
    from wiki.models import WikiComment, WikiPage

    assert premod.post(f"/c/{community.slug}/wiki/-/new", data={"title": "Pending okapi page", "body": "words"}).status_code == 302
    with app.app_context():
        page = db.session.scalar(select(WikiPage).where(WikiPage.title == "Pending okapi page"))
        assert page.moderation == "pending"
        path = page.path
    assert premod.post(f"/c/{community.slug}/wiki/{path}/-/comments", data={"body": "first"}).status_code == 302
    with app.app_context():
        comment_id = db.session.scalar(select(WikiComment.id))
    r = premod.post(f"/c/{community.slug}/wiki/{path}/-/comments/{comment_id}/edit", data={"body": "hey @outsider"})
    assert r.status_code == 302, r.status_code
    assert _notes(app, people["outsider"]) == []


def test_a_hidden_chat_message_is_not_quoted_into_a_forum_topic(app, people, community, content, client_for):
    from collab.chat.models import ChatRoom

    content.topic(community, people["owner"], title="makes a forum")
    key = content.message(community, people["owner"], body="hidden llama secret text")
    kept = content.message(community, people["owner"], body="an ordinary message")
    assert resolve(client_for(people["moderator"]), key, "hide", reason="Rude").status_code == 302
    with app.app_context():
        room = db.session.scalar(select(ChatRoom).where(ChatRoom.community_id == community.id)).slug
    member = client_for(people["member"])
    pick = text(member.get(f"/c/{community.slug}/chat/{room}/to-forum"))
    assert "hidden llama secret" not in pick and "an ordinary message" in pick
    r = member.post(f"/c/{community.slug}/chat/{room}/to-forum", data={"m": key.split(":")[1]})
    assert r.status_code == 302 and r.headers["Location"].endswith("/to-forum")  # nothing to quote
    r = member.post(f"/c/{community.slug}/chat/{room}/to-forum", data={"m": [key.split(":")[1], kept.split(":")[1]]})
    draft = text(member.get(r.headers["Location"]))
    assert "an ordinary message" in draft and "hidden llama secret" not in draft
