"""Real sockets against the served app (`collab serve`: gunicorn, threaded worker) with the
python-socketio client: reconnect catch-up, duplicate retries, the server killed and restarted
while a client is sending, and two server processes sharing rooms through Redis."""
from __future__ import annotations

import os
import re
import signal
import threading
import time
import uuid

import pytest
import requests
import socketio

from tests.conftest import REDIS_URL, need, redis_ok
from tests.live import LiveServer

NS = "/chat"
FAST = {"COLLAB_CHAT_RATE_LIMIT": "10000 per 1 second", "COLLAB_SEARCH_INDEXER": "external"}


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def register(url: str, username: str) -> requests.Session:
    s = requests.Session()
    token = _token(s.get(url + "/register", timeout=10).text)
    r = s.post(url + "/register", data={
        "username": username, "email": f"{username}@example.com", "password": "correct-horse-1",
        "confirm": "correct-horse-1", "csrf_token": token}, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:500]
    return s


def conversation(url: str, session: requests.Session, *others: str) -> int:
    token = _token(session.get(url + "/chat/", timeout=10).text)
    r = session.post(url + "/chat/new", data={"people": " ".join(others), "csrf_token": token},
                     allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:500]
    return int(r.headers["Location"].rstrip("/").split("/")[-1])


class Chat:
    """A python-socketio client on /chat that records what it is sent."""

    def __init__(self, url: str, session: requests.Session):
        self.session = session
        self.got: list[dict] = []
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("new_message", self._message, namespace=NS)
        self.connect(url)

    def _message(self, data):
        with self.lock:
            self.got.append(data)

    def connect(self, url):
        cookie = "; ".join(f"{k}={v}" for k, v in self.session.cookies.items())
        self.sio.connect(url, headers={"Cookie": cookie}, namespaces=[NS], transports=["websocket"], wait_timeout=10)

    def call(self, event, data, timeout=10):
        return self.sio.call(event, data, namespace=NS, timeout=timeout)

    def seqs(self):
        with self.lock:
            return [m["seq"] for m in self.got]

    def wait_for(self, n, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.seqs()) >= n:
                return
            time.sleep(0.02)
        raise AssertionError(f"got {len(self.seqs())} messages, wanted {n}")

    def close(self):
        if self.sio.connected:
            self.sio.disconnect()


@pytest.fixture
def served(tmp_path):
    servers = []

    def start(instance="instance", **env):
        server = LiveServer(tmp_path / instance, env={**FAST, **env})
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop(quick=True)  # their instance folders go next


@pytest.fixture
def clients():
    made = []
    yield made
    for c in made:
        c.close()


def test_reconnect_catches_up_exactly_and_retries_are_stored_once(served, clients):
    server = served()
    ana_s, bo_s = register(server.url, "ana"), register(server.url, "bo")
    room = conversation(server.url, ana_s, "bo")
    ana, bo = Chat(server.url, ana_s), Chat(server.url, bo_s)
    clients += [ana, bo]
    assert ana.call("join", {"room": room})["ok"] and bo.call("join", {"room": room})["ok"]
    acks = [ana.call("send", {"room": room, "body": f"m{i}", "client_id": f"a-{i}"}) for i in range(3)]
    assert [a["seq"] for a in acks] == [1, 2, 3]
    bo.wait_for(3)
    last = max(bo.seqs())
    bo.close()
    for i in range(3, 8):
        ana.call("send", {"room": room, "body": f"m{i}", "client_id": f"a-{i}"})
    # A retry of an acknowledged message (its ack was lost, say) is acknowledged, not stored again.
    retry = ana.call("send", {"room": room, "body": "m7", "client_id": "a-7"})
    assert retry["seq"] == 8 and retry["duplicate"]
    bo2 = Chat(server.url, bo_s)
    clients.append(bo2)
    back = bo2.call("join", {"room": room, "after": last})
    assert [m["body"] for m in back["messages"]] == [f"m{i}" for i in range(3, 8)]
    assert [m["seq"] for m in back["messages"]] == [4, 5, 6, 7, 8] and back["last_seq"] == 8
    everything = bo2.call("catchup", {"room": room, "after": 0})["messages"]
    assert [m["client_id"] for m in everything] == [f"a-{i}" for i in range(8)]


