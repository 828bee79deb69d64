"""Chat pages without JavaScript (room, history, search in a room), adding rooms, starting
conversations, the navigation's unread count, site search over chat, and @mention notifications."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from collab.extensions import db
from tests.chat.conftest import call, cid
from tests.helpers import assert_no_active_content, text


@pytest.fixture
def chat(make_user, make_community, room_of):
    ana, bo, cy = make_user("ana"), make_user("bo"), make_user("cy")
    c = make_community(ana, name="Makers", members=[bo])
    return ana, bo, cy, c, room_of(c)


def _post(app, room_id, user, *bodies, parent=None):
    from collab.accounts.models import User
    from collab.chat import services
    from collab.chat.models import ChatRoom

    with app.test_request_context("/"):
        ids = []
        for body in bodies:
            m, _ = services.post_message(db.session.get(User, user.id), db.session.get(ChatRoom, room_id), body,
                                         cid(), parent)
            ids.append(m.id)
        db.session.commit()
        return ids


def test_room_page_shows_latest_messages_without_javascript(app, chat, client_for):
    ana, bo, cy, c, room = chat
    _post(app, room, ana, "hello <script>alert(1)</script> **world**", "second")
    page = text(client_for(bo).get(f"/c/{c.slug}/chat/general"))
    assert "<strong>world</strong>" in page and "second" in page
    assert_no_active_content(page.replace('<script type="module" src="/static/', '<x src="/static/'))
    assert 'data-room="%d"' % room in page and "Live updates need JavaScript" in page
    assert "# general" in page


def test_history_pages_back_and_jumps_to_a_message(app, chat, client_for):
    ana, bo, cy, c, room = chat
    _post(app, room, ana, *[f"msg-{i:03d}" for i in range(120)])
    web = client_for(cy)  # an outsider of a public community still reads
    first = text(web.get(f"/c/{c.slug}/chat/general/history"))
    assert "msg-119" in first and "msg-070" in first and "msg-069" not in first
    older = re.search(r'href="([^"]+)" rel="prev"', first).group(1).replace("&amp;", "&")
    second = text(web.get(older))
    assert "msg-069" in second and "msg-020" in second and "msg-119" not in second
    assert 'rel="next"' in second
    at = text(web.get(f"/c/{c.slug}/chat/general/history?at=5"))
    assert 'id="m5"' in at and "msg-004" in at and "msg-000" in at


def test_thread_replies_show_under_their_message_on_the_history_page(app, chat, client_for):
    ana, bo, cy, c, room = chat
    [parent] = _post(app, room, ana, "a question")
    _post(app, room, bo, "an answer", "another", parent=parent)
    _post(app, room, ana, "next topic")
    history = text(client_for(bo).get(f"/c/{c.slug}/chat/general/history"))
    assert "2 replies" in history
    assert history.index("a question") < history.index("an answer") < history.index("another") < history.index("next topic")
    assert "chat-thread-inline" in history
    live = text(client_for(bo).get(f"/c/{c.slug}/chat/general"))
    assert "2 replies" in live and "an answer" not in live  # the live page opens threads beside the room


def test_search_within_a_room(app, chat, client_for):
    ana, bo, cy, c, room = chat
    _post(app, room, ana, "The Quarterly REPORT is due", "lunch at noon", "report 100% done_now", "社交媒体 计划")
    web = client_for(bo)
    page = text(web.get(f"/c/{c.slug}/chat/general/search", query_string={"q": "report"}))
    assert "Quarterly" in page and "100% done_now" in page and "lunch" not in page
    assert "?at=1#m1" in page
    assert "100%" in text(web.get(f"/c/{c.slug}/chat/general/search", query_string={"q": "100%"}))
    assert "Quarterly" not in text(web.get(f"/c/{c.slug}/chat/general/search", query_string={"q": "100%"}))
    assert "社交媒体" in text(web.get(f"/c/{c.slug}/chat/general/search", query_string={"q": "媒体"}))
    assert "No messages found" in text(web.get(f"/c/{c.slug}/chat/general/search", query_string={"q": "zebra"}))


def test_owner_adds_a_named_room(app, chat, client_for):
    ana, bo, cy, c, room = chat
    web = client_for(ana)
    r = web.post(f"/c/{c.slug}/chat/+new", data={"name": "Design Reviews", "topic": "Show your work"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/c/{c.slug}/chat/design-reviews")
    page = text(web.get(r.headers["Location"]))
    assert "# Design Reviews" in page and "Show your work" in page and "# general" in page
    again = web.post(f"/c/{c.slug}/chat/+new", data={"name": "design reviews"})
    assert again.status_code == 200 and "already has a room" in text(again) and 'value="design reviews"' in text(again)
    assert web.post(f"/c/{c.slug}/chat/+new", data={"name": ""}).status_code == 200
    assert client_for(bo).post(f"/c/{c.slug}/chat/+new", data={"name": "Mine"}).status_code == 403
    log = text(web.get(f"/c/{c.slug}/settings/log", query_string={"action": "chat."}))
    assert "Chat room added" in log and "Design Reviews" in log
    from collab import audit

    with app.app_context():  # one entry: the refused attempts changed nothing
        assert [e.target_label for e in db.session.scalars(audit.entries_query(action="chat."))] == ["Design Reviews"]


def test_start_a_conversation_and_see_it_listed_with_unread(app, chat, client_for, sio):
    ana, bo, cy, c, room = chat
    web = client_for(ana)
    bad = web.post("/chat/new", data={"people": "bo, nobody"})
    assert bad.status_code == 400 and "No such person: nobody" in text(bad) and 'value="bo, nobody"' in text(bad)
    r = web.post("/chat/new", data={"people": "@bo cy"})
    assert r.status_code == 302
    room_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    assert web.post("/chat/new", data={"people": "cy, bo"}).headers["Location"] == r.headers["Location"]
    assert call(sio(ana), "send", room=room_id, body="group hello", client_id=cid())["ok"]
    listing = text(client_for(bo).get("/chat/"))
    assert "Ana, Cy" in listing and f'data-testid="unread-{room_id}">1<' in listing
    assert "data-chat-unread>1<" in listing
    assert "data-chat-unread hidden>0<" in text(client_for(ana).get("/chat/"))


def test_chat_search_type_respects_rooms_and_conversations(app, chat, make_user, make_community, client_for, dm):
    from collab.search import flush

    ana, bo, cy, c, room = chat
    secret = make_community(ana, name="Secret", access="restricted", members=[bo])
    from collab.chat import services
    from communities.models import Community

    with app.app_context():
        sroom = services.default_room(db.session.get(Community, secret.id)).id
        db.session.commit()
    _post(app, room, ana, "open zeppelin plans")
    _post(app, sroom, ana, "restricted zeppelin plans")
    private = dm(ana, bo)
    _post(app, private, ana, "private zeppelin plans")
    with app.app_context():
        flush(app)

    def found(user):
        body = text(client_for(user).get("/search", query_string={"q": "zeppelin"}))
        return sorted(w for w in ("open", "restricted", "private") if f"{w} <mark>zeppelin</mark>" in body
                      or f"{w} zeppelin" in body)

    assert found(bo) == ["open", "private", "restricted"]
    assert found(cy) == ["open"]
    assert found(make_user("dee")) == ["open"]


def test_mentions_notify_readers_only(app, chat, sio, dm):
    from collab.activity import Notification

    ana, bo, cy, c, room = chat
    a = sio(ana)
    call(a, "send", room=room, body="@bo and @cy look, and @nobody", client_id=cid())
    private = dm(ana, bo)
    call(a, "send", room=private, body="just us @bo, not @cy", client_id=cid())
    with app.app_context():
        rows = db.session.execute(select(Notification.user_id, Notification.kind)).all()
    assert sorted(rows) == sorted([(bo.id, "mention"), (cy.id, "mention"), (bo.id, "mention")])
    # An edit notifies only names new in it; deleting takes the notifications back.
    mid = call(a, "send", room=room, body="hi", client_id=cid())["id"]
    call(a, "edit", message=mid, body="hi @bo")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 4
    call(a, "delete", message=mid)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 3
