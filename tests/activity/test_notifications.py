"""The bell, the notifications page, marking read, preferences, community notifications, follow
lists and mention autocomplete, through the HTTP and Socket.IO test clients."""
from __future__ import annotations

import re

from sqlalchemy import select

from collab import activity
from collab.accounts.models import User
from collab.activity.models import Notification
from collab.extensions import db, socketio
from communities.models import Community
from tests.helpers import text


def _bell(html: str) -> int | None:
    m = re.search(r'data-testid="notification-count" data-bell-count( hidden)?>(\d+)<', html)
    assert m, "no bell on the page"
    return None if m.group(1) else int(m.group(2))


def _notify(app, actor, who, place, title="Plans", key="forum_post:1", kind="reply", url="/c/x/"):
    with app.app_context():
        activity.notify([who.id], kind, actor=db.session.get(User, actor.id), key=key,
                        community=db.session.get(Community, place.id) if place else None, title=title, url=url)
        db.session.commit()


def test_bell_count_page_open_marks_read_and_mark_all(app, make_user, make_community, client_for):
    ana, bob = make_user("ana"), make_user("bob")
    place = make_community(ana, "Place", members=[bob])
    c = client_for(bob)
    assert _bell(text(c.get("/"))) is None
    _notify(app, ana, bob, place, "First thing", key="forum_post:1", url=f"/c/{place.slug}/")
    _notify(app, ana, bob, place, "Second thing", key="forum_post:2")
    page = text(c.get("/notifications"))
    assert _bell(page) == 2
    assert page.index("Second thing") < page.index("First thing")  # newest first
    assert "Ana replied to First thing" in page
    with app.app_context():
        first = db.session.scalar(select(Notification.id).where(Notification.title == "First thing"))
    r = c.get(f"/notifications/{first}")
    assert r.status_code == 302 and r.headers["Location"] == f"/c/{place.slug}/"
    assert _bell(text(c.get("/"))) == 1
    assert c.get("/notifications/count").get_json() == {"unread": 1}
    assert c.post("/notifications/read-all").status_code == 302
    assert _bell(text(c.get("/"))) is None
    # someone else's notification is not yours to open
    assert client_for(ana).get(f"/notifications/{first}").status_code == 404


def test_notifications_about_a_place_one_left_disappear(app, make_user, make_community, client_for):
    ana, bob = make_user("ana"), make_user("bob")
    secret = make_community(ana, "Secret", access="restricted", members=[bob])
    _notify(app, ana, bob, secret, "Secret reply", url=f"/c/{secret.slug}/")
    c = client_for(bob)
    assert "Secret reply" in text(c.get("/notifications"))
    c.post(f"/c/{secret.slug}/leave")
    page = text(c.get("/notifications"))
    assert "Secret reply" not in page and _bell(page) is None
    with app.app_context():
        nid = db.session.scalar(select(Notification.id))
    assert c.get(f"/notifications/{nid}").status_code == 404


def test_retract_removes_from_the_page_and_the_bell(app, make_user, make_community, client_for):
    ana, bob = make_user("ana"), make_user("bob")
    place = make_community(ana, "Place", members=[bob])
    _notify(app, ana, bob, place, "Soon deleted", key="forum_post:7")
    with app.app_context():
        activity.record(db.session.get(User, ana.id), "replied", "forum_post:7", group="forum_topic:3",
                        community=db.session.get(Community, place.id), title="Soon deleted", url="/x")
        db.session.commit()
        activity.retract("forum_topic:3")
        activity.retract("forum_post:7")
        db.session.commit()
    c = client_for(bob)
    assert "Soon deleted" not in text(c.get("/notifications"))
    assert "Soon deleted" not in text(c.get("/"))


def test_preferences_page_saves_each_kind(app, make_user, make_community, client_for):
    ana, bob = make_user("ana"), make_user("bob")
    place = make_community(ana, "Place", members=[bob])
    c = client_for(bob)
    page = text(c.get("/settings/notifications"))
    assert 'name="mention" value="app" checked' in page
    r = c.post("/settings/notifications", data={"mention": "off", "reply": "digest"})
    assert r.status_code == 302
    page = text(c.get("/settings/notifications"))
    assert 'name="mention" value="off" checked' in page and 'name="reply" value="digest" checked' in page
    assert c.post("/settings/notifications", data={"mention": "loud"}).status_code == 200
    assert 'name="mention" value="off" checked' in text(c.get("/settings/notifications"))
    with app.app_context():
        made = activity.notify_mentions("hi @bob", actor=db.session.get(User, ana.id), key="forum_post:1",
                                        community=db.session.get(Community, place.id), title="t", url="/x")
        assert made == []


