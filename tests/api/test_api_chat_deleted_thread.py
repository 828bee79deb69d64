"""The API's catch-up of a room (GET .../messages?after=) lists what the room shows: once a message
is deleted, the replies in its thread are gone from the page, the room's search and the site
search, and from the API's list too (the deleted message itself stays, marked deleted, as on the
page). Paging with next_cursor skips them as well."""
from __future__ import annotations

from collab.extensions import socketio


def test_the_replies_under_a_deleted_message_leave_the_api_catch_up(app, make_user, make_community, api_as,
                                                                   client_for):
    owner, member = make_user("owner"), make_user("member")
    community = make_community(owner, name="Open Lab", members=[member])
    api = api_as(member)
    [room] = api.get(f"/communities/{community.slug}/chat/rooms").json["items"]
    path = f"/communities/{community.slug}/chat/rooms/{room['id']}/messages"

    def post(body, parent=None):
        r = api.post(path, json={"body": body, "client_id": body.replace(" ", "-"), "parent_id": parent})
        assert r.status_code == 201, r.json
        return r.json

    question = post("the question")
    post("first answer", question["id"])
    post("second answer", question["id"])
    post("something else")
    assert [m["body"] for m in api.get(path).json["items"]] == [
        "the question", "first answer", "second answer", "something else"]

    sc = socketio.test_client(app, namespace="/chat", flask_test_client=client_for(member))
    try:
        assert sc.emit("delete", {"message": question["id"]}, namespace="/chat", callback=True)["ok"]
    finally:
        sc.disconnect(namespace="/chat")
    history = client_for(owner).get(f"/c/{community.slug}/chat/general/history").get_data(as_text=True)
    assert "answer" not in history and "something else" in history

    reader = api_as(owner, write=False)
    items = reader.get(path).json["items"]
    assert [(m["seq"], m["deleted"], m["body"]) for m in items] == [(1, True, None), (4, False, "something else")]
    assert [m["seq"] for m in reader.get(path + "?after=1").json["items"]] == [4]

    seen, url = [], path + "?limit=1"
    while url:
        page = reader.get(url).json
        seen += [m["seq"] for m in page["items"]]
        url = page["next_cursor"] and f"{path}?limit=1&cursor={page['next_cursor']}"
    assert seen == [1, 4]
