"""A thread offers its reply box only where a reply is taken. Under a message a moderator hid,
only its moderators may reply: everyone else opens the thread (its replies stay shown) without a
reply box, and the page says why. A deleted message's thread is not shown at all, live or in the
history (the history already showed none of its replies; its reply count goes too)."""
from __future__ import annotations

import html
import json
import re

import pytest

from tests.chat.conftest import call, cid


@pytest.fixture
def hidden_thread(make_user, make_community, sio, room_of, client_for):
    people = {"owner": make_user("owner"), "moderator": make_user("moder"), "member": make_user("member"),
              "passer": make_user("passer")}
    community = make_community(people["owner"], name="Newsroom", members=[people["member"]],
                               moderators=[people["moderator"]])
    room = room_of(community)
    member = sio(people["member"])
    root = call(member, "send", {"room": room, "body": "something rude", "client_id": cid()})
    reply = call(member, "send", {"room": room, "body": "and an answer", "client_id": cid(), "parent": root["id"]})
    assert root["ok"] and reply["ok"]
    return people, community, room, root, member


def _moderate(client, message_id, decision):
    r = client.post("/moderation/resolve", data={"key": f"chat_message:{message_id}", "decision": decision,
                                                  "reason": "Spam", "next": "/", "confirm": "1"})
    assert r.status_code == 302, r.status_code


def _thread(sc, message_id) -> dict:
    ack = call(sc, "thread", {"message": message_id})
    assert ack["ok"], ack
    return ack


def test_a_thread_says_who_may_reply_there(hidden_thread, sio, client_for):
    people, community, room, root, member = hidden_thread
    moderator, passer = sio(people["moderator"]), sio(people["passer"])
    # A visible message: members may reply, someone who only reads the community may not.
    assert _thread(member, root["id"])["can_reply"] is True
    assert _thread(passer, root["id"])["can_reply"] is False

    _moderate(client_for(people["moderator"]), root["id"], "hide")
    seen = _thread(member, root["id"])
    assert seen["parent"]["hidden"] and [m["body"] for m in seen["messages"]] == ["and an answer"]
    assert seen["can_reply"] is False
    # What the thread offers is what the server takes.
    refused = call(member, "send", {"room": room, "body": "more", "client_id": cid(), "parent": root["id"]})
    assert refused["error"] == "no_parent"
    assert _thread(moderator, root["id"])["can_reply"] is True

    _moderate(client_for(people["moderator"]), root["id"], "unhide")
    assert _thread(member, root["id"])["can_reply"] is True


def test_the_room_page_says_why_a_hidden_messages_thread_takes_no_reply(hidden_thread, client_for):
    people, community, room, root, member = hidden_thread
    page = client_for(people["member"]).get(f"/c/{community.slug}/chat/general").get_data(as_text=True)
    aside = re.search(r'<aside class="chat-thread.*?</aside>', page, re.S).group(0)
    assert "data-thread-composer" in aside and re.search(r"<p [^>]*data-thread-closed[^>]* hidden>", aside)
    strings = json.loads(html.unescape(re.search(r'data-strings="([^"]+)"', page).group(1)))
    assert strings["thread_hidden"] == "This message was hidden by a moderator; replies are closed."
    # Someone who cannot write in the room gets neither (the room already says why).
    page = client_for(people["passer"]).get(f"/c/{community.slug}/chat/general").get_data(as_text=True)
    aside = re.search(r'<aside class="chat-thread.*?</aside>', page, re.S).group(0)
    assert "data-thread-composer" not in aside and "data-thread-closed" not in aside


def test_a_deleted_messages_thread_is_not_shown(hidden_thread, client_for):
    people, community, room, root, member = hidden_thread
    assert call(member, "delete", {"message": root["id"]})["ok"]
    ack = _thread(member, root["id"])
    assert ack["parent"]["deleted"] and ack["messages"] == [] and ack["can_reply"] is False
    for path in ("general", "general/history"):
        page = client_for(people["member"]).get(f"/c/{community.slug}/chat/{path}").get_data(as_text=True)
        assert "This message was deleted." in page, path
        assert "and an answer" not in page and 'class="chat-replies' not in page, path
