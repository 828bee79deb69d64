"""Listing a community's chat rooms through the API reads and never writes: a new community has
its default room from the start (so clients list it and post to it as before), and a GET, even
with a read-only token, creates nothing; the chat page still makes a missing default room."""
from __future__ import annotations

from sqlalchemy import delete, func, select

from collab.extensions import db


def _rooms_in_db(app, community) -> int:
    from collab.chat.models import ChatRoom

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ChatRoom)
                                 .where(ChatRoom.community_id == community.id))


def test_a_new_community_lists_its_default_room_and_the_get_writes_nothing(app, make_user, make_community, api_as):
    owner, member = make_user("owner"), make_user("member")
    community = make_community(owner, name="Open Lab", members=[member])
    assert _rooms_in_db(app, community) == 1  # made with the community, not by the first read
    reader = api_as(member, write=False)
    r = reader.get(f"/communities/{community.slug}/chat/rooms")
    assert r.status_code == 200, r.json
    [room] = r.json["items"]
    assert (room["name"], room["slug"], room["is_default"], room["last_seq"]) == ("general", "general", True, 0)
    assert room["url"].endswith(f"/c/{community.slug}/chat/general")
    assert _rooms_in_db(app, community) == 1
    # The listed room is the one to post to.
    posted = api_as(member).post(f"/communities/{community.slug}/chat/rooms/{room['id']}/messages",
                                 json={"body": "hello", "client_id": "first"})
    assert posted.status_code == 201 and posted.json["seq"] == 1, posted.json


def test_listing_the_rooms_of_a_community_without_one_creates_none(app, make_user, make_community, api_as,
                                                                   client_for):
    from collab.chat.models import ChatRoom

    owner = make_user("owner")
    community = make_community(owner, name="Old Lab")
    with app.app_context():  # as a community made before rooms came with it
        db.session.execute(delete(ChatRoom).where(ChatRoom.community_id == community.id))
        db.session.commit()
    for write in (False, True):
        r = api_as(owner, write=write).get(f"/communities/{community.slug}/chat/rooms")
        assert r.status_code == 200 and r.json["items"] == [], r.json
    assert _rooms_in_db(app, community) == 0
    # Opening the chat page makes it; the API lists it from then on.
    assert client_for(owner).get(f"/c/{community.slug}/chat/").status_code == 302
    names = [x["name"] for x in api_as(owner).get(f"/communities/{community.slug}/chat/rooms").json["items"]]
    assert names == ["general"]
