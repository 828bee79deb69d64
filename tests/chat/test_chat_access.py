"""The access matrix for chat, over HTTP and over sockets: anonymous, outsider, member,
moderator, owner and admin on public, moderated and restricted communities; direct conversations
for their participants only; leaving a community takes one out of its rooms live."""
from __future__ import annotations

import pytest

from tests.chat.conftest import call, cid, received
from tests.helpers import text

ACCESS = ["public", "moderated", "restricted"]
ROLES = ["anonymous", "outsider", "member", "moderator", "owner", "admin"]


@pytest.fixture
def world(app, make_user, make_community, admin_user, room_of):
    owner, moderator, member, outsider = make_user("owner"), make_user("moder"), make_user("member"), make_user("outsider")
    communities = {a: make_community(owner, name=f"{a.title()} Place", access=a, members=[member], moderators=[moderator])
                   for a in ACCESS}
    rooms = {a: room_of(c) for a, c in communities.items()}
    people = {"owner": owner, "moderator": moderator, "member": member, "outsider": outsider,
              "admin": admin_user, "anonymous": None}
    return people, communities, rooms


def _reads(access, role):
    return role == "admin" or role in ("member", "moderator", "owner") or (role != "anonymous" and access != "restricted")


def _writes(role):
    return role in ("member", "moderator", "owner")


@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("role", ROLES)
def test_pages(world, client_for, access, role):
    people, communities, rooms = world
    c = communities[access]
    web = client_for(people[role])
    pages = [f"/c/{c.slug}/chat/", f"/c/{c.slug}/chat/general", f"/c/{c.slug}/chat/general/history",
             f"/c/{c.slug}/chat/general/search?q=x"]
    for url in pages:
        r = web.get(url)
        if role == "anonymous":
            assert r.status_code == 302 and "/login" in r.headers["Location"], url
        elif not _reads(access, role):
            assert r.status_code == 404, url
            assert c.name not in text(r)
        else:
            assert r.status_code in (200, 302), url
    if _reads(access, role) and role != "anonymous":
        page = text(web.get(f"/c/{c.slug}/chat/general"))
        assert ('data-composer' in page) == _writes(role)
    manage = web.get(f"/c/{c.slug}/chat/+new")
    want = 302 if role == "anonymous" else 404 if not _reads(access, role) else 200 if role in ("owner", "admin") else 403
    assert manage.status_code == want
    assert web.get(f"/c/{c.slug}/chat/no-such-room").status_code in (302, 404)


@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("role", ROLES[1:])
def test_sockets(world, sio, access, role, stored):
    people, communities, rooms = world
    room = rooms[access]
    sc = sio(people[role])
    joined = call(sc, "join", room=room)
    history = call(sc, "history", room=room)
    sent = call(sc, "send", room=room, body=f"from {role}", client_id=cid())
    if not _reads(access, role):
        # The same answer as for a room that does not exist: nothing leaks.
        for ack in (joined, history, sent):
            assert ack["error"] == "no_room"
        assert stored(room) == []
        return
    assert joined["ok"] and history["ok"]
    assert joined["can_post"] == _writes(role)
    if _writes(role):
        assert sent["ok"] and stored(room) == [(1, f"from {role}", people[role].username)]
    else:
        assert sent["error"] == "forbidden" and stored(room) == []


def test_chat_switched_off_hides_the_rooms(app, make_user, make_community, client_for, sio, room_of):
    owner = make_user("owner")
    c = make_community(owner, tools=["wiki"])
    assert client_for(owner).get(f"/c/{c.slug}/chat/").status_code == 404
    room = room_of(c)
    assert call(sio(owner), "join", room=room)["error"] == "no_room"


def test_direct_conversations_are_private(make_user, client_for, sio, dm, admin_user):
    ana, bo, cy = make_user("ana"), make_user("bo"), make_user("cy")
    room = dm(ana, bo)
    assert client_for(ana).get(f"/chat/{room}").status_code == 200
    assert client_for(bo).get(f"/chat/{room}/history").status_code == 200
    for person in (cy, admin_user):
        web = client_for(person)
        for url in (f"/chat/{room}", f"/chat/{room}/history", f"/chat/{room}/search?q=a"):
            assert web.get(url).status_code == 404
        assert call(sio(person), "join", room=room)["error"] == "no_room"
    assert client_for(None).get(f"/chat/{room}").status_code == 302


