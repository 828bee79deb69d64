"""Every /chat event through the Flask-SocketIO test client: the delivery contract (stored before
broadcast, seq in acks, idempotent retries, exact catch-up), edits, deletions, reactions, threads,
typing, presence, read positions, and bad input (an error event, nothing stored, still connected)."""
from __future__ import annotations

import pytest

from tests.chat.conftest import call, cid, received


@pytest.fixture
def people(make_user, make_community):
    ana, bo, cy = make_user("ana"), make_user("bo"), make_user("cy")
    community = make_community(ana, name="Makers", members=[bo])
    return ana, bo, cy, community


def test_send_is_stored_numbered_acked_and_broadcast(people, sio, room_of, stored):
    ana, bo, cy, community = people
    room = room_of(community)
    a, b = sio(ana), sio(bo)
    assert call(a, "join", room=room)["ok"] and call(b, "join", room=room)["ok"]
    received(a), received(b)
    ack1 = call(a, "send", room=room, body="Hello **team**", client_id=cid())
    ack2 = call(b, "send", room=room, body="hi @ana", client_id=cid())
    assert ack1["ok"] and ack1["seq"] == 1 and ack2["seq"] == 2
    assert stored(room) == [(1, "Hello **team**", "ana"), (2, "hi @ana", "bo")]
    got = received(b, "new_message")
    assert [m["seq"] for m in got] == [1, 2]
    assert "<strong>team</strong>" in got[0]["html"]
    assert 'class="mention"' in got[1]["html"] and "/u/ana" in got[1]["html"]
    assert [m["seq"] for m in received(a, "new_message")] == [1, 2]


def test_retry_with_same_client_id_stores_once(people, sio, room_of, stored):
    ana, bo, cy, community = people
    room = room_of(community)
    a, b = sio(ana), sio(bo)
    call(a, "join", room=room), call(b, "join", room=room)
    received(b)
    first = call(a, "send", room=room, body="once", client_id="same-1")
    again = call(a, "send", room=room, body="once", client_id="same-1")
    assert first["seq"] == again["seq"] == 1 and again["duplicate"] and not first["duplicate"]
    assert stored(room) == [(1, "once", "ana")]
    assert len(received(b, "new_message")) == 1  # the retry is acked, not broadcast again
    # Another person may use the same client id: it is unique per sender.
    assert call(b, "send", room=room, body="mine", client_id="same-1")["seq"] == 2


def test_join_returns_history_and_reconnect_gets_exactly_the_rest(people, sio, room_of):
    ana, bo, cy, community = people
    room = room_of(community)
    a = sio(ana)
    call(a, "join", room=room)
    for i in range(5):
        call(a, "send", room=room, body=f"m{i}", client_id=cid())
    b = sio(bo)
    ack = call(b, "join", room=room, after=3)
    assert [m["body"] for m in ack["messages"]] == ["m3", "m4"] and ack["last_seq"] == 5
    fresh = call(b, "join", room=room)
    assert [m["seq"] for m in fresh["messages"]] == [1, 2, 3, 4, 5] and not fresh["more"]
    assert call(b, "catchup", room=room, after=5)["messages"] == []
    assert [m["seq"] for m in call(b, "catchup", room=room, after=0)["messages"]] == [1, 2, 3, 4, 5]


def test_history_pages_back_by_seq(people, sio, room_of, app):
    ana, bo, cy, community = people
    room = room_of(community)
    a = sio(ana)
    call(a, "join", room=room)
    with app.app_context():  # bulk rows, no rate limit in the way
        from collab.chat import services
        from collab.chat.models import ChatRoom
        from collab.accounts.models import User
        from collab.extensions import db

        r, u = db.session.get(ChatRoom, room), db.session.get(User, ana.id)
        for i in range(120):
            services.post_message(u, r, f"n{i}", f"bulk-{i}")
        db.session.commit()
    page = call(a, "history", room=room, limit=50)
    assert [m["seq"] for m in page["messages"]] == list(range(71, 121)) and page["more"]
    page2 = call(a, "history", room=room, before=71, limit=50)
    assert page2["messages"][0]["seq"] == 21 and page2["messages"][-1]["seq"] == 70
    last = call(a, "history", room=room, before=21, limit=50)
    assert [m["seq"] for m in last["messages"]] == list(range(1, 21)) and not last["more"]


