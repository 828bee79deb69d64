"""A chat message a moderator hid stays as reviewed: its author cannot rewrite it (nor mention
people through the rewrite), and members cannot reply under it, over the socket or the REST API.
A reply acknowledged is a reply the room shows: none goes into the thread of a deleted message."""
from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.chat.conftest import call, cid


@pytest.fixture
def newsroom(make_user, make_community):
    people = {"owner": make_user("owner"), "moderator": make_user("moder"), "member": make_user("member"),
              "outsider": make_user("outsider")}
    community = make_community(people["owner"], name="Newsroom", members=[people["member"]],
                               moderators=[people["moderator"]])
    return people, community


def _send(sc, room, body, parent=None):
    return call(sc, "send", {"room": room, "body": body, "client_id": cid(), **({"parent": parent} if parent else {})})


def _moderate(client, message_id, decision):
    r = client.post("/moderation/resolve", data={"key": f"chat_message:{message_id}", "decision": decision,
                                                  "reason": "Spam", "next": "/", "confirm": "1"})
    assert r.status_code == 302, r.status_code


def _api(app, user) -> Api:
    from collab.accounts.models import User
    from collab.api import tokens
    from collab.extensions import db

    with app.app_context():
        _row, secret = tokens.create(db.session.get(User, user.id), name="test", write=True)
        db.session.commit()
    return Api(app.test_client(), secret)


def _history(client, community) -> str:
    return client.get(f"/c/{community.slug}/chat/general/history").get_data(as_text=True)


def test_the_author_cannot_rewrite_a_hidden_message_and_the_moderator_shows_what_they_reviewed(
        app, newsroom, sio, room_of, client_for):
    people, community = newsroom
    room = room_of(community)
    writer = sio(people["member"])
    ack = _send(writer, room, "buy gold coins")
    moderator = client_for(people["moderator"])
    _moderate(moderator, ack["id"], "hide")

    edit = call(writer, "edit", {"message": ack["id"], "body": "totally innocent, ask @outsider"})
    assert not edit["ok"] and edit["error"] == "hidden", edit
    assert "hidden until a moderator reviews it" in edit["message"]
    # The rewrite mentioned nobody: the outsider hears of nothing.
    assert _api(app, people["outsider"]).get("/notifications").json["items"] == []

    _moderate(moderator, ack["id"], "unhide")
    page = _history(client_for(people["outsider"]), community)
    assert "buy gold coins" in page and "totally innocent" not in page
    # Shown again, it is the author's to change as before.
    assert call(writer, "edit", {"message": ack["id"], "body": "gold coins, sorry"})["ok"]


def test_a_moderator_may_still_correct_their_own_hidden_message(newsroom, sio, room_of, client_for):
    people, community = newsroom
    room = room_of(community)
    mine = sio(people["moderator"])
    ack = _send(mine, room, "a draft by mistake")
    _moderate(client_for(people["owner"]), ack["id"], "hide")
    assert call(mine, "edit", {"message": ack["id"], "body": "the right text"})["ok"]


def test_members_cannot_reply_under_a_hidden_message(app, newsroom, sio, room_of, client_for, stored):
    people, community = newsroom
    room = room_of(community)
    member = sio(people["member"])
    root = _send(member, room, "something rude")
    _moderate(client_for(people["moderator"]), root["id"], "hide")
    before = stored(room)

    reply = _send(member, room, "and more of it", parent=root["id"])
    assert not reply["ok"] and reply["error"] == "no_parent", reply
    r = _api(app, people["member"]).post(f"/communities/{community.slug}/chat/rooms/{room}/messages",
                                         json={"body": "via the API", "client_id": cid(), "parent_id": root["id"]})
    assert r.status_code == 422 and r.json["error"]["code"] == "invalid", r.json
    assert stored(room) == before
    # Its moderators may still answer there (say, why it was hidden).
    assert _send(sio(people["moderator"]), room, "hidden: spam", parent=root["id"])["ok"]


def test_a_reply_to_a_reply_whose_thread_root_was_deleted_is_refused(app, newsroom, sio, room_of, client_for, stored):
    people, community = newsroom
    room = room_of(community)
    member = sio(people["member"])
    root = _send(member, room, "the question")
    first = _send(member, room, "first answer", parent=root["id"])
    assert first["ok"]
    assert call(member, "delete", {"message": root["id"]})["ok"]
    before = stored(room)

    late = _send(member, room, "late answer", parent=first["id"])
    assert not late["ok"] and late["error"] == "no_parent", late
    r = _api(app, people["member"]).post(f"/communities/{community.slug}/chat/rooms/{room}/messages",
                                         json={"body": "late via the API", "client_id": cid(), "parent_id": first["id"]})
    assert r.status_code == 422, r.json
    assert stored(room) == before
    assert "late answer" not in _history(client_for(people["member"]), community)


def test_a_reply_to_a_reply_in_a_live_thread_lands_in_it_and_is_shown(newsroom, sio, room_of, client_for):
    people, community = newsroom
    room = room_of(community)
    member = sio(people["member"])
    root = _send(member, room, "the question")
    first = _send(member, room, "first answer", parent=root["id"])
    second = _send(member, room, "second answer", parent=first["id"])
    assert second["ok"] and second["message"]["parent"] == root["id"]
    assert "second answer" in _history(client_for(people["member"]), community)
