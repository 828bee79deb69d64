"""A deleted message takes its thread with it: the room's history shows no replies under it, so
neither the site search nor the room's search finds them any more (whoever deleted it: its author
or a moderator), and no notification of a mention in them leads there. Replies under a message a
moderator hid stay shown, and findable."""
from __future__ import annotations

import re

import pytest

from tests.chat.conftest import call, cid


@pytest.fixture
def thread(make_user, make_community, sio, room_of):
    """A question with two answers in its thread, each with a word nothing else has."""
    member, moderator, reader = make_user("member"), make_user("moder"), make_user("reader")
    community = make_community(member, name="Makers", members=[reader], moderators=[moderator])
    room = room_of(community)
    sc = sio(member)
    root = call(sc, "send", {"room": room, "body": "the question okapiroot", "client_id": cid()})
    replies = [call(sc, "send", {"room": room, "body": f"answer {word}", "client_id": cid(), "parent": root["id"]})
               for word in ("quokkareply", "wombatreply")]
    assert root["ok"] and all(r["ok"] for r in replies)
    return sc, community, root, moderator, reader


def _findable(app, client, community, word) -> dict:
    from collab.search import flush

    with app.app_context():
        flush(app)
    site = client.get("/search", query_string={"q": word}).get_data(as_text=True)
    room = client.get(f"/c/{community.slug}/chat/general/search", query_string={"q": word}).get_data(as_text=True)
    history = client.get(f"/c/{community.slug}/chat/general/history").get_data(as_text=True)
    return {"site": len(re.findall(r'<h3 class="result-title">', site)),
            "room": len(re.findall(r'<a class="chat-time"', room)), "history": word in history}


def _delete(root, deleted_by, author_socket, moderator_web):
    if deleted_by == "author":
        assert call(author_socket, "delete", {"message": root["id"]})["ok"]
    else:
        r = moderator_web.post("/moderation/resolve", data={
            "key": f"chat_message:{root['id']}", "decision": "delete", "reason": "Off topic", "next": "/",
            "confirm": "1"})
        assert r.status_code == 302, r.status_code


@pytest.mark.parametrize("deleted_by", ["author", "moderator"])
def test_the_replies_of_a_deleted_message_leave_search_as_they_leave_the_room(app, thread, client_for, deleted_by):
    sc, community, root, moderator, reader = thread
    web = client_for(reader)
    for word in ("okapiroot", "quokkareply", "wombatreply"):
        assert _findable(app, web, community, word) == {"site": 1, "room": 1, "history": True}, word

    _delete(root, deleted_by, sc, client_for(moderator))

    for word in ("okapiroot", "quokkareply", "wombatreply"):
        assert _findable(app, web, community, word) == {"site": 0, "room": 0, "history": False}, word


def test_the_replies_of_a_hidden_message_stay_shown_and_findable(app, thread, client_for):
    sc, community, root, moderator, reader = thread
    r = client_for(moderator).post("/moderation/resolve", data={
        "key": f"chat_message:{root['id']}", "decision": "hide", "reason": "Spam", "next": "/", "confirm": "1"})
    assert r.status_code == 302, r.status_code
    web = client_for(reader)
    assert _findable(app, web, community, "okapiroot") == {"site": 0, "room": 0, "history": False}
    assert _findable(app, web, community, "quokkareply") == {"site": 1, "room": 1, "history": True}


def test_a_rebuilt_index_leaves_out_the_replies_of_a_deleted_message(app, thread, client_for):
    from collab.search.indexer import rebuild

    sc, community, root, moderator, reader = thread
    assert call(sc, "delete", {"message": root["id"]})["ok"]
    with app.app_context():
        rebuild(app.extensions["collab_search"])
    assert _findable(app, client_for(reader), community, "quokkareply")["site"] == 0


@pytest.mark.parametrize("deleted_by", ["author", "moderator"])
def test_a_mention_in_the_thread_of_a_deleted_message_leaves_notifications(thread, sio, client_for, deleted_by):
    sc, community, root, moderator, reader = thread
    assert call(sc, "send", {"room": root["message"]["room"], "body": "@reader have a look", "client_id": cid(),
                             "parent": root["id"]})["ok"]
    web = client_for(reader)
    assert len(re.findall(r'href="/notifications/\d+"', web.get("/notifications").get_data(as_text=True))) == 1
    _delete(root, deleted_by, sc, client_for(moderator))
    assert re.findall(r'href="/notifications/\d+"', web.get("/notifications").get_data(as_text=True)) == []
