"""Request ids on every request and response, and structured JSON logs when asked
(COLLAB_LOG_FORMAT=json): one object a line with time, level, logger, message and request_id, plus
an access line per request (method, path, status, duration)."""
from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
access_log = logging.getLogger("collab.access")


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(process)d",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


def configure_logging(fmt: str, level: str = "INFO") -> None:
    """Route the root logger (and gunicorn's, Socket.IO's) through one stderr handler.

    ``fmt``: "json" or "text". Called by `collab serve` / `collab indexer` and by create_app when
    COLLAB_LOG_FORMAT is set, never by tests that merely build an app.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(name)s] [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):  # e.g. the console handler Alembic's logging config left behind
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries that install their own stderr handler would print every line twice (and not as JSON).
    for name in ("gunicorn.error", "socketio.server", "engineio.server"):
        lib = logging.getLogger(name)
        for old in list(lib.handlers):
            lib.removeHandler(old)
        lib.propagate = True
        if lib.level == logging.NOTSET or lib.level < logging.ERROR:
            lib.setLevel(logging.ERROR if name != "gunicorn.error" else logging.INFO)


def init_logs(app: Flask) -> None:
    fmt = (app.config.get("LOG_FORMAT") or "").lower()
    if fmt in ("json", "text") and not app.testing:
        configure_logging(fmt, app.config.get("LOG_LEVEL") or "INFO")
    app.extensions["collab_access_log"] = fmt == "json" or bool(app.config.get("ACCESS_LOG"))

    @app.before_request
    def _request_id():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _stamp(response):
        rid = g.get("request_id")
        if rid:
            response.headers.setdefault(REQUEST_ID_HEADER, rid)
        if app.extensions.get("collab_access_log") and not request.path.startswith("/static/"):
            started = g.get("request_started")
            access_log.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={"method": request.method, "path": request.path, "status": response.status_code,
                       "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                       "remote": request.headers.get("X-Real-IP") or request.remote_addr},
            )
        return response
