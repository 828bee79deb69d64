"""Prometheus metrics: HTTP requests and latency per endpoint, open Socket.IO connections, rows
written per table (chat messages per second is ``rate(collab_rows_created_total{table="chat_messages"}[1m])``),
and the search indexer's backlog.

Off unless COLLAB_METRICS says otherwise:
  ``on``           /metrics on the site's own port (put it behind the proxy's allow list)
  ``HOST:PORT``    a separate listener on an address the admin chooses (not on the site's port)
Each server process is one single-worker gunicorn with its own registry, so every process is
scraped on its own address (`collab serve --metrics-address`, `collab indexer --metrics-address`);
no shared multiprocess directory is needed.
"""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, Response, current_app, g, has_app_context, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, app: Flask):
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("collab_http_requests", "HTTP requests answered, by endpoint, method and status.",
                                ["endpoint", "method", "status"], registry=r)
        self.latency = Histogram("collab_http_request_duration_seconds", "Time to answer an HTTP request.",
                                 ["endpoint", "method"], buckets=BUCKETS, registry=r)
        self.rows = Counter("collab_rows_created", "Rows inserted, by table (chat_messages: chat messages).",
                            ["table"], registry=r)
        self.db_unavailable = Counter("collab_database_unavailable",
                                      "Requests answered 503 because the database could not be reached.", registry=r)
        sockets = Gauge("collab_socketio_connections", "Socket.IO connections open on this process.", registry=r)
        sockets.set_function(_socket_count)
        backlog = Gauge("collab_search_backlog", "Changes waiting in the search outbox (all processes).", registry=r)
        backlog.set_function(lambda: _backlog(app))
        self.listener = None

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _socket_count() -> float:
    from collab.extensions import socketio

    server = getattr(socketio, "server", None)
    eio = getattr(server, "eio", None)
    return float(len(getattr(eio, "sockets", {}) or {}))


def _backlog(app: Flask) -> float:
    from collab.extensions import db
    from collab.search.indexer import backlog

    try:
        with app.app_context():
            try:
                return float(backlog())
            finally:
                db.session.remove()
    except Exception:  # the database is away: the scrape still answers
        return math.nan


def metrics_of(app: Flask | None = None) -> Metrics | None:
    app = app or (current_app if has_app_context() else None)
    return app.extensions.get("collab_metrics") if app is not None else None


def _count_new_rows(session: Session, flush_context) -> None:
    if not has_app_context():
        return
    m = current_app.extensions.get("collab_metrics")
    if m is None or not session.new:
        return
    counts: dict[str, int] = {}
    for obj in session.new:
        table = getattr(obj, "__tablename__", None)
        if table:
            counts[table] = counts.get(table, 0) + 1
    for table, n in counts.items():
        m.rows.labels(table).inc(n)


def start_listener(app: Flask, address: str) -> None:
    """Serve this process's metrics on HOST:PORT (a thread; nothing else is served there)."""
    from prometheus_client import start_http_server

    m = metrics_of(app)
    if m is None:
        m = app.extensions["collab_metrics"] = Metrics(app)
    if m.listener is not None:
        return
    host, _, port = address.rpartition(":")
    m.listener = start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1", registry=m.registry)
    log.info("metrics on http://%s/metrics", address)


def init_metrics(app: Flask) -> None:
    setting = (app.config.get("METRICS") or "").strip().lower()
    if setting in ("", "off", "0", "no", "false"):
        return
    m = Metrics(app)
    app.extensions["collab_metrics"] = m
    if not event.contains(Session, "after_flush", _count_new_rows):
        event.listen(Session, "after_flush", _count_new_rows)

    @app.before_request
    def _start():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            endpoint = request.endpoint or "none"
            m.requests.labels(endpoint, request.method, str(response.status_code)).inc()
            m.latency.labels(endpoint, request.method).observe(time.perf_counter() - started)
        return response

    if setting in ("on", "1", "yes", "true"):
        def metrics_view():
            return Response(m.exposition(), mimetype=CONTENT_TYPE_LATEST)

        app.add_url_rule("/metrics", "ops_metrics", metrics_view)
    elif app.config.get("METRICS_LISTEN", True):
        start_listener(app, setting)