def test_edit_and_delete_own_are_live_for_everyone(people, sio, room_of, stored):
    ana, bo, cy, community = people
    room = room_of(community)
    a, b = sio(ana), sio(bo)
    call(a, "join", room=room), call(b, "join", room=room)
    mid = call(a, "send", room=room, body="typo", client_id=cid())["id"]
    received(b)
    assert call(a, "edit", message=mid, body="fixed *now*")["ok"]
    upd = received(b, "updated")[-1]
    assert upd["id"] == mid and "<em>now</em>" in upd["html"] and upd["edited"]
    # Someone else's message: refused, unchanged.
    ack = call(b, "edit", message=mid, body="hijack")
    assert not ack["ok"] and ack["error"] == "forbidden"
    assert stored(room)[0][1] == "fixed *now*"
    assert call(b, "delete", message=mid)["error"] == "forbidden"
    assert call(a, "delete", message=mid)["ok"]
    upd = received(b, "updated")[-1]
    assert upd["deleted"] and upd["html"] == "" and upd["body"] == ""
    assert stored(room)[0][1] == ""
    assert call(a, "edit", message=mid, body="back")["error"] == "no_message"


def test_moderator_may_delete_others(make_user, make_community, sio, room_of):
    ana, mod = make_user("ana"), make_user("mod")
    community = make_community(ana, moderators=[mod])
    room = room_of(community)
    a, m = sio(ana), sio(mod)
    call(a, "join", room=room)
    mid = call(a, "send", room=room, body="spam", client_id=cid())["id"]
    assert call(m, "delete", message=mid)["ok"]
    assert call(m, "edit", message=mid, body="x")["ok"] is False


def test_reactions_toggle_and_broadcast(people, sio, room_of):
    ana, bo, cy, community = people
    room = room_of(community)
    a, b = sio(ana), sio(bo)
    call(a, "join", room=room), call(b, "join", room=room)
    mid = call(a, "send", room=room, body="ship it", client_id=cid())["id"]
    assert call(b, "react", message=mid, emoji="🚀", on=True)["ok"]
    assert call(b, "react", message=mid, emoji="🚀", on=True)["ok"]  # twice: still one
    assert call(a, "react", message=mid, emoji="🚀", on=True)["ok"]
    upd = received(a, "updated")[-1]
    assert upd["reactions"] == [{"emoji": "🚀", "count": 2, "users": ["bo", "ana"]}]
    call(b, "react", message=mid, emoji="🚀", on=False)
    assert received(a, "updated")[-1]["reactions"] == [{"emoji": "🚀", "count": 1, "users": ["ana"]}]
    bad = call(b, "react", message=mid, emoji="<script>", on=True)
    assert bad["error"] == "emoji"


def test_threads_reply_beside_the_room(people, sio, room_of):
    ana, bo, cy, community = people
    room = room_of(community)
    a, b = sio(ana), sio(bo)
    call(a, "join", room=room), call(b, "join", room=room)
    parent = call(a, "send", room=room, body="question?", client_id=cid())
    received(a)
    r1 = call(b, "send", room=room, body="answer", client_id=cid(), parent=parent["id"])
    assert r1["ok"] and r1["message"]["parent"] == parent["id"] and r1["seq"] == 2
    counts = [u for u in received(a, "updated") if u.get("reply_only")]
    assert counts and counts[-1]["replies"] == 1
    # A reply to a reply lands in the same thread.
    r2 = call(a, "send", room=room, body="thanks", client_id=cid(), parent=r1["id"])
    assert r2["message"]["parent"] == parent["id"]
    thread = call(b, "thread", message=parent["id"])
    assert [m["body"] for m in thread["messages"]] == ["answer", "thanks"] and thread["parent"]["replies"] == 2
    # Thread replies stay out of the room's pages but are in the catch-up.
    assert [m["seq"] for m in call(b, "history", room=room)["messages"]] == [1]
    assert [m["seq"] for m in call(b, "catchup", room=room, after=1)["messages"]] == [2, 3]


