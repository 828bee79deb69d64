"""The documented scale-out shape, driven from outside: nginx (deploy/nginx/collab.conf) in front
of two `collab serve` processes and one `collab indexer`, on PostgreSQL and Redis.

Across processes: a page, a chat message, a search, a live notification. Failures: Redis
restarts while people chat, PostgreSQL restarts under requests, one server process killed.
PostgreSQL and Redis here are throwaway servers this module starts (and restarts) itself.
"""
from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import signal
import threading
import time
import uuid

import pytest
import requests
import socketio

from tests.conftest import need
from tests.scaleout.cluster import Cluster, nginx_bin, pg_bin

NS = "/chat"


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def register(url: str, username: str) -> requests.Session:
    s = requests.Session()
    token = _token(s.get(url + "/register", timeout=10).text)
    r = s.post(url + "/register", data={
        "username": username, "email": f"{username}@example.com", "password": "correct-horse-1",
        "confirm": "correct-horse-1", "csrf_token": token}, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:500]
    return s


def post_form(session: requests.Session, url: str, form_url: str, fields: dict, expect=302,
              page: str | None = None) -> requests.Response:
    """GET a form (or the page holding it), keep its hidden fields (csrf_token, idempotency
    token, base revision ...), POST it."""
    page = session.get(url + (page or form_url), timeout=10)
    assert page.status_code == 200, page.status_code
    data = {m.group(1): html.unescape(m.group(2)) for m in re.finditer(
        r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text)}
    data.update({m.group(1): html.unescape(m.group(2)) for m in re.finditer(
        r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', page.text)})
    data.update(fields)
    r = session.post(url + form_url, data=data, allow_redirects=False, timeout=15)
    assert r.status_code == expect, (r.status_code, r.text[:800])
    return r


def cookie_of(session: requests.Session) -> str:
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


class Chat:
    """A python-socketio client on /chat: records messages, fills gaps from the stored history
    (what the browser's chat.js does), rejoins after a reconnect."""

    def __init__(self, url: str, session: requests.Session, room: int, reconnection: bool = False):
        self.url, self.session, self.room = url, session, room
        self.got: dict[int, dict] = {}
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=reconnection, reconnection_delay=0.2, reconnection_delay_max=1)
        self.sio.on("new_message", self._message, namespace=NS)
        self.sio.on("connect", self._connected, namespace=NS)
        self.joins = 0
        self.sio.connect(url, headers={"Cookie": cookie_of(session)}, namespaces=[NS],
                         transports=["websocket"], wait_timeout=10)
        self._rejoin()

    def last(self) -> int:
        with self.lock:
            n = 0
            while n + 1 in self.got:
                n += 1
            return n

    def _take(self, messages):
        with self.lock:
            for m in messages:
                self.got.setdefault(m["seq"], m)

    def _message(self, m):
        if m["room"] != self.room:
            return
        self._take([m])
        if m["seq"] > self.last():
            threading.Thread(target=self._fill, daemon=True).start()

    def _fill(self):
        try:
            while True:
                page = self.sio.call("catchup", {"room": self.room, "after": self.last()}, namespace=NS, timeout=5)
                self._take(page["messages"])
                if not page.get("more"):
                    return
        except Exception:
            pass  # the next message or reconnect tries again

    def _connected(self):
        if self.joins:  # a reconnect: join again and ask for everything after the last one shown
            threading.Thread(target=self._rejoin, daemon=True).start()

    def _rejoin(self):
        self.joins += 1
        ack = self.sio.call("join", {"room": self.room, "after": self.last()}, namespace=NS, timeout=10)
        assert ack["ok"], ack
        self._take(ack["messages"])
        if ack.get("more"):
            self._fill()

    def send(self, body: str, client_id: str, timeout: float = 5) -> dict:
        return self.sio.call("send", {"room": self.room, "body": body, "client_id": client_id}, namespace=NS,
                             timeout=timeout)

    def wait_for(self, seq: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.last() >= seq:
                return
            time.sleep(0.02)
        raise AssertionError(f"has up to {self.last()} (of {sorted(self.got)}), wanted {seq}")

    def close(self):
        try:
            self.sio.disconnect()
        except Exception:
            pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    need("nginx", nginx_bin() is not None, "install nginx (.ci/services does)")
    need("PostgreSQL server binaries", pg_bin() is not None, "install postgresql (.ci/services does)")
    need("redis-server", shutil.which("redis-server") is not None, "install redis-server (.ci/services does)")
    cluster = Cluster(tmp_path_factory.mktemp("scaleout"), f"collab-scaleout-{uuid.uuid4().hex}")
    try:
        a = cluster.a.url
        cluster.people = {name: register(a, name) for name in ("ana", "bob", "cy", "dee")}
        ana = cluster.people["ana"]
        r = post_form(ana, a, "/c/new", {"name": "Platform Team", "description": "Ops", "access": "public",
                                         "tools": ["wiki", "blog", "forums", "chat"]})
        cluster.slug = r.headers["Location"].rstrip("/").split("/")[-1]
        for name in ("bob", "cy", "dee"):
            post_form(cluster.people[name], cluster.b.url, f"/c/{cluster.slug}/join", {}, page=f"/c/{cluster.slug}/")
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def clients():
    made = []
    yield made
    for c in made:
        c.close()


def new_conversation(site, *others: str) -> int:
    ana = site.people["ana"]
    r = post_form(ana, site.a.url, "/chat/new", {"people": " ".join(others)}, page="/chat/")
    return int(r.headers["Location"].rstrip("/").split("/")[-1])


def test_a_page_written_through_one_process_is_read_through_the_other(site):
    ana, bob = site.people["ana"], site.people["bob"]
    r = post_form(ana, site.a.url, f"/c/{site.slug}/wiki/-/new",
                  {"title": "Runbook", "body": "Restart **order**: database, then Redis, then servers.", "parent": ""})
    page = r.headers["Location"]
    seen = bob.get(site.b.url + page, timeout=10)
    assert seen.status_code == 200 and "Restart <strong>order</strong>" in seen.text
    # ... and edited through the second, read back through the first.
    post_form(bob, site.b.url, page + "/-/edit", {"title": "Runbook",
                                                  "body": "Restart order: database, Redis, servers, indexer."})
    assert "servers, indexer" in ana.get(site.a.url + page, timeout=10).text


def test_a_chat_message_to_a_client_on_one_process_arrives_on_the_other(site, clients):
    room = new_conversation(site, "bob", "cy")
    ana = Chat(site.a.url, site.people["ana"], room)
    bob = Chat(site.b.url, site.people["bob"], room)
    cy = Chat(site.nginx.url, site.people["cy"], room)  # through the proxy, WebSocket upgraded
    clients += [ana, bob, cy]
    assert ana.send("hello from A", "x1")["seq"] == 1
    assert bob.send("hello from B", "x2")["seq"] == 2
    for c in (ana, bob, cy):
        c.wait_for(2)
        assert [c.got[i]["body"] for i in (1, 2)] == ["hello from A", "hello from B"]


def test_a_post_made_through_one_process_is_searchable_and_notifies_through_the_other(site):
    ana, bob = site.people["ana"], site.people["bob"]
    heard = []
    bell = socketio.Client(reconnection=False)
    bell.on("notification", heard.append, namespace="/notify")
    bell.connect(site.b.url, headers={"Cookie": cookie_of(bob)}, namespaces=["/notify"], transports=["websocket"],
                 wait_timeout=10)
    try:
        r = post_form(ana, site.a.url, f"/c/{site.slug}/forums/new-forum", {"name": "Operations", "description": ""})
        forum = r.headers["Location"].rstrip("/").split("/")[-1]
        word = f"zebrafish{uuid.uuid4().hex[:6]}"
        post_form(ana, site.a.url, f"/c/{site.slug}/forums/f/{forum}/new",
                  {"title": f"Failover drill {word}", "body": f"@bob please check the {word} failover steps."})
        deadline = time.monotonic() + 15
        while not heard and time.monotonic() < deadline:
            time.sleep(0.05)
        assert heard and heard[0]["title"] == f"Failover drill {word}", heard
        deadline = time.monotonic() + 20
        found = ""
        while time.monotonic() < deadline:
            found = bob.get(site.b.url + "/search", params={"q": word}, timeout=10).text
            if f"Failover drill" in found and word in found:
                break
            time.sleep(0.2)
        assert f"Failover drill" in found, "the indexer process never made the post searchable"
    finally:
        bell.disconnect()


def test_leaving_through_one_process_ends_co_editing_held_by_the_other(site):
    """Access changes are relayed over Redis: a socket on process B editing a page stops at once
    when its person leaves the community through process A, and hears no more of the text."""
    ana, dee = site.people["ana"], site.people["dee"]
    r = post_form(ana, site.a.url, f"/c/{site.slug}/wiki/-/new",
                  {"title": "Oncall handbook", "body": "Page the primary first.", "parent": ""})
    path = r.headers["Location"]
    page_id = int(re.search(r'data-page="(\d+)"', ana.get(site.a.url + path + "/-/edit", timeout=10).text).group(1))

    got: list[tuple[str, dict]] = []
    dee_sio = socketio.Client(reconnection=False)
    for name in ("coedit_error", "update", "presence"):
        dee_sio.on(name, lambda data, name=name: got.append((name, data)), namespace="/wiki")
    dee_sio.connect(site.b.url, headers={"Cookie": cookie_of(dee)}, namespaces=["/wiki"],
                    transports=["websocket"], wait_timeout=10)
    ana_sio = socketio.Client(reconnection=False)
    ana_sio.connect(site.a.url, headers={"Cookie": cookie_of(ana)}, namespaces=["/wiki"],
                    transports=["websocket"], wait_timeout=10)
    try:
        assert dee_sio.call("join", {"page": page_id}, namespace="/wiki", timeout=10)["ok"]
        assert dee_sio.call("sync", {"page": page_id, "sv": None, "generation": None}, namespace="/wiki",
                            timeout=10)["ok"]
        post_form(dee, site.a.url, f"/c/{site.slug}/leave", {}, page=f"/c/{site.slug}/")

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(n == "coedit_error" for n, _ in got):
            time.sleep(0.05)
        errors = [d for n, d in got if n == "coedit_error"]
        assert errors and errors[0]["event"] == "access" and errors[0]["page"] == page_id, got
        assert errors[0]["error"] == "forbidden"  # a public community: still readable, no longer editable

        # Ana keeps typing through process A: Dee's socket on B is out of the page's room.
        got.clear()
        answer = ana_sio.call("sync", {"page": page_id, "sv": None, "generation": None}, namespace="/wiki", timeout=10)
        assert answer["ok"], answer
        from pycrdt import Doc, Text

        doc = Doc()
        doc.apply_update(base64.b64decode(answer["update"]))
        before = doc.get_state()
        doc.get("body", type=Text).insert(0, "Secret: ")
        assert ana_sio.call("update", {"page": page_id, "generation": answer["generation"],
                                       "update": base64.b64encode(doc.get_update(before)).decode()},
                            namespace="/wiki", timeout=10)["ok"]
        time.sleep(1.0)
        assert [n for n, _ in got if n == "update"] == []
        # And what it sends now is refused.
        refused = dee_sio.call("sync", {"page": page_id, "sv": None, "generation": None}, namespace="/wiki", timeout=10)
        assert refused["ok"] is False and refused["error"] == "forbidden"
    finally:
        ana_sio.disconnect()
        dee_sio.disconnect()
        post_form(dee, site.b.url, f"/c/{site.slug}/join", {}, page=f"/c/{site.slug}/")


def upstream_of(via: str, session: requests.Session) -> list[str]:
    """The server processes nginx tried for this session's requests (the dead one first, until
    it is marked down)."""
    r = requests.get(via + "/login", headers={"Cookie": cookie_of(session)}, timeout=10)
    return r.headers["X-Collab-Upstream"].split(", ")


def test_people_behind_one_address_are_spread_over_the_processes_and_each_stays_on_one(site):
    """A company's staff reach the site through a few proxy addresses: placing them by address
    would put them all on one process. The first answer gives a browser its own cookie; its
    requests, Socket.IO's included, then go to one process."""
    via = site.nginx.url
    places = []
    for _ in range(16):  # all from 127.0.0.1
        s = requests.Session()
        first = s.get(via + "/login", timeout=10)
        assert "collab_lb=" in first.headers.get("Set-Cookie", "") and "HttpOnly" in first.headers["Set-Cookie"]
        assert s.cookies.get("collab_lb")
        seen = {s.get(via + path, timeout=10).headers["X-Collab-Upstream"]
                for path in ("/login", "/healthz", "/socket.io/?EIO=4&transport=polling", "/login")}
        assert len(seen) == 1, seen  # sticky
        again = s.get(via + "/login", timeout=10)
        assert "collab_lb=" not in again.headers.get("Set-Cookie", "")  # set once
        places.append(seen.pop())
    assert set(places) == {f"127.0.0.1:{srv.port}" for srv in site.servers}, places


def test_the_proxy_carries_ids_health_and_keeps_metrics_private(site):
    r = requests.get(site.nginx.url + "/login", timeout=10)
    assert r.status_code == 200 and re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-ID"])
    assert r.headers["X-Collab-Upstream"] in {f"127.0.0.1:{s.port}" for s in site.servers}
    ready = requests.get(site.nginx.url + "/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"database", "redis", "index", "indexer"}
    assert requests.get(site.nginx.url + "/metrics", timeout=10).status_code == 404  # not public
    metrics = requests.get(site.a.url + "/metrics", timeout=10).text  # on the process itself
    assert 'collab_http_requests_total{endpoint="accounts.login",method="GET"' in metrics
    assert "collab_search_backlog" in metrics
    # The request id nginx made is in the server's JSON access log.
    rid = r.headers["X-Request-ID"]
    server = site.server_on(int(r.headers["X-Collab-Upstream"].rsplit(":", 1)[1]))
    deadline = time.monotonic() + 5
    while rid not in server.log_path.read_text(errors="replace") and time.monotonic() < deadline:
        time.sleep(0.05)
    line = next(json.loads(x) for x in server.log_path.read_text(errors="replace").splitlines() if rid in x)
    assert line["path"] == "/login" and line["status"] == 200 and line["logger"] == "collab.access"


def test_redis_restarting_while_people_chat_loses_nothing(site, clients):
    room = new_conversation(site, "bob")
    ana = Chat(site.a.url, site.people["ana"], room)
    bob = Chat(site.b.url, site.people["bob"], room)
    clients += [ana, bob]
    for i in range(1, 4):
        assert ana.send(f"before {i}", f"r-{i}")["seq"] == i
    bob.wait_for(3)
    site.redis.stop()
    # Redis is away: messages are still stored and acknowledged (the broadcast is what waits).
    acked = {}
    for i in range(4, 7):
        ack = ana.send(f"during {i}", f"r-{i}")
        assert ack["ok"], ack
        acked[ack["seq"]] = f"during {i}"
    time.sleep(0.5)
    site.redis.start()
    # Once both processes have reconnected, a new message crosses live and the gap is filled.
    deadline = time.monotonic() + 30
    n = 7
    while time.monotonic() < deadline:
        ack = ana.send(f"after {n}", f"r-{n}")
        assert ack["ok"]
        acked[ack["seq"]] = f"after {n}"
        try:
            bob.wait_for(ack["seq"], timeout=1.5)
            break
        except AssertionError:
            n += 1
    bob.wait_for(max(acked))
    assert sorted(bob.got) == list(range(1, max(acked) + 1))  # every message once, in order
    for seq, body in acked.items():
        assert bob.got[seq]["body"] == body
    logs = site.a.log() + site.b.log()
    assert "Cannot receive from redis" in logs or "Cannot publish to redis" in logs
    assert requests.get(site.a.url + "/readyz", timeout=10).json()["checks"]["redis"]["ok"]


def test_postgresql_restarting_answers_503_then_recovers_without_a_server_restart(site):
    bob = site.people["bob"]
    pids = [s.proc.pid for s in site.servers]
    statuses: list[tuple[int, str]] = []
    stop = threading.Event()

    def browse(url):
        s = requests.Session()
        s.cookies.update(bob.cookies)
        while not stop.is_set():
            try:
                r = s.get(url + f"/c/{site.slug}/", timeout=10)
                statuses.append((r.status_code, r.text))
            except requests.RequestException as e:
                statuses.append((0, repr(e)))

    threads = [threading.Thread(target=browse, args=(u,)) for u in (site.a.url, site.b.url, site.nginx.url)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    site.pg.stop("fast")  # terminates the sessions of requests in flight
    try:
        time.sleep(1.0)
        down = requests.get(site.a.url + "/readyz", timeout=10)
        assert down.status_code == 503 and not down.json()["checks"]["database"]["ok"]
    finally:
        site.pg.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (statuses and statuses[-1][0] == 200
                                                and all(c == 200 for c, _ in statuses[-6:])):
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(15)
    codes = {c for c, _ in statuses}
    errors = [server.log_path.read_text(errors="replace") for server in site.servers]
    errors = "\n".join(line for log in errors for line in log.splitlines() if '"level": "ERROR"' in line)
    assert 503 in codes and codes <= {200, 503}, (codes, errors[-6000:])  # never a 500, never a dropped connection
    for code, body in statuses:
        if code == 503:
            assert "Temporarily unavailable" in body and "Traceback" not in body
    assert statuses[-1][0] == 200
    # The same processes recovered: no restart, and /readyz is green again on both.
    assert [s.proc.pid for s in site.servers] == pids and all(s.proc.poll() is None for s in site.servers)
    for s in site.servers:
        assert requests.get(s.url + "/readyz", timeout=10).status_code == 200
    assert "database unavailable" in site.a.log() + site.b.log()


def test_a_killed_server_process_loses_no_acknowledged_message(site, clients):
    room = new_conversation(site, "dee")  # a conversation of its own: its numbers start at 1
    via = site.nginx.url
    # Both sockets on one process, the one to be killed: nginx places a browser by its collab_lb
    # cookie, so the two get the same value. (Which process that is is read afterwards: an upstream
    # an earlier test made fail is skipped by nginx for a few seconds.)
    for name in ("ana", "dee"):
        jar = site.people[name].cookies
        for cookie in [c for c in jar if c.name == "collab_lb"]:  # one from an earlier visit
            jar.clear(cookie.domain, cookie.path, cookie.name)
        jar.set("collab_lb", "killed-server-test")
    ana = Chat(via, site.people["ana"], room, reconnection=True)
    bob = Chat(via, site.people["dee"], room, reconnection=True)
    clients += [ana, bob]
    victim = site.server_on(int(upstream_of(via, site.people["ana"])[-1].rsplit(":", 1)[1]))
    outbox = [f"k-{i}" for i in range(120)]
    acked: dict[str, int] = {}
    killed = threading.Event()

    def send_all():
        for client_id in outbox:
            for _attempt in range(60):  # retry until acknowledged (the client's outbox)
                try:
                    ack = ana.send(f"body {client_id}", client_id, timeout=2)
                    if ack and ack.get("ok"):
                        acked[client_id] = ack["seq"]
                        break
                except Exception:
                    pass
                time.sleep(0.1)
            if len(acked) == 30:
                killed.wait(20)

    sender = threading.Thread(target=send_all)
    sender.start()
    deadline = time.monotonic() + 20
    while len(acked) < 30 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(victim.proc.pid, signal.SIGKILL)  # no chance to clean up
    victim.proc.wait()
    killed.set()
    sender.join(90)
    assert len(acked) == len(outbox), f"{len(acked)} acknowledged"
    # Both clients came back through nginx to the surviving process.
    survivor = next(s for s in site.servers if s is not victim)
    # (nginx names every upstream it tried: the dead one first until it is marked down)
    assert upstream_of(via, site.people["ana"])[-1] == f"127.0.0.1:{survivor.port}"
    bob.wait_for(len(outbox), timeout=30)
    assert sorted(bob.got) == list(range(1, len(outbox) + 1))
    assert sorted(m["client_id"] for m in bob.got.values()) == sorted(outbox)  # each once
    for client_id, seq in acked.items():
        assert bob.got[seq]["client_id"] == client_id