def test_server_killed_mid_send_loses_no_acknowledged_message_and_duplicates_none(served, clients):
    server = served()
    ana_s, bo_s = register(server.url, "ana"), register(server.url, "bo")
    room = conversation(server.url, ana_s, "bo")
    ana = Chat(server.url, ana_s)
    clients.append(ana)
    ana.call("join", {"room": room})
    acked: dict[str, int] = {}
    outbox = [f"k-{i}" for i in range(400)]
    stop = threading.Event()

    def sender():
        for client_id in outbox:
            if stop.is_set():
                return
            try:
                ack = ana.call("send", {"room": room, "body": f"body {client_id}", "client_id": client_id}, timeout=3)
            except Exception:
                return  # the server went away: this one is unacknowledged
            if ack and ack.get("ok"):
                acked[client_id] = ack["seq"]

    t = threading.Thread(target=sender)
    t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    # Kill the worker and its master without any chance to clean up.
    os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait()
    stop.set()
    t.join(15)
    assert 40 <= len(acked) < len(outbox)
    ana.close()

    again = served("instance")  # the same instance folder and database, a new process
    ana2, bo2 = Chat(again.url, ana_s), Chat(again.url, bo_s)
    clients += [ana2, bo2]
    ana2.call("join", {"room": room})
    # The client retries everything it has no ack for (and, to be sure, a few it has).
    retried = [c for c in outbox if c not in acked] + list(acked)[-5:]
    for client_id in retried:
        ack = ana2.call("send", {"room": room, "body": f"body {client_id}", "client_id": client_id})
        assert ack["ok"]
        if client_id in acked:
            assert ack["seq"] == acked[client_id] and ack["duplicate"]
    view = []
    after = 0
    while True:
        page = bo2.call("join", {"room": room, "after": after})
        view += page["messages"]
        if not page["more"]:
            break
        after = page["messages"][-1]["seq"]
    ids = [m["client_id"] for m in view]
    assert sorted(ids) == sorted(outbox)  # every message once, acknowledged or retried
    assert [m["seq"] for m in view] == list(range(1, len(outbox) + 1))
    for client_id, seq in acked.items():
        assert view[seq - 1]["client_id"] == client_id


def test_two_server_processes_share_rooms_through_redis(served, clients):
    need("Redis", redis_ok(), "set COLLAB_TEST_REDIS_URL")
    env = {"SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "COLLAB_SOCKETIO_CHANNEL": f"collab-test-{uuid.uuid4().hex}"}
    one = served("shared", **env)
    two = served("shared", **env)  # the same database, a second process
    ana_s, bo_s = register(one.url, "ana"), register(one.url, "bo")
    cy_s = register(two.url, "cy")
    room = conversation(one.url, ana_s, "bo", "cy")
    ana, bo, cy = Chat(one.url, ana_s), Chat(two.url, bo_s), Chat(two.url, cy_s)
    clients += [ana, bo, cy]
    for c in (ana, bo, cy):
        assert c.call("join", {"room": room})["ok"]
    assert ana.call("send", {"room": room, "body": "from one", "client_id": "x1"})["seq"] == 1
    assert bo.call("send", {"room": room, "body": "from two", "client_id": "x2"})["seq"] == 2
    for c in (ana, bo, cy):
        c.wait_for(2)
        assert c.seqs() == [1, 2]
    # Typing crosses processes too.
    typing = []
    ana.sio.on("typing", typing.append, namespace=NS)
    assert cy.call("typing", {"room": room, "typing": True})["ok"]
    deadline = time.monotonic() + 5
    while not typing and time.monotonic() < deadline:
        time.sleep(0.02)
    assert typing and typing[0]["user"]["username"] == "cy"