def test_typing_and_presence(people, sio, room_of):
    ana, bo, cy, community = people
    room = room_of(community)
    a, b = sio(ana), sio(bo)
    call(a, "join", room=room)
    joined = call(b, "join", room=room)
    assert [u["username"] for u in joined["online"]] == ["ana", "bo"]
    assert received(a, "presence")[-1] == {"room": room, "user": {"id": bo.id, "username": "bo", "name": "Bo"}, "online": True}
    assert call(b, "typing", room=room, typing=True)["ok"]
    assert received(a, "typing")[-1]["user"]["username"] == "bo"
    assert received(b, "typing") == []  # not echoed to the typist
    b.disconnect(namespace="/chat")
    assert received(a, "presence")[-1]["online"] is False
    # Typing in a room one has not joined is refused.
    c = sio(cy)
    assert call(c, "typing", room=room, typing=True)["error"] == "not_joined"


def test_unread_counts_and_read_positions(people, sio, room_of, client_for):
    ana, bo, cy, community = people
    room = room_of(community)
    a, b = sio(ana), sio(bo)
    call(b, "join", room=room)  # bo has opened the room: it counts for him
    call(b, "read", room=room, seq=0)
    call(a, "join", room=room)
    for i in range(3):
        call(a, "send", room=room, body=f"x{i}", client_id=cid())
    joined = call(b, "join", room=room)
    assert joined["first_unread"] == 1 and joined["last_read"] == 0
    watched = call(b, "watch", rooms=[room, 99999])
    assert watched["rooms"] == {str(room): {"last_seq": 3, "unread": 3}}
    page = client_for(bo).get("/chat/").get_data(as_text=True)
    assert 'data-chat-unread>3<' in page
    ack = call(b, "read", room=room, seq=2)
    assert ack["unread"] == 1 and ack["total"] == 1
    assert received(b, "unread")[-1]["unread"] == 1
    call(b, "read", room=room, seq=1)  # never goes backwards
    assert call(b, "read", room=room, seq=99)["last_read"] == 3
    assert 'data-chat-unread hidden>0<' in client_for(bo).get("/chat/").get_data(as_text=True)


def test_direct_conversation_live_and_private(make_user, sio, dm, stored):
    ana, bo, cy = make_user("ana"), make_user("bo"), make_user("cy")
    room = dm(ana, bo)
    assert dm(bo, ana) == room  # one pair, one room
    a, b, c = sio(ana), sio(bo), sio(cy)
    call(b, "watch", rooms=[room])
    call(a, "join", room=room)
    assert call(a, "send", room=room, body="psst", client_id=cid())["seq"] == 1
    got = b.get_received("/chat")
    assert [e["args"][0]["body"] for e in got if e["name"] == "new_message"] == ["psst"]
    assert [e["args"][0] for e in got if e["name"] == "unread"] == [{"room": room, "last_seq": 1}]
    for event, data in (("join", {"room": room}), ("history", {"room": room}),
                        ("send", {"room": room, "body": "hi", "client_id": cid()}),
                        ("catchup", {"room": room, "after": 0})):
        ack = call(c, event, data)
        assert ack == {"ok": False, "event": event, "error": "no_room", "message": "There is no such room."}
    assert received(c, "new_message") == []
    assert stored(room) == [(1, "psst", "ana")]


