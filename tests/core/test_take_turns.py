"""Under `collab serve`'s gevent worker, a request waits for its turn: every other connection that
is ready goes first (collab.concurrency.take_turns). Without it, a keep-alive client whose next
request arrives before the server looks again is answered again and again while the others queue."""
from __future__ import annotations

import subprocess
import sys

from collab import concurrency, server
from tests.live import ROOT

# A connection waits on the hub for its next request; that request arrives; meanwhile another
# connection's request (already read) is handed to the app. Who runs first?
SCRIPT = r"""
from gevent import monkey; monkey.patch_all()
import socket, sys
import gevent
from collab.concurrency import take_turns

order = []

def app(environ, start_response):
    order.append("hot")
    return []

ours, theirs = socket.socketpair()

def waiting_connection():
    ours.recv(16)
    order.append("waiting")

reader = gevent.spawn(waiting_connection)
gevent.sleep(0.05)          # it is blocked in recv, on the hub
theirs.sendall(b"GET / HTTP/1.1")  # its request has arrived
(take_turns(app) if sys.argv[1] == "fair" else app)({}, None)
reader.join()
print(",".join(order))
"""


def _order(mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=str(ROOT), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_ready_connection_goes_before_the_request_at_hand():
    assert _order("fair") == "waiting,hot"
    assert _order("plain") == "hot,waiting"  # what the worker did before: the request at hand first


def test_threads_get_the_app_unchanged(monkeypatch):
    monkeypatch.setattr(concurrency, "gevent_active", lambda: False)

    def app(environ, start_response):
        return []

    assert concurrency.take_turns(app) is app


def test_the_served_worker_takes_turns(monkeypatch, app):
    monkeypatch.setattr("collab.app.create_app", lambda: app)
    monkeypatch.setattr(server, "tune_gc", lambda: None)  # tests/core/test_server_gc.py covers it
    monkeypatch.setattr(concurrency, "gevent_active", lambda: True)
    plain = app.wsgi_app
    calls = []
    monkeypatch.setattr("gevent.idle", lambda: calls.append("turn"))
    try:
        served = server._Server(server.gunicorn_options("127.0.0.1", 0)).load()
        assert served.test_client().get("/healthz").status_code == 200
        assert calls == ["turn"]
    finally:
        app.wsgi_app = plain
