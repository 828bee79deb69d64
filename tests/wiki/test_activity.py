"""The wiki's activity events and notifications (through collab.activity): created, edited and
commented events; watchers told of edits ("watched_edit") and comments ("comment"); @mentions;
everything about a page retracted when it goes to the trash, a comment's when it is deleted."""
from __future__ import annotations

import re

from sqlalchemy import select

from collab.activity.models import Event, Notification
from collab.extensions import db
from tests.helpers import text
from tests.wiki.conftest import url


def _events(app):
    """The wiki's events (not the community's own, such as people joining it)."""
    with app.app_context():
        return [(e.verb, e.key.split(":")[0], e.title) for e in db.session.scalars(
            select(Event).where(Event.key.like("wiki%")).order_by(Event.id))]


def _told(app, user):
    with app.app_context():
        return [(n.kind, n.title, n.url) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def test_events_and_notifications_follow_the_page(app, community, people, client_for):
    owner, member, other, mod = (client_for(people[k]) for k in ("owner", "member", "other", "moderator"))
    r = member.post(url(community, "-/new"), data={"title": "Runbook", "parent": "", "body": "Hi @moder."})
    assert r.status_code == 302
    assert _events(app) == [("created", "wiki_page", "Runbook")]
    assert [k for k, *_ in _told(app, people["moderator"])] == ["mention"]
    # The author watches what they created; Other watches by hand.
    other.post(url(community, "runbook", "watch"), data={"on": "1"})
    owner.post(url(community, "runbook", "edit"), data={"body": "Hi @moder. Step one.", "base_revision": "1"})
    assert _events(app)[-1] == ("edited", "wiki_revision", "Runbook")
    for person in ("member", "other"):
        kind, title, link = _told(app, people[person])[-1]
        assert (kind, title) == ("watched_edit", "Runbook") and link.endswith("/-/diff?to=2")
    assert _told(app, people["owner"]) == []  # not told about their own edit
    assert len(_told(app, people["moderator"])) == 1  # the mention was not new: no second one

    other.post(url(community, "runbook", "comments"), data={"body": "Looks good, @owner"})
    assert _events(app)[-1] == ("commented", "wiki_comment", "Runbook")
    assert [k for k, *_ in _told(app, people["member"])] == ["watched_edit", "comment"]
    assert [k for k, *_ in _told(app, people["owner"])] == ["mention"]
    assert "#comment-" in _told(app, people["member"])[-1][2]

    # A restore is an edit too.
    owner.post(url(community, "runbook", "revisions/1/restore"))
    assert [v for v, *_ in _events(app)] == ["created", "edited", "commented", "edited"]

    # Deleting the comment takes back what was said about it.
    cid = re.search(r'id="comment-(\d+)"', text(other.get(url(community, "runbook")))).group(1)
    other.post(url(community, "runbook", f"comments/{cid}/delete"))
    assert [v for v, *_ in _events(app)] == ["created", "edited", "edited"]
    assert [k for k, *_ in _told(app, people["member"])] == ["watched_edit", "watched_edit"]

    # Moving the page (and a subpage) to the trash retracts everything about both.
    member.post(url(community, "-/new"), data={"title": "Child", "parent": str(_page_id(app, "runbook")),
                                               "body": "x"})
    assert len(_events(app)) == 4
    mod.post(url(community, "runbook", "delete"))
    assert _events(app) == []
    assert _told(app, people["member"]) == [] and _told(app, people["moderator"]) == []


def _page_id(app, path):
    from wiki.models import WikiPage

    with app.app_context():
        return db.session.scalar(select(WikiPage.id).where(WikiPage.path == path))


def test_watchers_who_lost_access_are_not_told(app, make_user, make_community, client_for, wiki):
    owner, member = make_user("owner"), make_user("member")
    c = make_community(owner, name="Vault", access="restricted", members=[member])
    page = wiki.create(c, owner, "Plans")
    client_for(member).post(url(c, "plans", "watch"), data={"on": "1"})
    client_for(owner).post(url(c, "plans", "edit"), data={"body": "secret v2", "base_revision": "1"})
    assert len(_told(app, member)) == 1
    assert client_for(member).post(f"/c/{c.slug}/leave").status_code == 302
    client_for(owner).post(url(c, "plans", "edit"), data={"body": "secret v3", "base_revision": "2"})
    assert wiki.revisions(page)[-1][1].strip() == "secret v3"
    assert len(_told(app, member)) == 1  # out of the restricted community: told nothing more