@pytest.mark.parametrize("payload,error", [
    ("not an object", "invalid"),
    ({}, "invalid"),
    ({"room": "1", "body": "x", "client_id": "a"}, "invalid"),
    ({"room": True, "body": "x", "client_id": "a"}, "invalid"),
    ({"room": 999999, "body": "x", "client_id": "a"}, "no_room"),
    ({"room": None, "body": "x", "client_id": "a"}, "invalid"),
    ({"ROOM": 1, "client_id": "a"}, "body"),
    ({"ROOM": 1, "body": 12, "client_id": "a"}, "body"),
    ({"ROOM": 1, "body": "   ", "client_id": "a"}, "body"),
    ({"ROOM": 1, "body": "x" * 8001, "client_id": "a"}, "too_long"),
    ({"ROOM": 1, "body": "x"}, "client_id"),
    ({"ROOM": 1, "body": "x", "client_id": "a b"}, "client_id"),
    ({"ROOM": 1, "body": "x", "client_id": "a" * 65}, "client_id"),
    ({"ROOM": 1, "body": "x", "client_id": "ok", "parent": 424242}, "no_parent"),
    ({"ROOM": 1, "body": "x", "client_id": "ok", "parent": "7"}, "invalid"),
    ({"room": 10**20, "body": "x", "client_id": "a"}, "invalid"),  # beyond any database integer
    ({"ROOM": 1, "body": "x", "client_id": "ok", "parent": 10**20}, "invalid"),
    ({"ROOM": 1, "body": "cut \ud83d emoji", "client_id": "a"}, "body"),  # a lone surrogate
])
def test_bad_send_is_an_error_event_nothing_stored_still_connected(people, sio, room_of, stored, payload, error):
    ana, bo, cy, community = people
    room = room_of(community)
    if isinstance(payload, dict) and "ROOM" in payload:
        payload = {"room": room, **{k: v for k, v in payload.items() if k != "ROOM"}}
    a = sio(ana)
    call(a, "join", room=room)
    received(a)
    ack = a.emit("send", payload, namespace="/chat", callback=True)
    assert ack["ok"] is False and ack["error"] == error and ack["message"]
    assert received(a, "chat_error")[-1]["error"] == error
    assert stored(room) == []
    assert a.is_connected("/chat")
    assert call(a, "send", room=room, body="still here", client_id=cid())["seq"] == 1


def test_exactly_8000_characters_is_fine(people, sio, room_of, stored):
    ana, bo, cy, community = people
    room = room_of(community)
    a = sio(ana)
    assert call(a, "send", room=room, body="字" * 8000, client_id=cid())["ok"]
    assert len(stored(room)[0][1]) == 8000


@pytest.mark.app_config(CHAT_RATE_LIMIT="5 per 10 seconds")
def test_flooding_is_rate_limited_with_a_clear_error(people, sio, room_of, stored):
    ana, bo, cy, community = people
    room = room_of(community)
    a = sio(ana)
    acks = [call(a, "send", room=room, body=f"f{i}", client_id=cid()) for i in range(8)]
    assert [x["ok"] for x in acks] == [True] * 5 + [False] * 3
    assert acks[-1]["error"] == "rate_limited" and "too fast" in acks[-1]["message"]
    assert len(stored(room)) == 5 and a.is_connected("/chat")
    # Someone else is not slowed down by ana.
    assert call(sio(bo), "send", room=room, body="me too", client_id=cid())["ok"]


def test_anonymous_socket_is_refused(app, sio):
    from collab.extensions import socketio

    sc = socketio.test_client(app, namespace="/chat", flask_test_client=app.test_client())
    assert not sc.is_connected("/chat")


def test_error_messages_are_translated(make_user, make_community, sio, room_of):
    wei = make_user("wei", locale="zh_Hans")
    a = sio(wei)
    ack = call(a, "send", room=424242, body="x", client_id=cid())
    assert ack["error"] == "no_room" and "There is no such room" not in ack["message"]
