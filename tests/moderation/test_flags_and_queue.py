"""Flagging, the one queue, resolving (keep, hide, unhide, delete), and who may do what."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from collab.extensions import db
from tests.helpers import text

from tests.moderation.conftest import flag, queued, resolve


def _notifications(app, user):
    from collab.activity.models import Notification

    with app.app_context():
        return [(n.kind, n.title, n.url) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id))]


def test_flag_reaches_the_community_queue_and_hide_removes_it_everywhere(app, people, community, content,
                                                                         client_for, find, index_now):
    key, topic_id = content.topic(community, people["member"], title="Cheap watches here", body="Buy now zebrafish")
    index_now()
    assert "Cheap watches here" in find(people["outsider"], "zebrafish")[0]
    outsider = client_for(people["outsider"])
    page = outsider.get(f"/c/{community.slug}/forums/t/{topic_id}")
    assert "/moderation/flag?key=forum_post" in text(page)
    r = flag(outsider, key, "other")
    assert r.status_code == 400 and "Say what is wrong" in text(r)  # kept what was typed, told why
    assert flag(outsider, key, "spam", "advertising").status_code == 302
    assert flag(outsider, key, "offensive").status_code == 302  # one open flag per reporter: updated
    mod = client_for(people["moderator"])
    queue = text(mod.get(f"/c/{community.slug}/moderation/"))
    assert "Cheap watches here" in queue and "Outsider" in queue and "Offensive or abusive" in queue
    assert "1 flag" in queue

    r = resolve(mod, key, "hide", reason="")
    assert r.status_code == 302  # no reason: refused, nothing hidden
    assert key in queued(mod, community)
    assert resolve(mod, key, "hide", reason="Advertising is not allowed").status_code == 302
    index_now()
    assert find(people["outsider"], "zebrafish")[0] == []
    assert "Buy now zebrafish" not in text(outsider.get(f"/c/{community.slug}/forums/t/{topic_id}"))
    assert key not in queued(mod, community)
    # the author is told, with the reason
    told = [n for n in _notifications(app, people["member"]) if n[0] == "moderation"]
    assert len(told) == 1
    author = client_for(people["member"])
    decision = text(author.get(told[0][2]))
    assert "Advertising is not allowed" in decision and "hidden" in decision
    assert author.get(told[0][2].replace("/decisions/", "/decisions/9")).status_code == 404
    assert outsider.get(told[0][2]).status_code == 404  # someone else's decision
    # the audit log has it
    from collab.audit import AuditEntry

    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "moderation.hide"))
        assert entry.target_key == key and entry.reason == "Advertising is not allowed"
        assert entry.community_id == community.id and entry.actor_id == people["moderator"].id

    # shown again: back on the page and in search
    assert resolve(mod, key, "unhide", reason="").status_code == 302
    index_now()
    assert "Cheap watches here" in find(people["outsider"], "zebrafish")[0]
    assert "Buy now zebrafish" in text(outsider.get(f"/c/{community.slug}/forums/t/{topic_id}"))


def test_keep_closes_flags_and_delete_asks_for_confirmation(app, people, community, content, client_for):
    key = content.blog_post(community, people["member"], title="Fine post")
    other = content.blog_post(community, people["member"], title="Bad post")
    outsider, mod = client_for(people["outsider"]), client_for(people["moderator"])
    assert flag(outsider, key).status_code == 302 and flag(outsider, other).status_code == 302
    assert resolve(mod, key, "keep", reason="").status_code == 302
    assert queued(mod, community) == {other}
    # delete without confirming shows the confirmation page and changes nothing
    r = resolve(mod, other, "delete", confirm=False)
    assert r.status_code == 200 and "Delete this for good?" in text(r)
    assert queued(mod, community) == {other}
    r = resolve(mod, other, "delete", reason="", confirm=True)
    assert r.status_code == 400 and "Give a reason" in text(r)
    assert resolve(mod, other, "delete", reason="Duplicate").status_code == 302
    assert queued(mod, community) == set()
    assert "Bad post" not in text(outsider.get(f"/c/{community.slug}/blog/"))
    assert "Fine post" in text(outsider.get(f"/c/{community.slug}/blog/"))


def test_flagging_rules(people, community, content, client_for):
    key, _ = content.topic(community, people["member"])
    author = client_for(people["member"])
    r = flag(author, key)
    assert r.status_code == 400 and "cannot flag what you wrote" in text(r)
    assert flag(client_for(people["outsider"]), "forum_post:999999").status_code == 404
    assert flag(client_for(people["outsider"]), "nonsense").status_code == 404
    assert flag(client_for(people["outsider"]), key, reason="bogus").status_code == 400


@pytest.mark.parametrize("who,status", [("member", 403), ("outsider", 403), ("owner", 200), ("moderator", 200),
                                        ("admin", 200)])
def test_queue_roles_on_a_public_community(people, community, client_for, who, status):
    assert client_for(people[who]).get(f"/c/{community.slug}/moderation/").status_code == status


def test_restricted_community_leaks_nothing_to_outsiders(app, people, secret, content, client_for):
    key, _ = content.topic(secret, people["member"], title="Secret roadmap")
    mod = client_for(people["moderator"])
    outsider = client_for(people["outsider"])
    assert outsider.get(f"/c/{secret.slug}/moderation/").status_code == 404
    assert outsider.post(f"/c/{secret.slug}/moderation/settings", data={"premoderation": "1"}).status_code == 404
    assert outsider.get("/moderation/flag", query_string={"key": key}).status_code == 404
    assert flag(outsider, key).status_code == 404
    assert resolve(outsider, key, "hide").status_code == 404
    # a member may flag, but not resolve
    member2 = client_for(people["owner"])
    assert flag(member2, key).status_code == 302
    assert resolve(client_for(people["member"]), key, "keep").status_code in (400, 403)  # own: may not
    assert resolve(client_for(people["newbie"]), key, "hide").status_code == 404
    assert "Secret roadmap" in text(mod.get(f"/c/{secret.slug}/moderation/"))
    # the site queue is for admins only
    assert outsider.get("/admin/moderation").status_code == 403
    assert mod.get("/admin/moderation").status_code == 403
    assert "Secret roadmap" in text(client_for(people["admin"]).get("/admin/moderation"))


def test_member_may_not_resolve(people, community, content, client_for):
    key, topic_id = content.topic(community, people["owner"], title="Owner topic")
    assert flag(client_for(people["outsider"]), key).status_code == 302
    assert resolve(client_for(people["member"]), key, "hide").status_code == 403
    assert resolve(client_for(people["outsider"]), key, "delete").status_code == 403


def test_resolve_and_flag_need_csrf(app, people, community, content, client_for):
    key, _ = content.topic(community, people["member"])
    outsider, mod = client_for(people["outsider"]), client_for(people["moderator"])
    app.config["WTF_CSRF_ENABLED"] = True
    assert flag(outsider, key).status_code == 400
    assert resolve(mod, key, "hide").status_code == 400
    assert mod.post(f"/c/{community.slug}/moderation/settings", data={"premoderation": "1"}).status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False
    assert key not in queued(mod, community)


def test_blog_comment_and_stream(app, people, community, content, client_for, find, index_now):
    post = content.blog_post(community, people["owner"], title="Launch news")
    key = content.comment(community, post, people["member"], body="Rude words in a comment about octopus")
    index_now()
    outsider, mod = client_for(people["outsider"]), client_for(people["moderator"])
    assert "Rude words" in text(outsider.get(f"/c/{community.slug}/blog/{post.split(':')[1]}"))
    assert find(people["outsider"], "octopus")[0]
    assert "commented on" in text(client_for(people["owner"]).get("/"))  # the stream has the comment
    flag(outsider, key)
    assert resolve(mod, key, "hide", reason="Be kind").status_code == 302
    index_now()
    assert "Rude words" not in text(outsider.get(f"/c/{community.slug}/blog/{post.split(':')[1]}"))
    assert find(people["outsider"], "octopus")[0] == []
    assert "commented on" not in text(client_for(people["owner"]).get("/"))
    # the author still sees it, marked hidden
    mine = text(client_for(people["member"]).get(f"/c/{community.slug}/blog/{post.split(':')[1]}"))
    assert "Rude words" in mine and "Hidden by a moderator" in mine


def test_hidden_blog_post_leaves_the_feed_and_comes_back(app, people, community, content, client_for):
    key = content.blog_post(community, people["member"], title="Feed item walrus")
    mod = client_for(people["moderator"])
    feed_url = f"/c/{community.slug}/blog/feed.atom"
    assert "Feed item walrus" in text(mod.get(feed_url))
    assert resolve(mod, key, "hide", reason="Off topic").status_code == 302
    assert "Feed item walrus" not in text(mod.get(feed_url))
    post_url = f"/c/{community.slug}/blog/{key.split(':')[1]}"
    assert client_for(people["outsider"]).get(post_url).status_code == 404
    assert "Hidden by a moderator" in text(client_for(people["member"]).get(post_url))
    assert resolve(mod, key, "unhide", reason="").status_code == 302
    assert "Feed item walrus" in text(mod.get(feed_url))


def test_wiki_page_flag_and_hide(app, people, community, client_for, find, index_now):
    member = client_for(people["member"])
    r = member.post(f"/c/{community.slug}/wiki/-/new", data={"title": "Llama facts", "body": "Llamas hum quietly"})
    assert r.status_code == 302
    from wiki.models import WikiPage

    with app.app_context():
        page = db.session.scalar(select(WikiPage).where(WikiPage.title == "Llama facts"))
        key, path = f"wiki_page:{page.id}", page.path
    index_now()
    assert "Llama facts" in find(people["outsider"], "llamas")[0]
    outsider, mod = client_for(people["outsider"]), client_for(people["moderator"])
    assert "/moderation/flag?key=wiki_page" in text(outsider.get(f"/c/{community.slug}/wiki/{path}"))
    assert flag(outsider, key).status_code == 302
    assert resolve(mod, key, "hide", reason="Wrong wiki").status_code == 302
    index_now()
    assert find(people["outsider"], "llamas")[0] == []
    assert outsider.get(f"/c/{community.slug}/wiki/{path}").status_code == 404
    assert "Hidden by a moderator" in text(member.get(f"/c/{community.slug}/wiki/{path}"))
    assert "Llama facts" not in text(outsider.get(f"/c/{community.slug}/wiki/"))


def test_chat_message_hidden_in_history(app, people, community, content, client_for, find, index_now):
    key = content.message(community, people["member"], body="spammy narwhal link")
    index_now()
    assert find(people["outsider"], "narwhal")[0]
    outsider, mod = client_for(people["outsider"]), client_for(people["moderator"])
    assert flag(outsider, key).status_code == 302
    assert "spammy narwhal" in text(mod.get(f"/c/{community.slug}/moderation/"))
    assert resolve(mod, key, "hide", reason="Spam").status_code == 302
    index_now()
    assert find(people["outsider"], "narwhal")[0] == []
    history = text(outsider.get(f"/c/{community.slug}/chat/general/history"))
    assert "spammy narwhal" not in history and "hidden by a moderator" in history


def test_three_flags_hide_a_blog_post_until_a_moderator_keeps_it(app, people, community, content, client_for,
                                                                  make_user):
    key = content.blog_post(community, people["owner"], title="Contested opinion")
    post_url = f"/c/{community.slug}/blog/{key.split(':')[1]}"
    reporters = [client_for(people["member"]), client_for(people["outsider"]), client_for(make_user("third"))]
    for n, c in enumerate(reporters):
        assert c.get(post_url).status_code == 200
        assert flag(c, key).status_code == 302
    reader = client_for(people["newbie"])
    assert reader.get(post_url).status_code == 404  # hidden until reviewed
    mod = client_for(people["moderator"])
    queue = text(mod.get(f"/c/{community.slug}/moderation/"))
    assert "Hidden by flags until reviewed" in queue and "3 flags" in queue
    assert resolve(mod, key, "keep", reason="").status_code == 302
    assert reader.get(post_url).status_code == 200
    assert key not in queued(mod, community)


def test_personal_and_direct_content_goes_to_the_site_queue(app, people, client_for):
    from collab.accounts.models import User
    from collab.chat import services as chat

    with app.test_request_context("/", method="POST"):
        room = chat.direct_room(db.session.get(User, people["member"].id), [db.session.get(User, people["outsider"].id)])
        db.session.commit()
        msg, _ = chat.post_message(db.session.get(User, people["member"].id), room, "rude direct words", "cid-dm-1")
        db.session.commit()
        key = f"chat_message:{msg.id}"
    outsider = client_for(people["outsider"])
    assert flag(outsider, key).status_code == 302
    assert flag(client_for(people["owner"]), key).status_code == 404  # not in the conversation
    admin = client_for(people["admin"])
    assert key in queued(admin)
    assert resolve(client_for(people["moderator"]), key, "hide").status_code == 404
    assert resolve(admin, key, "delete", reason="Harassment").status_code == 302
    assert key not in queued(admin)
    with app.app_context():
        from collab.chat.models import ChatMessage

        assert db.session.get(ChatMessage, msg.id).is_deleted


def test_moderator_actions_in_the_tools_are_audited(app, people, community, content, client_for):
    from collab.audit import AuditEntry

    mod = client_for(people["moderator"])
    post = content.blog_post(community, people["owner"], title="Audited post")
    ckey = content.comment(community, post, people["member"], body="Remove me")
    assert mod.post(f"/c/{community.slug}/blog/comments/{ckey.split(':')[1]}/delete").status_code == 302
    _, topic_id = content.topic(community, people["member"], title="Pin me")
    assert mod.post(f"/c/{community.slug}/forums/t/{topic_id}/moderate", data={"action": "pin"}).status_code == 302
    member = client_for(people["member"])
    assert member.post(f"/c/{community.slug}/wiki/-/new", data={"title": "Trash me", "body": "x"}).status_code == 302
    from wiki.models import WikiPage

    with app.app_context():
        path = db.session.scalar(select(WikiPage.path).where(WikiPage.title == "Trash me"))
    assert mod.post(f"/c/{community.slug}/wiki/{path}/-/delete").status_code == 302
    msg = content.message(community, people["member"], body="moderated away")
    sc = socketio_client(app, client_for(people["moderator"]))
    ack = sc.emit("delete", {"message": int(msg.split(":")[1])}, namespace="/chat", callback=True)
    sc.disconnect(namespace="/chat")
    assert ack["ok"]
    with app.app_context():
        actions = {(e.action, e.actor_id, e.community_id) for e in db.session.scalars(select(AuditEntry))}
    me, cid = people["moderator"].id, community.id
    assert {("blogs.remove_comment", me, cid), ("forums.pin", me, cid), ("wiki.delete", me, cid),
            ("chat.delete_message", me, cid)} <= actions


def socketio_client(app, flask_client):
    from collab.extensions import socketio

    return socketio.test_client(app, namespace="/chat", flask_test_client=flask_client)
