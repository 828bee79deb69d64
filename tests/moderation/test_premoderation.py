"""Pre-moderation: a new member's posts wait for approval, per tool."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from collab.extensions import db
from tests.helpers import text
from tests.moderation.conftest import queued, resolve


@pytest.fixture
def premod(app, people, community, client_for):
    """Pre-moderation switched on by the owner, then "newbie" joins (a new member)."""
    owner = client_for(people["owner"])
    r = owner.post(f"/c/{community.slug}/moderation/settings", data={"premoderation": "1"})
    assert r.status_code == 302
    assert "Turn pre-moderation off" in text(owner.get(f"/c/{community.slug}/moderation/"))
    newbie = client_for(people["newbie"])
    assert newbie.post(f"/c/{community.slug}/join").status_code == 302
    return newbie


def _events(app):
    from collab.activity.models import Event, Notification

    with app.app_context():
        return ([e.key for e in db.session.scalars(select(Event))],
                [(n.user_id, n.kind) for n in db.session.scalars(select(Notification))])


def test_switch_is_for_moderators_and_is_audited(app, people, community, client_for):
    assert client_for(people["member"]).post(f"/c/{community.slug}/moderation/settings",
                                             data={"premoderation": "1"}).status_code == 403
    assert client_for(people["moderator"]).post(f"/c/{community.slug}/moderation/settings",
                                                data={"premoderation": "1"}).status_code == 302
    from collab.audit import AuditEntry

    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "moderation.premoderation"))
        assert entry.after == {"premoderation": True} and entry.actor_id == people["moderator"].id


def test_forum_topic_waits_then_approval_publishes_it(app, people, community, content, premod, client_for,
                                                      find, index_now):
    key, topic_id = content.topic(community, people["newbie"], title="Newbie question yak", body="About yaks")
    index_now()
    topic_url = f"/c/{community.slug}/forums/t/{topic_id}"
    outsider, mod = client_for(people["outsider"]), client_for(people["moderator"])
    # only the author (marked) and moderators see it; no search, no events, no notifications
    assert outsider.get(topic_url).status_code == 404
    assert client_for(people["member"]).get(topic_url).status_code == 404
    mine = text(premod.get(topic_url))
    assert "About yaks" in mine and "Awaiting approval" in mine
    assert "Newbie question yak" not in text(outsider.get(f"/c/{community.slug}/forums/"))
    assert find(people["outsider"], "yaks")[0] == []
    events, notes = _events(app)
    assert not [k for k in events if k.startswith("forum")]
    assert key in queued(mod, community)
    # members who joined before the switch are not held
    _, old_topic = content.topic(community, people["member"], title="Old hand topic")
    assert client_for(people["outsider"]).get(f"/c/{community.slug}/forums/t/{old_topic}").status_code == 200

    assert resolve(mod, key, "approve", reason="").status_code == 302
    index_now()
    assert outsider.get(topic_url).status_code == 200
    assert "Awaiting approval" not in text(premod.get(topic_url))
    assert "Newbie question yak" in find(people["outsider"], "yaks")[0]
    events, _ = _events(app)
    assert f"forum_topic:{topic_id}" in events
    # approved once: the next post appears at once
    reply = content.reply(topic_id, people["newbie"], body="Follow up about yaks")
    assert reply not in queued(mod, community)
    assert "Follow up about yaks" in text(outsider.get(topic_url))


def test_forum_reply_rejected(app, people, community, content, premod, client_for):
    _, topic_id = content.topic(community, people["member"], title="Open topic")
    key = content.reply(topic_id, people["newbie"], body="Pending reply text")
    topic_url = f"/c/{community.slug}/forums/t/{topic_id}"
    outsider, mod = client_for(people["outsider"]), client_for(people["moderator"])
    assert "Pending reply text" not in text(outsider.get(topic_url))
    assert "Pending reply text" in text(premod.get(topic_url))
    # the topic's author hears nothing yet
    _, notes = _events(app)
    assert not [n for n in notes if n[0] == people["member"].id]
    assert resolve(mod, key, "reject", reason="Please stay on topic").status_code == 302
    assert "Pending reply text" not in text(premod.get(topic_url))
    assert key not in queued(mod, community)
    _, notes = _events(app)
    assert (people["newbie"].id, "moderation") in notes


def test_blog_post_and_comment_wait(app, people, community, content, premod, client_for, find, index_now):
    key = content.blog_post(community, people["newbie"], title="Newbie blog ibex", body="Ibex story")
    index_now()
    post_url = f"/c/{community.slug}/blog/{key.split(':')[1]}"
    outsider, mod = client_for(people["outsider"]), client_for(people["moderator"])
    assert outsider.get(post_url).status_code == 404
    assert "Awaiting approval" in text(premod.get(post_url))
    assert "Newbie blog ibex" not in text(outsider.get(f"/c/{community.slug}/blog/"))
    assert "Newbie blog ibex" not in text(outsider.get(f"/c/{community.slug}/blog/feed.atom"))
    assert find(people["outsider"], "ibex")[0] == []
    assert mod.get(post_url).status_code == 200
    # a comment on someone else's post waits too
    other = content.blog_post(community, people["owner"], title="Owner post")
    ckey = content.comment(community, other, people["newbie"], body="Pending comment gnu")
    other_url = f"/c/{community.slug}/blog/{other.split(':')[1]}"
    assert "Pending comment gnu" not in text(outsider.get(other_url))
    assert "Pending comment gnu" in text(premod.get(other_url))
    _, notes = _events(app)
    assert not [n for n in notes if n == (people["owner"].id, "comment")]
    assert queued(mod, community) >= {key, ckey}

    assert resolve(mod, ckey, "approve", reason="").status_code == 302
    assert "Pending comment gnu" in text(outsider.get(other_url))
    _, notes = _events(app)
    assert (people["owner"].id, "comment") in notes
    assert resolve(mod, key, "approve", reason="Welcome").status_code == 302
    index_now()
    assert outsider.get(post_url).status_code == 200
    assert "Newbie blog ibex" in find(people["outsider"], "ibex")[0]
    assert "Newbie blog ibex" in text(outsider.get(f"/c/{community.slug}/blog/feed.atom"))


def test_wiki_page_creation_waits(app, people, community, premod, client_for, find, index_now):
    r = premod.post(f"/c/{community.slug}/wiki/-/new", data={"title": "Okapi notes", "body": "Okapis are shy"})
    assert r.status_code == 302
    from wiki.models import WikiPage

    with app.app_context():
        page = db.session.scalar(select(WikiPage).where(WikiPage.title == "Okapi notes"))
        key, url = f"wiki_page:{page.id}", f"/c/{community.slug}/wiki/{page.path}"
    index_now()
    outsider, mod = client_for(people["outsider"]), client_for(people["moderator"])
    assert outsider.get(url).status_code == 404
    assert "Awaiting approval" in text(premod.get(url))
    assert find(people["outsider"], "okapis")[0] == []
    assert key in queued(mod, community)
    assert resolve(mod, key, "approve", reason="").status_code == 302
    index_now()
    assert outsider.get(url).status_code == 200
    assert "Okapi notes" in find(people["outsider"], "okapis")[0]


def test_chat_opens_after_a_first_approved_post(app, people, community, content, premod, client_for):
    from collab.chat.services import ChatError

    with pytest.raises(ChatError, match="pre-moderated"):
        content.message(community, people["newbie"], body="hi all")
    key, _ = content.topic(community, people["newbie"], title="Hello from newbie")
    assert resolve(client_for(people["moderator"]), key, "approve", reason="").status_code == 302
    assert content.message(community, people["newbie"], body="hi all").startswith("chat_message:")


def test_the_site_queue_lists_every_community(app, people, community, secret, content, premod, client_for):
    key, _ = content.topic(community, people["newbie"], title="Waiting topic")
    admin = client_for(people["admin"])
    assert key in queued(admin)
    assert resolve(admin, key, "approve", reason="", next="/admin/moderation").headers["Location"].endswith(
        "/admin/moderation")
    assert key not in queued(admin)
