"""/readyz for load balancers, and the clean 503 page when the database cannot be reached.

/healthz (collab.home) only says the process answers. /readyz says whether it can do its work:
the database answers, Redis answers (when configured), the search index opens, and the indexer
keeps up (outbox backlog below COLLAB_READY_MAX_BACKLOG). 200 or 503, with a JSON body naming
each check.
"""
from __future__ import annotations

import logging
import time

from flask import Blueprint, Flask, current_app, request
from flask_babel import force_locale
from sqlalchemy import exc, text

from collab.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__, template_folder="templates")


def _check(fn) -> dict:
    started = time.perf_counter()
    try:
        extra = fn() or {}
        result = {"ok": True, **extra}
    except Exception as e:  # every failure is an answer, never a crash of the probe
        result = {"ok": False, "error": f"{type(e).__name__}: {str(e).strip().splitlines()[0][:200] if str(e).strip() else ''}"}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database():
    try:
        db.session.execute(text("SELECT 1"))
    finally:
        db.session.rollback()


def _redis_url() -> str | None:
    cfg = current_app.config
    return cfg.get("SOCKETIO_MESSAGE_QUEUE") or cfg.get("REDIS_URL")


def _redis():
    import redis

    client = current_app.extensions.get("collab_ready_redis")
    if client is None:
        client = redis.Redis.from_url(_redis_url(), socket_timeout=1.0, socket_connect_timeout=1.0)
        current_app.extensions["collab_ready_redis"] = client
    client.ping()


def _index():
    index = current_app.extensions["collab_search"]
    index.ensure()
    return {"documents": index.doc_count()}


def _backlog():
    from collab.search.indexer import backlog

    limit = int(current_app.config.get("READY_MAX_BACKLOG", 1000))
    try:
        waiting = backlog()
    finally:
        db.session.rollback()
    if waiting > limit:
        raise RuntimeError(f"{waiting} changes wait to be indexed (limit {limit}): is the indexer running?")
    return {"backlog": waiting, "limit": limit}


@bp.route("/readyz")
def readyz():
    checks = {"database": _check(_database)}
    if _redis_url():
        checks["redis"] = _check(_redis)
    checks["index"] = _check(_index)
    if checks["database"]["ok"]:
        checks["indexer"] = _check(_backlog)
    else:
        checks["indexer"] = {"ok": False, "error": "the database is not reachable"}
    ready = all(c["ok"] for c in checks.values())
    return {"status": "ready" if ready else "unavailable", "checks": checks}, 200 if ready else 503


def _locale_from_header() -> str:
    for lang, _q in request.accept_languages:
        if lang.lower().startswith("zh"):
            return "zh_Hans"
        if lang.lower().startswith("en"):
            return "en"
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def database_unavailable(e):
    """The database went away (restart, failover, network): a clean 503 page, and the pool
    recovers by itself (pool_pre_ping replaces dead connections at the next checkout)."""
    log.warning("database unavailable: %s", str(e.orig if getattr(e, "orig", None) else e).strip().splitlines()[0])
    try:
        db.session.rollback()
    except Exception:
        pass
    try:
        db.session.remove()
    except Exception:
        pass
    from .metrics import metrics_of

    m = metrics_of()
    if m is not None:
        m.db_unavailable.inc()
    headers = {"Retry-After": "5", "Cache-Control": "no-store"}
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": "database_unavailable", "retry_after": 5}, 503, headers
    # The page must not touch the database again: no signed-in user, no base layout, and no
    # context processors (render_template would run them; they ask for the current user).
    with force_locale(_locale_from_header()):
        page = current_app.jinja_env.get_template("ops/unavailable.html").render()
    return page, 503, headers


def _end_session(_exc=None) -> None:
    """End the request's session; a connection the database dropped meanwhile (a restart) must
    not turn a finished answer into a 500. Runs before Flask-SQLAlchemy's own teardown (teardowns
    run in reverse order), which then finds nothing left to do."""
    try:
        db.session.remove()
    except Exception as e:
        log.warning("database connection lost at the end of a request: %s", str(e).strip().splitlines()[0][:200])
        try:
            db.session.registry.clear()
        except Exception:
            pass


def init_health(app: Flask) -> None:
    app.register_blueprint(bp)
    app.teardown_appcontext(_end_session)
    app.register_error_handler(exc.OperationalError, database_unavailable)
    app.register_error_handler(exc.InterfaceError, database_unavailable)
