"""`collab serve` with each worker, gevent (the default) and gthread, as a real process on SQLite with Redis
(message queue and rate-limit store): pages, sign-in, 32 clients (8 people) replying to one forum topic at once,
and chat sockets receiving every message exactly once, acknowledged with its sequence number, while
the forum writers run. Chat reactions are writers from their first statement and check the rate
limit in Redis inside that transaction, so a greenlet holding SQLite's write lock yields there: the
process's writers must queue on a greenlet-aware lock (collab.db), or the next BEGIN IMMEDIATE
blocks the whole hub in SQLite's busy handler and fails with "database is locked"."""
from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.chat.test_chat_live import Chat, conversation
from tests.chat.test_chat_live import register as _register
from tests.conftest import REDIS_URL, need
from tests.live import LiveServer

WRITERS = 32
REPLIES_EACH = 3


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _field(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" (?:type="hidden" )?value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)" name="{name}"', html)
    return m.group(1) if m else ""


_OPEN: list[requests.Session] = []


def _session() -> requests.Session:
    s = requests.Session()
    _OPEN.append(s)
    return s


def register(url: str, username: str) -> requests.Session:
    s = _register(url, username)
    _OPEN.append(s)
    return s


@pytest.fixture(scope="module", autouse=True)
def _close_sessions():
    """Every HTTP session this module opened is closed with it (an unclosed socket's warning
    would otherwise fail whichever later test the garbage collector happens to run in)."""
    yield
    while _OPEN:
        _OPEN.pop().close()


@pytest.fixture(scope="module", params=["gevent", "gthread"])
def server(request, tmp_path_factory):
    need("redis", bool(REDIS_URL), "set COLLAB_TEST_REDIS_URL")
    # The gevent worker imports the app a second time after the exec: give a loaded machine time.
    # Through `collab serve` (serve=True): it is what chooses and names the worker.
    live = LiveServer(tmp_path_factory.mktemp(request.param) / "instance", startup_timeout=90, serve=True, env={
        "COLLAB_WORKER": request.param, "COLLAB_CHAT_RATE_LIMIT": "10000 per 1 second", "REDIS_URL": REDIS_URL,
        "COLLAB_SOCKETIO_CHANNEL": f"collab-gevent-{uuid.uuid4().hex[:8]}"})
    try:
        yield live
    finally:
        live.stop(quick=True)


@pytest.fixture(scope="module")
def site(server):
    """An admin (the first account), a public community with a forum and a topic."""
    url = server.url
    admin = register(url, "gadmin")
    page = admin.get(url + "/c/new", timeout=10).text
    tools = sorted(set(re.findall(r'name="tools"[^>]*value="([^"]+)"', page)
                       + re.findall(r'value="([^"]+)"[^>]*name="tools"', page)))
    assert "forums" in tools and "chat" in tools, tools
    r = admin.post(url + "/c/new", data={"name": "Gevent plaza", "slug": "gevent-plaza", "access": "public",
                                         "posting": "members", "tools": tools, "csrf_token": _token(page)},
                   allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:800]
    base = url + "/c/gevent-plaza/forums"
    page = admin.get(base + "/new-forum", timeout=10).text
    r = admin.post(base + "/new-forum", data={"name": "Everything", "description": "", "position": "0",
                                             "csrf_token": _token(page)}, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:800]
    forum_id = re.findall(r"/forums/f/(\d+)", admin.get(base + "/", timeout=10).text)[0]
    page = admin.get(f"{base}/f/{forum_id}/new", timeout=10).text
    r = admin.post(f"{base}/f/{forum_id}/new", data={
        "title": "Many writers at once", "body": "Reply here, all of you.", "tags": "",
        "token": _field(page, "token"), "csrf_token": _token(page)}, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:800]
    topic_url = url + r.headers["Location"].split("#")[0].replace(url, "")
    return {"admin": admin, "topic": topic_url, "community": url + "/c/gevent-plaza/"}


def test_the_worker_serves_pages_and_signs_people_in(server, site):
    worker = "gevent" if "gevent" in server.instance.parent.name else "gthread"
    assert f"({worker} worker)" in server.log()
    r = requests.get(server.url + "/login", timeout=10)
    assert r.status_code == 200 and "gunicorn" in r.headers.get("Server", "").lower()
    s = _session()
    page = s.get(server.url + "/login", timeout=10).text
    r = s.post(server.url + "/login", data={"login": "gadmin", "password": "correct-horse-1",
                                            "csrf_token": _token(page)}, allow_redirects=False, timeout=10)
    assert r.status_code == 302
    home = s.get(server.url + "/", timeout=10)
    assert home.status_code == 200 and "gadmin" in home.text
    assert "Gevent plaza" in s.get(site["community"], timeout=10).text
    wrong = _session()
    page = wrong.get(server.url + "/login", timeout=10).text
    r = wrong.post(server.url + "/login", data={"login": "gadmin", "password": "not-the-password",
                                                "csrf_token": _token(page)}, allow_redirects=False, timeout=10)
    assert r.status_code != 302
    assert wrong.get(server.url + "/", allow_redirects=False, timeout=10).status_code == 302  # still signed out


def _members(server, site, people: int) -> list[requests.Session]:
    """People who joined the community (registering hashes a password: a few, not one per writer)."""
    sessions = []
    for n in range(people):
        s = register(server.url, f"writer{n}")
        page = s.get(site["community"], timeout=20).text
        r = s.post(site["community"] + "join", data={"csrf_token": _token(page)}, allow_redirects=False, timeout=20)
        assert r.status_code == 302, r.text[:500]
        sessions.append(s)
    return sessions


def _writer(site, signed_in: requests.Session, n: int, barrier: threading.Barrier) -> list[tuple[str, str]]:
    s = _session()  # a client of its own, signed in as one of the members
    s.cookies.update(signed_in.cookies)
    barrier.wait(timeout=120)
    done = []
    for i in range(REPLIES_EACH):
        page = s.get(site["topic"], timeout=30).text
        body = f"reply {n}-{i} {uuid.uuid4().hex[:8]}"
        r = s.post(site["topic"], data={"body": body, "reply_to": "", "token": _field(page, "token"),
                                        "csrf_token": _token(page)}, allow_redirects=False, timeout=30)
        assert r.status_code == 302, f"{r.status_code}: {r.text[:800]}"
        done.append((body, r.headers["Location"]))
    return done


def test_concurrent_forum_replies_on_sqlite_all_land_and_chat_delivers_exactly_once(server, site):
    url = server.url
    # Three people in a conversation on sockets; one sends while the forum writers run.
    ana_s, bo_s, cy_s = register(url, "ana"), register(url, "bo"), register(url, "cy")
    room = conversation(url, ana_s, "bo", "cy")
    ana, bo, cy = Chat(url, ana_s), Chat(url, bo_s), Chat(url, cy_s)
    try:
        for c in (ana, bo, cy):
            assert c.call("join", {"room": room}).get("ok")
        members = _members(server, site, 8)
        barrier = threading.Barrier(WRITERS + 1)
        with ThreadPoolExecutor(WRITERS) as pool:
            futures = [pool.submit(_writer, site, members[n % len(members)], n, barrier) for n in range(WRITERS)]
            barrier.wait(timeout=120)
            acks = []
            for i in range(40):
                ack = ana.call("send", {"room": room, "body": f"while writing {i}", "client_id": f"g-{i}"},
                               timeout=20)
                assert ack.get("ok"), ack
                acks.append(ack["seq"])
            written = [pair for f in futures for pair in f.result()]
        assert acks == sorted(acks) and len(set(acks)) == 40
        for c in (bo, cy, ana):
            c.wait_for(40, timeout=20)
        for c in (bo, cy):
            assert c.seqs() == acks, "every message once, in order, with the acknowledged sequence numbers"
        # Reactions from three sockets at once, every one a writer that yields inside its transaction.
        first = ana.got[0]["id"]
        answers, lock, done = [], threading.Lock(), threading.Event()
        emojis = ("👍", "❤️", "🎉", "🚀", "👀")

        def answered(reply):
            with lock:
                answers.append(reply)
                if len(answers) == 3 * 2 * len(emojis):
                    done.set()

        for on in (True, False):
            for c in (ana, bo, cy):
                for emoji in emojis:
                    c.sio.emit("react", {"message": first, "emoji": emoji, "on": on}, namespace="/chat",
                               callback=answered)
            if on:
                for _ in range(500):
                    if len(answers) == 15:
                        break
                    threading.Event().wait(0.02)
        assert done.wait(30), f"{len(answers)} of 30 reactions answered"
        assert all(a == {"ok": True} for a in answers), [a for a in answers if a != {"ok": True}][:3]
    finally:
        for c in (ana, bo, cy):
            c.close()

    assert len(written) == WRITERS * REPLIES_EACH
    assert "database is locked" not in server.log()
    # Nothing lost: every reply is on the topic page its redirect named, each once.
    admin = site["admin"]
    pages = {}
    for body, location in written:
        page_url = location.split("#")[0]
        page_url = page_url if page_url.startswith("http") else url + page_url
        if page_url not in pages:
            pages[page_url] = admin.get(page_url, timeout=20).text
        assert pages[page_url].count(body) == 1, body
    post_ids = {location.split("#")[1] for _b, location in written}
    assert len(post_ids) == WRITERS * REPLIES_EACH
