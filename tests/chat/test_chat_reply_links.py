"""A link to a thread reply (a mention's notification, a site search result, a room search hit, the
moderation queue) opens the history page where that reply is shown: at its thread's root, whose
replies the page lists inline, anchored at the reply. The root may be far back in the room."""
from __future__ import annotations

import re

import pytest

from tests.chat.conftest import call, cid


@pytest.fixture
def old_thread(make_user, make_community, sio, room_of):
    """A question, fifteen messages of chatter after it, then an answer in its thread."""
    member, reader = make_user("member"), make_user("reader")
    community = make_community(member, name="Makers", members=[reader])
    room = room_of(community)
    sc = sio(member)
    root = call(sc, "send", {"room": room, "body": "the old question", "client_id": cid()})
    for n in range(15):
        assert call(sc, "send", {"room": room, "body": f"chatter {n}", "client_id": cid()})["ok"]
    reply = call(sc, "send", {"room": room, "body": "answer for @reader: zanzibarquokka", "client_id": cid(),
                              "parent": root["id"]})
    assert reply["ok"]
    return member, reader, community, root, reply


def _lands_on_the_reply(client, url, reply):
    assert url.endswith(f"#m{reply['seq']}"), url
    page = client.get(url.split("#")[0]).get_data(as_text=True)
    shown = re.search(rf'<li [^>]*id="m{reply["seq"]}"[^>]*>.*?</li>', page, re.S)
    assert shown and "zanzibarquokka" in shown.group(0), url


def test_a_mention_in_an_old_thread_opens_where_the_reply_is(old_thread, client_for):
    member, reader, community, root, reply = old_thread
    web = client_for(reader)
    [link] = re.findall(r'href="(/notifications/\d+)"', web.get("/notifications").get_data(as_text=True))
    r = web.get(link)
    assert r.status_code == 302
    _lands_on_the_reply(web, r.headers["Location"], reply)


def test_room_search_and_site_search_open_where_the_reply_is(app, old_thread, client_for):
    from collab.search import flush

    member, reader, community, root, reply = old_thread
    web = client_for(reader)
    hits = web.get(f"/c/{community.slug}/chat/general/search?q=zanzibarquokka").get_data(as_text=True)
    [link] = re.findall(r'<a class="chat-time" href="([^"]+)"', hits)
    _lands_on_the_reply(web, link.replace("&amp;", "&"), reply)

    with app.app_context():
        flush(app)
    results = web.get("/search", query_string={"q": "zanzibarquokka"}).get_data(as_text=True)
    [link] = re.findall(r'<h3 class="result-title"><a href="([^"]+)"', results)
    _lands_on_the_reply(web, link.replace("&amp;", "&"), reply)


def test_a_flagged_reply_in_the_queue_opens_where_it_is(old_thread, client_for):
    member, reader, community, root, reply = old_thread
    web = client_for(reader)
    r = web.post("/moderation/flag", data={"key": f"chat_message:{reply['id']}", "reason": "spam", "next": "/"})
    assert r.status_code == 302, r.status_code
    queue = client_for(member).get(f"/c/{community.slug}/moderation/").get_data(as_text=True)
    links = [u for u in re.findall(r'href="([^"]+)"', queue) if f"#m{reply['seq']}" in u]
    assert links, "the flagged reply is not linked from the queue"
    _lands_on_the_reply(client_for(member), links[0].replace("&amp;", "&"), reply)
