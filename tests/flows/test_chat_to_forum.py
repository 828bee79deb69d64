"""From the chat to a forum topic: pick messages, edit the prefilled topic, post; both sides link."""
from __future__ import annotations

import re

from forums.models import ForumTopic
from tests.flows.conftest import draft_path
from tests.helpers import assert_no_active_content, text


def test_selected_messages_become_a_topic_linked_both_ways(app, people, agora, make, client_for):
    forum_id = make.forum(agora, people["owner"])
    room_id, room_slug = make.room(agora)
    first = make.message(room_id, people["owner"], "Should we **pin** the base image?")
    make.message(room_id, people["member"], "unrelated chatter about lunch")
    third = make.message(room_id, people["member"], "Yes: pinning stopped the flaky builds.\nSecond line.")
    member = client_for(people["member"])
    room_url = f"/c/{agora.slug}/chat/{room_slug}"

    room = text(member.get(room_url))
    assert f'href="{room_url}/to-forum"' in room
    pick = member.get(f"{room_url}/to-forum")
    assert pick.status_code == 200
    assert text(pick).count('type="checkbox" name="m"') == 3

    draft_url = draft_path(member.post(f"{room_url}/to-forum", data={"m": [str(first), str(third)]}))
    form = text(member.get(draft_url))
    assert "Should we **pin** the base image?" in form  # the title starts as the first message
    body = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', form, re.S).group(1)
    assert "&gt; Should we **pin** the base image?" in body
    assert "&gt; Yes: pinning stopped the flaky builds.\n&gt; Second line." in body
    assert "lunch" not in body
    assert body.count("**Owner** · [") == 1 and body.count("**Member** · [") == 1  # authors and times
    assert f"{room_url}/history?at=1#m1" in body and f"{room_url}/history?at=3#m3" in body

    data = {"title": "Pin the base image?", "place": str(forum_id),
            "body": body.replace("&gt;", ">").replace("&amp;", "&") + "\nMy summary.", "tags": "builds"}
    posted = member.post(draft_url, data=data)
    assert posted.status_code == 302
    topic_url = posted.headers["Location"]
    assert re.search(r"/forums/t/\d+$", topic_url)
    # A second submit of the same form makes nothing new.
    again = member.post(draft_url, data=data)
    assert again.headers["Location"] == topic_url
    assert make.count(ForumTopic) == 1

    topic = text(member.get(topic_url))
    assert "From the chat" in topic and f'href="{room_url}/history?at=1#m1"' in topic
    assert "My summary." in topic and "Second line." in topic
    assert_no_active_content(topic)
    room = text(member.get(room_url))
    assert "Pin the base image?" in room and f'href="{topic_url}"' in room
    assert make.links()[0][0] == "chat" and make.links()[0][2] == f"chat_room:{room_id}"


def test_only_people_who_may_read_the_room_and_post_in_the_forum(app, people, agora, vault, make, client_for):
    make.forum(agora, people["owner"])
    room_id, room_slug = make.room(agora)
    msg = make.message(room_id, people["owner"], "hello")
    vroom_id, vroom_slug = make.room(vault)
    make.forum(vault, people["owner"])
    vmsg = make.message(vroom_id, people["owner"], "secret plan")
    outsider = client_for(people["outsider"])
    # Public community, not a member: reads the room, cannot post in its forum.
    room = text(outsider.get(f"/c/{agora.slug}/chat/{room_slug}"))
    assert "to-forum" not in room
    assert outsider.get(f"/c/{agora.slug}/chat/{room_slug}/to-forum").status_code == 403
    assert outsider.post(f"/c/{agora.slug}/chat/{room_slug}/to-forum", data={"m": str(msg)}).status_code == 403
    # Restricted community: not even there.
    assert outsider.get(f"/c/{vault.slug}/chat/{vroom_slug}/to-forum").status_code == 404
    assert outsider.post(f"/c/{vault.slug}/chat/{vroom_slug}/to-forum", data={"m": str(vmsg)}).status_code == 404
    # Messages of another room are never quoted: nothing selected, nothing started.
    member = client_for(people["member"])
    r = member.post(f"/c/{agora.slug}/chat/{room_slug}/to-forum", data={"m": str(vmsg)})
    assert r.status_code == 302 and r.headers["Location"].endswith("/to-forum")
    assert "Select at least one message." in text(member.get(r.headers["Location"]))
    # Someone else's draft is not theirs to see or save.
    draft_url = draft_path(member.post(f"/c/{agora.slug}/chat/{room_slug}/to-forum", data={"m": str(msg)}))
    assert outsider.get(draft_url).status_code == 404
    assert client_for(people["insider"]).post(draft_url, data={"title": "x", "body": "y"}).status_code == 404


def test_bad_input_keeps_what_was_typed(app, people, agora, make, client_for):
    make.forum(agora, people["owner"])
    room_id, room_slug = make.room(agora)
    msg = make.message(room_id, people["owner"], "hello")
    member = client_for(people["member"])
    draft_url = draft_path(member.post(f"/c/{agora.slug}/chat/{room_slug}/to-forum", data={"m": str(msg)}))
    r = member.post(draft_url, data={"title": "", "body": "my careful words", "place": ""})
    assert r.status_code == 400
    page = text(r)
    assert "my careful words" in page and "Choose a forum." in page
    assert make.count(ForumTopic) == 0


def test_paging_back_keeps_the_ticked_messages(app, people, agora, make, client_for):
    from collab.chat.queries import PAGE

    make.forum(agora, people["owner"])
    room_id, room_slug = make.room(agora)
    ids = [make.message(room_id, people["owner"], f"message number {n}") for n in range(PAGE + 2)]
    member = client_for(people["member"])
    base = f"/c/{agora.slug}/chat/{room_slug}/to-forum"
    page = text(member.get(base))
    assert "message number 1<" not in page and 'name="older" value="3"' in page
    r = member.post(base, data={"m": [str(ids[-1])], "older": "3"})
    assert r.status_code == 302
    older = text(member.get(r.headers["Location"]))
    assert "message number 1<" in older and f'<input type="hidden" name="m" value="{ids[-1]}">' in older
    draft_url = draft_path(member.post(base, data={"m": [str(ids[-1]), str(ids[1])]}))
    body = text(member.get(draft_url))
    assert 0 < body.index("&gt; message number 1\n") < body.index(f"&gt; message number {PAGE + 1}\n")