def test_community_requests_invitations_and_approval_notify_the_right_people(app, make_user, make_community, client_for):
    owner, mod, asker, guest = (make_user(n) for n in ("owner", "mod", "asker", "guest"))
    club = make_community(owner, "Club", access="moderated", moderators=[mod])
    secret = make_community(owner, "Vault", access="restricted")
    asker_c = client_for(asker)
    assert asker_c.post(f"/c/{club.slug}/request", data={"message": "let me in"}).status_code == 302
    for person in (owner, mod):
        page = text(client_for(person).get("/notifications"))
        assert "Asker asks to join Club" in page
    oc = client_for(owner)
    with app.app_context():
        from communities.models import JoinRequest
        req_id = db.session.scalar(select(JoinRequest.id))
    assert oc.post(f"/c/{club.slug}/requests/{req_id}/approve").status_code == 302
    assert "Owner approved your request to join Club" in text(asker_c.get("/notifications"))
    # settled: the moderators' request notifications are gone
    assert "asks to join" not in text(client_for(mod).get("/notifications"))
    assert oc.post(f"/c/{secret.slug}/invite", data={"people": "guest"}).status_code in (200, 302)
    page = text(client_for(guest).get("/notifications"))
    assert "Owner invited you to Vault" in page


def test_live_bell_event_reaches_only_the_recipient(app, make_user, make_community, client_for):
    ana, bob, cy = make_user("ana"), make_user("bob"), make_user("cy")
    place = make_community(ana, "Place", members=[bob, cy])
    bob_sock = socketio.test_client(app, namespace="/notify", flask_test_client=client_for(bob))
    cy_sock = socketio.test_client(app, namespace="/notify", flask_test_client=client_for(cy))
    anon = socketio.test_client(app, namespace="/notify", flask_test_client=app.test_client())
    assert not anon.is_connected("/notify")
    c = client_for(ana)
    # a wiki page save with a mention notifies live
    r = c.post(f"/c/{place.slug}/wiki/-/new", data={"title": "Notes", "body": "Ask @bob and @ana and @ghost"})
    assert r.status_code == 302, text(r)[:500]
    got = bob_sock.get_received("/notify")
    assert [(m["name"], m["args"][0]["kind"], m["args"][0]["title"]) for m in got] == [("notification", "mention", "Notes")]
    assert cy_sock.get_received("/notify") == []
    assert _bell(text(client_for(bob).get("/"))) == 1


def test_follow_unfollow_and_lists(app, make_user, client_for):
    ana, bob = make_user("ana"), make_user("bob")
    c = client_for(ana)
    assert "Follow</button>" in text(c.get("/u/bob"))
    c.post("/u/bob/follow")
    c.post("/u/bob/follow")  # twice: still one
    page = text(c.get("/u/bob"))
    assert "Unfollow</button>" in page and "1 follower" in page
    assert "Ana" in text(c.get("/u/bob/followers")) and "Bob" in text(c.get("/u/ana/following"))
    c.post("/u/bob/unfollow")
    assert "Nobody follows Bob yet" in text(c.get("/u/bob/followers"))
    assert c.post("/u/ana/follow").status_code == 302  # oneself: refused with a message
    assert "0 followers" in text(c.get("/u/ana"))


def test_mention_autocomplete_by_name_prefix_signed_in_only(app, make_user, client_for):
    make_user("anna", display_name="Anna Li")
    make_user("li_wei", display_name="Wei Li")
    make_user("joanna", display_name="Jo Anna")
    c = client_for(make_user("me"))
    names = [p["username"] for p in c.get("/people/mentions?q=an").get_json()["people"]]
    assert "anna" in names and "joanna" in names  # a word of the display name starts with it
    assert [p["username"] for p in c.get("/people/mentions?q=li_").get_json()["people"]] == ["li_wei"]
    assert c.get("/people/mentions?q=%25").get_json() == {"people": []}
    assert app.test_client().get("/people/mentions?q=an").status_code == 302
