"""Page views, counted in memory and written in batches, never on the request path.

    analytics.record_view("blog_post:12", community_id, current_user)

adds one view to the process's buffer (a dictionary under a lock: no database work). A background
thread flushes the buffer every ``ANALYTICS_FLUSH_SECONDS`` (and at shutdown; tests call
:func:`flush`) in short write transactions of a few dozen pages each: views per (day, content
key) and per (day, scope), the tools' own view counters (through the registry), and
unique-visitor tokens. A token is a hash
of the day's random salt and the reader (user id, else a random id kept in the session), so it
identifies nobody; the salt is deleted when the day is counted. The reader's id lives only in
this process's memory for the few seconds until the flush.

Pages show ``stored count + pending_views(key)`` so a reader sees their view at once.
"""
from __future__ import annotations

import atexit
import hashlib
import logging
import secrets
import threading
import time
from collections import Counter
from datetime import date

from flask import current_app, has_request_context, request, session
from sqlalchemy import select

from collab.concurrency import cooperate
from collab.db import utcnow, write_intent
from collab.extensions import db

from . import registry
from .models import SITE, ContentDaily, ContentMonthly, DailyFigure, DailySalt, State, VisitorToken, scope_of
from .upsert import insert_ignore, upsert_add

log = logging.getLogger(__name__)
EXTENSION = "collab_analytics"
VISITORS_THROUGH = "visitors_through"  # the last day whose visitors are counted (an ordinal)
MONTHS_THROUGH = "months_through"  # the 1st of the last month summed into analytics_content_monthly


class Recorder:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.views: Counter = Counter()  # (day, key, community_id) -> n
        self.by_key: Counter = Counter()  # key -> n, buffered
        self.inflight: Counter = Counter()  # key -> n, being written
        self.visitors: set = set()  # (day, community_id, reader)
        self.flush_lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()

    # ------------------------------------------------------------------ recording

    def record(self, key: str, community_id: int | None, reader: str | None) -> None:
        day = utcnow().date()
        with self.lock:
            self.views[(day, key, community_id)] += 1
            self.by_key[key] += 1
            if reader:
                self.visitors.add((day, community_id, reader))

    def pending(self, key: str) -> int:
        with self.lock:
            return self.by_key.get(key, 0) + self.inflight.get(key, 0)

    # ------------------------------------------------------------------ flushing

    def flush(self) -> int:
        """Write what is buffered; return the number of views written.

        The views go in batches of ``FLUSH_KEYS`` pages, each its own short transaction, with a
        turn for the other greenlets between them (``cooperate``): under the gevent worker a
        flush of a busy few seconds was one 20-40 ms stretch that held every request of the
        process (the p99 of a page view). A batch that fails is kept, with those not yet
        written, for the next flush; the batches written stay written (each is whole: its
        views, their day's figures and the tools' counters together)."""
        with self.flush_lock:
            with self.lock:
                views, self.views = self.views, Counter()
                visitors, self.visitors = self.visitors, set()
                by_key, self.by_key = self.by_key, Counter()
                self.inflight.update(by_key)
            from collab.search import misses

            searches = misses.take(self.app)
            if not views and not visitors and not searches:
                return 0
            batches = _batches(views, visitors, searches)
            written = 0
            for i, (part, seen, searched) in enumerate(batches):
                if i:
                    cooperate()
                keys = Counter()
                for (_day, key, _cid), n in part.items():
                    keys[key] += n
                try:
                    self._write_batch(part, seen, searched)
                except Exception:
                    log.exception("analytics: flush failed; the counts are kept for the next one")
                    with self.lock:
                        for part, seen, searched in batches[i:]:
                            self.views.update(part)
                            self.visitors |= seen
                            for (_day, key, _cid), n in part.items():
                                self.by_key[key] += n
                                self.inflight[key] -= n
                            misses.give_back(searched, self.app)
                        self.inflight = +self.inflight
                    return written
                with self.lock:
                    self.inflight.subtract(keys)
                    self.inflight = +self.inflight
                written += sum(part.values())
            return written

    def _write_batch(self, views: Counter, visitors: set, searches: Counter) -> None:
        from collab.search import misses

        with self.app.app_context():
            try:
                with write_intent():
                    _write(views, visitors)
                    misses.write(searches)
                    db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    # ------------------------------------------------------------------ the thread

    def start(self) -> None:
        if self.thread is not None:
            return
        self.thread = threading.Thread(target=self._run, name="collab-analytics", daemon=True)
        self.thread.start()
        atexit.register(self.stop)

    def stop(self) -> None:
        self.stopping.set()
        try:
            self.flush()
        except Exception:  # noqa: BLE001 (shutting down: log and go)
            log.exception("analytics: final flush failed")

    def _run(self) -> None:
        from .rollup import SERVER_BATCH, SERVER_PAUSE, roll_up
        from .toplists import settled_through, warm

        every = float(self.app.config.get("ANALYTICS_FLUSH_SECONDS") or 5)
        rollup_every = float(self.app.config.get("ANALYTICS_ROLLUP_SECONDS") or 60)
        next_rollup = time.monotonic() + min(rollup_every, 10)
        settled = settled_through()
        while not self.stopping.wait(every):
            self.flush()
            # A round every minute, and one at once when yesterday settles (just after midnight),
            # so the snapshots move on before the day's first readers come.
            if time.monotonic() >= next_rollup or settled_through() != settled:
                next_rollup = time.monotonic() + rollup_every
                settled = settled_through()
                try:
                    roll_up(self.app, batch=SERVER_BATCH, pause=SERVER_PAUSE)
                    # Store the top lists requests computed; after midnight, move the recent
                    # ones a day on, so the first reader of the day finds them ready.
                    warm(self.app)
                except Exception:  # noqa: BLE001 (logged; the next round retries)
                    log.exception("analytics: roll-up failed")


