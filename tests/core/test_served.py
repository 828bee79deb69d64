"""The real server (`collab serve`: gunicorn, threaded worker) carries pages and Socket.IO over
WebSocket; signed-in sockets connect, anonymous ones are refused. A search of 10,000 characters in
the address reaches the app; an address past any sensible length gets a clear message."""
from __future__ import annotations

import re

import pytest
import requests
import socketio

from tests.live import LiveServer


@pytest.fixture
def served(tmp_path):
    server = LiveServer(tmp_path / "instance", serve=True)
    try:
        yield server
    finally:
        server.stop()


def _register(server, username):
    s = requests.Session()
    page = s.get(server.url + "/register", timeout=10)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    r = s.post(server.url + "/register", data={
        "username": username, "email": f"{username}@example.com", "password": "correct-horse-1",
        "confirm": "correct-horse-1", "csrf_token": token}, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:500]
    return s


def test_pages_and_websockets_through_gunicorn(served):
    r = requests.get(served.url + "/login", timeout=10)
    assert r.status_code == 200 and "gunicorn" in r.headers.get("Server", "").lower()
    log = served.log()
    assert "First run: open" in log and "/register" in log
    session = _register(served, "ana")
    assert "Welcome" in session.get(served.url + "/", timeout=10).text

    for q in ("x" * 10_000, "设计" * 450):  # 10 kB, and 900 Chinese characters percent-encoded (8 kB)
        r = session.get(served.url + "/search", params={"q": q}, timeout=30)
        assert r.status_code == 200 and "Only the first 500 characters of your search were used" in r.text
    r = session.get(served.url + "/search", params={"q": "x" * 70_000}, timeout=30)
    assert r.status_code == 414 and "This web address is too long (over 64 kB)" in r.text
    assert "网址太长" in r.text and "gunicorn" not in r.text.lower()

    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    client = socketio.Client(reconnection=False)
    client.connect(served.url, headers={"Cookie": cookie}, namespaces=["/notify"],
                   transports=["websocket"], wait_timeout=10)
    try:
        assert client.connected and client.transport() == "websocket"
        assert "/notify" in client.namespaces
    finally:
        client.disconnect()

    anonymous = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        anonymous.connect(served.url, namespaces=["/notify"], transports=["websocket"], wait_timeout=10)
    anonymous.disconnect()
