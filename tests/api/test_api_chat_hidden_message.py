"""A chat message a moderator hid is shown in the room as hidden, its text withheld, to everyone;
the API's list of the room's messages says the same: the message keeps its place, marked hidden,
with no body and no html (before, its body came back as an empty string, not told apart from a
message with no text). Shown again, its text is back."""
from __future__ import annotations

from tests.helpers import text


def _resolve(client, message_id, decision):
    r = client.post("/moderation/resolve", data={"key": f"chat_message:{message_id}", "decision": decision,
                                                  "reason": "Spam", "next": "/", "confirm": "1"})
    assert r.status_code == 302, r.status_code


def test_a_hidden_chat_message_is_marked_hidden_in_the_api_without_its_text(app, make_user, make_community,
                                                                             api_as, client_for):
    owner, member, moderator = make_user("owner"), make_user("member"), make_user("moder")
    community = make_community(owner, name="Open Lab", members=[member], moderators=[moderator])
    api = api_as(member)
    [room] = api.get(f"/communities/{community.slug}/chat/rooms").json["items"]
    path = f"/communities/{community.slug}/chat/rooms/{room['id']}/messages"
    spam = api.post(path, json={"body": "buy cheap watches", "client_id": "spam-1"}).json
    assert api.post(path, json={"body": "hello all", "client_id": "hello-1"}).status_code == 201
    assert [(m["body"], m["hidden"]) for m in api.get(path).json["items"]] == [
        ("buy cheap watches", False), ("hello all", False)]

    _resolve(client_for(moderator), spam["id"], "hide")
    page = text(client_for(member).get(f"/c/{community.slug}/chat/general/history"))
    assert "This message was hidden by a moderator." in page and "cheap watches" not in page
    for reader in (api_as(member, write=False), api_as(moderator, write=False), api_as(owner, write=False)):
        items = reader.get(path).json["items"]
        assert [(m["seq"], m["hidden"], m["body"], m["html"]) for m in items][0] == (1, True, None, None)
        assert (items[1]["body"], items[1]["hidden"]) == ("hello all", False)

    _resolve(client_for(moderator), spam["id"], "unhide")
    assert [(m["body"], m["hidden"]) for m in api.get(path).json["items"]][0] == ("buy cheap watches", False)
