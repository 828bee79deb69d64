"""Hiding a chat message reaches the people in the room at once, and history and catch-up."""
from __future__ import annotations

from collab.extensions import db, socketio
from tests.moderation.conftest import resolve


def test_hide_and_unhide_are_live_in_the_room(app, people, community, client_for):
    from collab.chat import services
    from communities.models import Community

    with app.app_context():
        room_id = services.default_room(db.session.get(Community, community.id)).id
        db.session.commit()
    sc = socketio.test_client(app, namespace="/chat", flask_test_client=client_for(people["outsider"]))
    try:
        assert sc.emit("join", {"room": room_id}, namespace="/chat", callback=True)["ok"]
        writer = socketio.test_client(app, namespace="/chat", flask_test_client=client_for(people["member"]))
        ack = writer.emit("send", {"room": room_id, "body": "buy gold coins", "client_id": "c-gold-1"},
                          namespace="/chat", callback=True)
        assert ack["ok"]
        key = f"chat_message:{ack['id']}"
        sc.get_received("/chat")
        mod = client_for(people["moderator"])
        assert resolve(mod, key, "hide", reason="Spam").status_code == 302
        got = [e["args"][0] for e in sc.get_received("/chat") if e["name"] == "updated"]
        assert len(got) == 1 and got[0]["hidden"] is True and "gold" not in got[0]["html"] + got[0]["body"]
        history = sc.emit("history", {"room": room_id}, namespace="/chat", callback=True)
        [m] = [m for m in history["messages"] if m["seq"] == 1]
        assert m["hidden"] and m["html"] == "" and m["body"] == ""
        assert resolve(mod, key, "unhide", reason="").status_code == 302
        got = [e["args"][0] for e in sc.get_received("/chat") if e["name"] == "updated"]
        assert len(got) == 1 and "gold" in got[0]["html"] and not got[0].get("hidden")
        writer.disconnect(namespace="/chat")
    finally:
        sc.disconnect(namespace="/chat")
