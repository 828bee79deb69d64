"""Operations on one app: /readyz names what fails, /metrics only when enabled, request ids and
JSON logs, and the 503 page when the database is away."""
from __future__ import annotations

import json
import logging
import socket
import urllib.request

import pytest
from sqlalchemy import exc

from collab.extensions import db
from tests.helpers import text


def test_readyz_reports_each_check(app, client):
    r = client.get("/readyz")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "index", "indexer"}  # no Redis configured
    assert body["checks"]["indexer"]["backlog"] == 0
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.app_config(READY_MAX_BACKLOG=0)
def test_readyz_fails_when_the_indexer_falls_behind(app, client, make_user, make_community):
    make_community(make_user("o"), name="Queued")  # an outbox row no indexer drains
    r = client.get("/readyz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] and body["checks"]["index"]["ok"]
    assert not body["checks"]["indexer"]["ok"] and "is the indexer running" in body["checks"]["indexer"]["error"]


@pytest.mark.app_config(REDIS_URL="redis://127.0.0.1:9/0")  # not the queue: test clients refuse one
def test_readyz_names_an_unreachable_redis(app, client):
    r = client.get("/readyz")
    assert r.status_code == 503
    checks = r.get_json()["checks"]
    assert not checks["redis"]["ok"] and "Connection" in checks["redis"]["error"]
    assert checks["database"]["ok"]


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.app_config(METRICS="on")
def test_metrics_count_requests_rows_and_backlog(app, client, make_user, login):
    login(make_user("m"))
    client.get("/c/")
    client.get("/c/")
    client.post("/c/new", data={"name": "Metered", "description": "", "access_level": "public"})
    r = client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    body = text(r)
    assert 'collab_http_requests_total{endpoint="communities.index",method="GET",status="200"} 2.0' in body
    assert 'collab_http_request_duration_seconds_bucket{endpoint="communities.index",le="0.2",method="GET"}' in body
    assert 'collab_rows_created_total{table="communities"} 1.0' in body
    assert "collab_socketio_connections 0.0" in body
    backlog = [line for line in body.splitlines() if line.startswith("collab_search_backlog ")]
    assert backlog and float(backlog[0].split()[1]) >= 1  # the new community waits to be indexed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_metrics_on_an_address_of_their_own_only(make_app):
    port = _free_port()
    app = make_app(METRICS=f"127.0.0.1:{port}")
    listener = app.extensions["collab_metrics"].listener
    try:
        assert app.test_client().get("/metrics").status_code == 404  # not on the site's port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            assert b"collab_search_backlog" in r.read()
    finally:
        server, thread = listener
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_request_ids_are_kept_or_made(client):
    given = client.get("/login", headers={"X-Request-ID": "abc12345-from-proxy"})
    assert given.headers["X-Request-ID"] == "abc12345-from-proxy"
    made = client.get("/login", headers={"X-Request-ID": "bad id <script>"})
    assert len(made.headers["X-Request-ID"]) == 32 and made.headers["X-Request-ID"] != "bad id <script>"


def test_json_log_lines_carry_the_request_id(app, client):
    from collab.ops.logs import RequestIdFilter, json_formatter

    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(json_formatter())
    logger = logging.getLogger("collab.access")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    app.extensions["collab_access_log"] = True
    try:
        client.get("/login", headers={"X-Request-ID": "req-0000000042"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    line = json.loads(records[-1])
    assert line["request_id"] == "req-0000000042" and line["status"] == 200 and line["path"] == "/login"
    assert line["level"] == "INFO" and line["logger"] == "collab.access" and "duration_ms" in line


def test_database_away_answers_a_clean_503_in_the_readers_language(app, client, make_user, login):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/db-gone")
    def db_gone():
        raise exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    login(make_user("d"))

    r = client.get("/db-gone")
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert "Temporarily unavailable" in text(r) and "server closed" not in text(r)
    zh = client.get("/db-gone", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 503 and "暂时无法访问" in text(zh)
    api = client.get("/db-gone", headers={"Accept": "application/json"})
    assert api.status_code == 503 and api.get_json()["error"] == "database_unavailable"
    with app.app_context():  # the session is usable again right after
        assert db.session.execute(db.text("SELECT 1")).scalar() == 1
    assert client.get("/c/").status_code == 200


def test_database_away_while_signed_in_still_gets_the_503_page(app, client, make_user, login, monkeypatch):
    """Loading the signed-in person fails too: the page must not need the database at all."""
    from collab.extensions import login_manager

    login(make_user("e"))
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def gone(_user_id):
        raise exc.OperationalError("SELECT users", {}, Exception("connection refused"))

    monkeypatch.setattr(login_manager, "_user_callback", gone)
    r = client.get("/c/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert r.status_code == 503 and "暂时无法访问" in text(r) and "connection refused" not in text(r)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_write_while_another_process_holds_the_database_gets_the_503_page(app, client, make_user, login, monkeypatch):
    """SQLite's "database is locked" on BEGIN (collab/db.py issues it on the driver) is the same
    clean 503 as any database failure, and the next write after the lock is gone succeeds."""
    import sqlite3

    from collab import db as collab_db

    login(make_user("f"))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(collab_db, "BUSY_TIMEOUT", 0.2)
    with app.app_context():
        db.engine.dispose()  # new connections wait 0.2 s for the lock, not 10
    other = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        r = client.post("/c/new", data={"name": "Blocked", "access": "public"})
        assert r.status_code == 503 and "Temporarily unavailable" in text(r)
    finally:
        other.rollback()
        other.close()
    r = client.post("/c/new", data={"name": "After", "access": "public"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/c/after/")