FLUSH_KEYS = 40  # pages a flush writes per transaction: a few milliseconds of work
FLUSH_VISITORS = 400


def _batches(views: Counter, visitors: set, searches: Counter) -> list[tuple[Counter, set, Counter]]:
    """``views`` split by page into batches of ``FLUSH_KEYS`` keys (all of a key's days in one),
    the visitors in batches of ``FLUSH_VISITORS``; the search counts go with the first."""
    by_key: dict[str, Counter] = {}
    for k, n in views.items():
        by_key.setdefault(k[1], Counter())[k] = n
    keys = sorted(by_key)
    parts = []
    for start in range(0, len(keys), FLUSH_KEYS):
        part = Counter()
        for key in keys[start:start + FLUSH_KEYS]:
            part.update(by_key[key])
        parts.append(part)
    seen = list(visitors)
    groups = [set(seen[i:i + FLUSH_VISITORS]) for i in range(0, len(seen), FLUSH_VISITORS)]
    n = max(len(parts), len(groups), 1)
    parts += [Counter() for _ in range(n - len(parts))]
    groups += [set() for _ in range(n - len(groups))]
    return [(parts[i], groups[i], searches if i == 0 else Counter()) for i in range(n)]


def _salt(day: date) -> str:
    salt = db.session.scalar(select(DailySalt.salt).where(DailySalt.day == day))
    if salt is None:
        insert_ignore(DailySalt, [{"day": day, "salt": secrets.token_hex(32)}], ["day"])
        salt = db.session.scalar(select(DailySalt.salt).where(DailySalt.day == day))
    return salt


def visitor_token(salt: str, reader: str) -> str:
    return hashlib.sha256(f"{salt}:{reader}".encode()).hexdigest()[:32]


