"""Run the app under gunicorn, one worker process (Flask-SocketIO's supported shape).

Two worker kinds:

- ``gevent`` (the default): one hub, a greenlet per connection. Thousands of WebSockets cost a
  few kB each, not two OS threads each. The standard library is monkey-patched by gunicorn's
  gevent worker *before* the app is imported, which matters: psycopg picks its (cooperative or
  blocking) wait function at import time, and locks created at import time must be greenlet
  locks. So the master that ran the migrations (and imported the whole app) does not fork the
  worker: it execs a fresh interpreter (``python -m collab.server``) whose master imports only
  gunicorn; the worker patches, then builds the app.
- ``gthread`` (``--worker gthread``): a thread per connection (plus simple-websocket's reader
  thread per WebSocket); fine for a few hundred live sockets, and slower per request (gunicorn's
  hand-off of each keep-alive connection between its threads).
"""
from __future__ import annotations

import argparse
import functools
import os
import sys

from gunicorn.app.base import BaseApplication

WORKERS = ("gthread", "gevent")

# The longest request line (GET /search?q=... HTTP/1.1) served. The search box takes 2,000
# characters, 18 kB as percent-encoded Chinese, and a link may carry more (the app reads the first
# 2,000 and searches the first 500, saying so). gunicorn refuses lines over its
# ``limit_request_line``, which it caps at 8,190 bytes (0 would mean no limit at all, letting one
# connection send a line as long as it likes): its cap is raised to this bound.
MAX_REQUEST_LINE = 64 * 1024


def N_(message: str) -> str:  # marks a message for the catalog; translated where it is shown
    return message


TOO_LONG = N_("This web address is too long (over %(kb)d kB). Go back and search with fewer words.")


@functools.cache
def too_long_page() -> bytes:
    """What a request line over MAX_REQUEST_LINE gets (before any request, so in every language
    the site has, from the compiled catalogs)."""
    import html
    from pathlib import Path

    from babel.support import Translations

    folder = Path(__file__).parent / "translations"
    texts = [TOO_LONG % {"kb": MAX_REQUEST_LINE // 1024}]
    for locale in sorted(p.name for p in folder.iterdir() if (p / "LC_MESSAGES").is_dir()):
        text = Translations.load(str(folder), [locale]).gettext(TOO_LONG) % {"kb": MAX_REQUEST_LINE // 1024}
        if text not in texts:
            texts.append(text)
    body = "".join(f"<p>{html.escape(t)}</p>" for t in texts)
    page = (f'<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>414</title></head>'
            f'<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; '
            f'padding: 0 1rem; line-height: 1.5">{body}</body></html>').encode()
    return (b"HTTP/1.1 414 URI Too Long\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: %d\r\n\r\n" % len(page)) + page


def worker_class(kind: str) -> type:
    """gunicorn's worker of that kind, answering a too long request line with ``too_long_page``."""
    from gunicorn import util
    from gunicorn.http.errors import LimitRequestLine
    from gunicorn.http import message

    if kind == "gevent":
        from gunicorn.workers.ggevent import GeventWorker as base
    elif kind == "gthread":
        from gunicorn.workers.gthread import ThreadWorker as base
    else:
        raise ValueError(f"unknown worker {kind!r}: choose one of {', '.join(WORKERS)}")
    message.MAX_REQUEST_LINE = max(message.MAX_REQUEST_LINE, MAX_REQUEST_LINE)

    class Worker(base):
        def handle_error(self, req, client, addr, exc):
            if not isinstance(exc, LimitRequestLine):
                return super().handle_error(req, client, addr, exc)
            self.log.warning("Invalid request from ip=%s: %s", addr[0], exc)
            try:
                util.write_nonblock(client, too_long_page())
            except Exception:
                self.log.debug("Failed to send error message.")

    Worker.__name__ = Worker.__qualname__ = f"Collab{base.__name__}"
    return Worker


def sign_in_hint(url: str) -> str:
    from sqlalchemy import func, select

    from collab.accounts.models import User
    from collab.extensions import db

    try:
        first_run = db.session.scalar(select(func.count(User.id))) == 0
    finally:
        # Outside a request every transaction takes SQLite's write lock: never keep it open.
        db.session.remove()
    if first_run:
        return f"First run: open {url}/register - the first account registered becomes the site admin."
    return f"Sign in at {url}/login (or create an admin with: collab create-admin)."


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Built in the worker after the fork (and, for gevent, after monkey-patching), so no
        # database connection crosses processes and every lock and socket is cooperative.
        from collab.app import create_app
        from collab.concurrency import take_turns

        app = create_app()
        app.wsgi_app = take_turns(app.wsgi_app)
        tune_gc()
        return app


# Python's default (700, 10, 10) runs a young collection every 700 allocations and a full one every
# few seconds under load; with a thousand live sockets a full collection walked 400,000 objects
# and held the whole process for 200 ms (chat p99 0.6-0.8 s at 100 messages/s). Young collections
# every 50,000 allocations find most of the request's cyclic garbage in one pass, and full ones
# come about every 20 x 100 of them.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc(thresholds: tuple[int, int, int] = GC_THRESHOLDS) -> None:
    """Once the app is built: what start-up made stays (moved out of the collector's sight with
    gc.freeze), and collections come less often (see GC_THRESHOLDS). COLLAB_GC_THRESHOLDS="a,b,c"
    overrides the thresholds; "default" keeps Python's."""
    import gc

    setting = os.environ.get("COLLAB_GC_THRESHOLDS", "").strip()
    if setting == "default":
        return
    if setting:
        thresholds = tuple(int(x) for x in setting.split(","))
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def gunicorn_options(host: str, port: int, worker: str = "gevent", threads: int = 100,
                     connections: int = 10000) -> dict:
    options = {
        "bind": _bind(host, port),
        "workers": 1,
        "timeout": 120,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "collab",
        "limit_request_line": MAX_REQUEST_LINE,
        "worker_class": worker_class(worker),
    }
    if worker == "gevent":
        # Each open connection (a WebSocket too) is one greenlet; past this gunicorn stops accepting.
        options.update(worker_connections=connections)
    else:
        options.update(threads=threads)
    return options


def run_server(host: str, port: int, threads: int = 100, worker: str = "gevent",
               connections: int = 10000) -> None:
    """Serve until stopped. For gevent this replaces the calling process (same pid)."""
    if worker == "gevent":
        sys.stdout.flush()
        sys.stderr.flush()
        argv = [sys.executable, "-m", "collab.server", "--host", host, "--port", str(port),
                "--worker", "gevent", "--connections", str(connections)]
        os.execv(sys.executable, argv)
    _Server(gunicorn_options(host, port, worker, threads, connections)).run()


def main(argv: list[str] | None = None) -> None:
    """``python -m collab.server``: gunicorn alone (``collab serve`` migrates first, then calls this)."""
    p = argparse.ArgumentParser(prog="python -m collab.server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--worker", choices=WORKERS, default="gevent")
    p.add_argument("--threads", type=int, default=100)
    p.add_argument("--connections", type=int, default=10000)
    args = p.parse_args(argv)
    sys.argv = sys.argv[:1]  # gunicorn's own option parser must not see ours
    _Server(gunicorn_options(args.host, args.port, args.worker, args.threads, args.connections)).run()


if __name__ == "__main__":
    main()
