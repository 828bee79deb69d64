"""An empty room invites a hello only from someone who may write in it: a reader who is not a member
sees "No messages yet." and how to take part, not "Say hello!" above "Join the community to write"."""
from __future__ import annotations

from tests.helpers import text


def test_an_empty_room_says_hello_only_to_those_who_may_write(make_user, make_community, client_for):
    owner, member, reader = make_user("ana"), make_user("bo"), make_user("cy")
    community = make_community(owner, name="Quiet Corner", members=[member])
    room = f"/c/{community.slug}/chat/general"
    for who in (owner, member):
        page = text(client_for(who).get(room))
        assert "No messages yet. Say hello!" in page, who.username
    page = text(client_for(reader).get(room))
    assert '<li class="empty" data-empty>No messages yet.</li>' in page
    assert "Say hello" not in page and "Join the community to write in its rooms." in page
    zh = make_user("wang", locale="zh_Hans")
    assert '<li class="empty" data-empty>还没有消息。</li>' in text(client_for(zh).get(room))
    # Picking messages for a forum topic from an empty room: nothing to pick, nobody to greet.
    page = text(client_for(owner).get(room + "/to-forum"))
    assert "No messages yet." in page and "Say hello" not in page