def test_leaving_a_restricted_community_removes_one_from_its_rooms_live(world, sio, client_for, app):
    people, communities, rooms = world
    room = rooms["restricted"]
    c = communities["restricted"]
    owner, member = sio(people["owner"]), sio(people["member"])
    call(owner, "join", room=room)
    call(member, "join", room=room)
    received(member), received(owner)
    web = client_for(people["member"])
    assert web.post(f"/c/{c.slug}/leave").status_code == 302
    assert received(member, "removed") == [{"rooms": [room]}]
    assert received(owner, "presence")[-1]["online"] is False
    call(owner, "send", room=room, body="secret plans", client_id=cid())
    assert received(member, "new_message") == []  # no longer in the room
    assert call(member, "join", room=room)["error"] == "no_room"
    assert member.is_connected("/chat")


def test_leaving_an_open_community_stops_writing_and_live_delivery(world, sio, client_for):
    people, communities, rooms = world
    room, c = rooms["public"], communities["public"]
    owner, member = sio(people["owner"]), sio(people["member"])
    call(owner, "join", room=room), call(member, "join", room=room)
    received(member)
    client_for(people["member"]).post(f"/c/{c.slug}/leave")
    assert received(member, "removed") == [{"rooms": [room]}]
    call(owner, "send", room=room, body="after", client_id=cid())
    assert received(member, "new_message") == []
    # Still a reader of a public community (may rejoin to read) but no longer a writer.
    again = call(member, "join", room=room)
    assert again["ok"] and not again["can_post"]
    assert call(member, "send", room=room, body="x", client_id=cid())["error"] == "forbidden"


def test_every_event_refuses_a_room_one_may_not_read(world, sio, stored):
    people, communities, rooms = world
    room = rooms["restricted"]
    member = sio(people["member"])
    call(member, "join", room=room)
    mid = call(member, "send", room=room, body="inside", client_id=cid())["id"]
    outsider = sio(people["outsider"])
    received(outsider)
    refusals = {
        "join": ({"room": room}, "no_room"),
        "history": ({"room": room}, "no_room"),
        "catchup": ({"room": room, "after": 0}, "no_room"),
        "send": ({"room": room, "body": "x", "client_id": cid()}, "no_room"),
        "read": ({"room": room, "seq": 1}, "no_room"),
        "thread": ({"message": mid}, "no_message"),
        "edit": ({"message": mid, "body": "x"}, "no_message"),
        "delete": ({"message": mid}, "no_message"),
        "react": ({"message": mid, "emoji": "👍", "on": True}, "no_message"),
        "typing": ({"room": room, "typing": True}, "not_joined"),
    }
    for event, (data, error) in refusals.items():
        ack = call(outsider, event, data)
        assert ack["ok"] is False and ack["error"] == error, event
    assert call(outsider, "watch", rooms=[room])["rooms"] == {}
    assert [e["error"] for e in received(outsider, "chat_error")] == [e for _d, e in refusals.values()]
    call(member, "send", room=room, body="still secret", client_id=cid())
    assert received(outsider, "new_message") == []
    assert [b for _s, b, _u in stored(room)] == ["inside", "still secret"]
    assert outsider.is_connected("/chat")


def test_anonymous_gets_no_chat_anywhere(app, world, client_for):
    people, communities, rooms = world
    web = client_for(None)
    for url in ("/chat/", "/chat/1", "/chat/1/history"):
        r = web.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert web.post("/chat/new", data={"people": "owner"}).status_code == 302


def _settings(web, c, **changes):
    data = {"name": c.name, "slug": c.slug, "description": c.description or "", "tags": "", "access": c.access,
            "tools": ["wiki", "blog", "forums", "chat"], "posting": "members", **changes}
    r = web.post(f"/c/{c.slug}/settings", data=data)
    assert r.status_code == 302, r.status_code


def test_a_community_turning_restricted_takes_outsiders_out_of_its_rooms_live(world, sio, client_for):
    people, communities, rooms = world
    room, c = rooms["public"], communities["public"]
    owner, member, outsider = sio(people["owner"]), sio(people["member"]), sio(people["outsider"])
    watcher = sio(people["outsider"])  # another tab of the outsider, only watching the room's count
    for s in (owner, member, outsider):
        assert call(s, "join", room=room)["ok"]
    assert str(room) in call(watcher, "watch", rooms=[room])["rooms"]
    for s in (owner, member, outsider, watcher):
        received(s)
    _settings(client_for(people["owner"]), c, access="restricted")
    assert received(outsider, "removed") == [{"rooms": [room]}]
    assert received(watcher, "removed") == [{"rooms": [room]}]
    assert received(member, "removed") == []  # a member still reads it
    assert any(p["user"]["username"] == "outsider" and p["online"] is False for p in received(owner, "presence"))
    assert call(owner, "send", room=room, body="restricted plans now", client_id=cid())["ok"]
    assert received(outsider, "new_message") == [] and received(watcher, "new_message") == []
    assert received(watcher, "unread") == []
    assert [m["body"] for m in received(member, "new_message")] == ["restricted plans now"]
    assert call(outsider, "join", room=room)["error"] == "no_room"