def _write(views: Counter, visitors: set) -> None:
    content = Counter()
    community_of: dict[str, int | None] = {}
    daily = Counter()
    for (day, key, cid), n in views.items():
        content[(day, key)] += n
        community_of[key] = cid
        daily[(day, SITE, None)] += n
        if cid is not None:
            daily[(day, scope_of(cid), cid)] += n
    if content:
        add_content([{"day": d, "key": k, "community_id": community_of[k], "views": n, "likes": 0}
                     for (d, k), n in sorted(content.items())], "views")
    if daily:
        upsert_add(DailyFigure, [{"day": d, "scope": s, "metric": "views", "community_id": c, "value": n}
                                 for (d, s, c), n in sorted(daily.items(), key=lambda x: (x[0][0], x[0][1]))],
                   ["day", "scope", "metric"], ["value"])
    if visitors:
        done = db.session.scalar(select(State.value).where(State.name == VISITORS_THROUGH)) or 0
        salts: dict[date, str] = {}
        rows = {}
        for day, cid, reader in visitors:
            if day.toordinal() <= done:
                continue  # that day is counted and its salt gone: the view still counts, not the visitor
            if day not in salts:
                salts[day] = _salt(day)
            token = visitor_token(salts[day], reader)
            rows[(day, SITE, token)] = None
            if cid is not None:
                rows[(day, scope_of(cid), token)] = cid
        if rows:
            insert_ignore(VisitorToken, [{"day": d, "scope": s, "token": t, "community_id": c}
                                         for (d, s, t), c in sorted(rows.items(), key=lambda x: x[0])],
                          ["day", "scope", "token"])
    # The tools' own counters, in the same transaction.
    by_type: dict[str, Counter] = {}
    for (_day, key, _cid), n in views.items():
        type_, _, pk = key.partition(":")
        if pk.isdigit():
            by_type.setdefault(type_, Counter())[int(pk)] += n
    for type_, counts in by_type.items():
        entry = registry.content(type_)
        if entry is not None and entry.apply_views is not None:
            entry.apply_views(dict(counts))


def add_content(rows: list[dict], column: str) -> None:
    """Add views or likes per (day, key); rows of a month already summed go to its sum too."""
    upsert_add(ContentDaily, rows, ["day", "key"], [column])
    through = db.session.scalar(select(State.value).where(State.name == MONTHS_THROUGH)) or 0
    late = Counter()
    community_of = {}
    for r in rows:
        month = r["day"].replace(day=1)
        if month.toordinal() <= through:
            late[(month, r["key"])] += r[column]
            community_of[r["key"]] = r["community_id"]
    if late:
        upsert_add(ContentMonthly, [{"month": m, "key": k, "community_id": community_of[k], "views": 0, "likes": 0,
                                     column: n} for (m, k), n in sorted(late.items())], ["month", "key"], [column])


# ---------------------------------------------------------------------- the interface


def recorder(app=None) -> Recorder:
    app = app or current_app._get_current_object()
    rec = app.extensions.get(EXTENSION)
    if rec is None:
        rec = app.extensions[EXTENSION] = Recorder(app)
    return rec


def _reader(viewer) -> str | None:
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        return f"u{viewer.id}"
    if isinstance(viewer, str) and viewer:
        return f"x{viewer}"
    if has_request_context():
        sid = session.get("_avid")
        if not sid:
            sid = session["_avid"] = secrets.token_hex(8)
        return f"s{sid}"
    return None


def record_view(key: str, community_id: int | None, viewer=None) -> None:
    """Count one view of ``key`` ("type:pk") in ``community_id`` (None: outside communities) by
    ``viewer`` (a user, or None for the session's reader). No database work."""
    if ":" not in key:
        raise ValueError(f"a content key is 'type:pk', got {key!r}")
    if has_request_context() and not _a_reading(request.headers):
        return
    recorder().record(key, community_id, _reader(viewer))


def _a_reading(headers) -> bool:
    """Whether the request is someone opening the page: not an ``<img>`` or ``<iframe>`` pointing
    at it from some content (every reader's browser would fetch it and count a view), not a
    prefetch. Browsers say so in Sec-Fetch-Dest and Sec-Purpose; other clients are counted."""
    dest = headers.get("Sec-Fetch-Dest")
    return (dest is None or dest == "document") and "prefetch" not in headers.get("Sec-Purpose", "")


def pending_views(key: str) -> int:
    """Views of ``key`` this process counted but has not written yet."""
    return recorder().pending(key)


def flush(app=None) -> int:
    return recorder(app).flush()


def init_app(app) -> None:
    rec = recorder(app)
    if float(app.config.get("ANALYTICS_FLUSH_SECONDS", 5) or 0) <= 0:
        return  # tests flush explicitly

    @app.before_request
    def _start_flusher():
        if rec.thread is None:
            with rec.lock:
                if rec.thread is None:
                    rec.start()