def test_switching_chat_off_takes_everyone_out_of_its_rooms(world, sio, client_for):
    people, communities, rooms = world
    room, c = rooms["public"], communities["public"]
    owner, member = sio(people["owner"]), sio(people["member"])
    call(owner, "join", room=room), call(member, "join", room=room)
    received(owner), received(member)
    _settings(client_for(people["owner"]), c, tools=["wiki", "blog", "forums"])
    assert received(member, "removed") == [{"rooms": [room]}]
    assert received(owner, "removed") == [{"rooms": [room]}]


def test_deactivating_someone_ends_their_live_connections(app, world, sio, client_for):
    from collab.extensions import socketio

    people, communities, rooms = world
    room = rooms["restricted"]
    owner, member = sio(people["owner"]), sio(people["member"])
    call(owner, "join", room=room), call(member, "join", room=room)
    bell = socketio.test_client(app, namespace="/notify", flask_test_client=client_for(people["member"]))
    assert bell.is_connected("/notify")
    received(owner), received(member)
    r = client_for(people["admin"]).post(f"/admin/users/{people['member'].id}/deactivate")
    assert r.status_code == 302
    assert not member.is_connected("/chat") and not bell.is_connected("/notify")
    assert owner.is_connected("/chat")
    assert any(p["user"]["username"] == "member" and p["online"] is False for p in received(owner, "presence"))
    assert call(owner, "send", room=room, body="after deactivation", client_id=cid())["ok"]
    again = socketio.test_client(app, namespace="/chat", flask_test_client=client_for(None))
    assert not again.is_connected("/chat")  # and nobody signed out gets back in


def test_a_site_admin_whose_role_is_revoked_hears_no_more_of_a_restricted_room(app, world, sio, client_for,
                                                                               make_user):
    from collab.extensions import socketio

    people, communities, rooms = world
    room = rooms["restricted"]
    boss = make_user("boss", is_admin=True)
    ex = sio(people["admin"])  # a site admin, not a member: reads every room
    assert call(ex, "join", room=room)["ok"]
    received(ex)
    r = client_for(boss).post(f"/admin/users/{people['admin'].id}/revoke-admin")
    assert r.status_code == 302
    assert client_for(people["admin"]).get(f"/c/{communities['restricted'].slug}/").status_code == 404
    assert not ex.is_connected("/chat")  # the socket starts over with the rights its owner has now
    owner = sio(people["owner"])
    assert call(owner, "join", room=room)["ok"]
    assert call(owner, "send", room=room, body="after the revoke", client_id=cid())["ok"]
    again = socketio.test_client(app, namespace="/chat", flask_test_client=client_for(people["admin"]))
    assert again.is_connected("/chat")  # still signed in ...
    assert call(again, "join", room=room)["ok"] is False  # ... but no longer let into the room
    assert not [m for m in received(again, "new_message")]


def test_signing_out_in_one_tab_ends_that_browsers_sockets_only(app, world, client_for):
    """Two tabs of one browser hold a chat and a bell socket; signing out in one tab ends both
    (someone else at that computer hears nothing more), and the person's other browser stays."""
    people, _communities, rooms = world
    room = rooms["public"]
    from collab.extensions import socketio

    browser = client_for(people["member"])
    tab_chat = socketio.test_client(app, namespace="/chat", flask_test_client=browser)
    tab_bell = socketio.test_client(app, namespace="/notify", flask_test_client=browser)
    laptop = socketio.test_client(app, namespace="/chat", flask_test_client=client_for(people["member"]))
    assert tab_chat.is_connected("/chat") and tab_bell.is_connected("/notify") and laptop.is_connected("/chat")
    assert call(tab_chat, "join", room=room)["ok"] and call(laptop, "join", room=room)["ok"]

    assert browser.post("/logout").status_code == 302
    assert not tab_chat.is_connected("/chat") and not tab_bell.is_connected("/notify")
    assert laptop.is_connected("/chat")
    assert call(laptop, "send", room=room, body="still here", client_id=cid())["ok"]
    again = socketio.test_client(app, namespace="/chat", flask_test_client=browser)
    assert not again.is_connected("/chat")  # the signed-out browser does not get back in
    laptop.disconnect(namespace="/chat")  # (presence is the process's: leave no one behind)
