"""Live co-editing, the storage side: the update log, compaction and the sweeper (wiki.live has
the documents themselves: cache, loading, syncing, saving as revisions).

The update log (``UpdateLog``): every update a browser sends is appended to ``wiki_live_updates``
before its sender's ack. Appends are committed in groups: the handler threads queue their rows;
one of them (the first to find nobody writing) writes everything queued in ONE transaction, and
the others wait for that commit, then answer their senders. Under load a transaction carries many
keystrokes (of any pages), so the database sees a few short write transactions a second instead of
one per keystroke, and on SQLite no handler queues for the write lock behind the others. A batch
that fails is retried row by row, so one bad row (a page deleted meanwhile) fails only its sender.

Compaction folds a page's rows into its state under the document row's lock; the sweeper saves
quiet documents as revisions and forgets idle ones.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, select, update

from collab.db import utcnow, write_intent
from collab.extensions import db

from . import live
from .models import WikiLiveDoc, WikiLiveUpdate

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- the update log


@dataclass(eq=False)
class Pending:
    page_id: int
    author_id: int | None
    data: bytes
    mark: bool  # also mark the document dirty (the quiet-period clock)
    id: int | None = None
    error: BaseException | None = None
    done: bool = False


class UpdateLog:
    """Group commit of live updates (one per process; see the module's docstring)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._queue: list[Pending] = []
        self._writing = False
        self.transactions = 0  # for the bench's figures
        self.rows = 0

    def append(self, page_id: int, author_id: int | None, data: bytes, *, mark: bool) -> int:
        """Store one update durably; returns its row id (raises what the write raised). Call
        from an app context with no transaction open: the writer uses its own session."""
        item = Pending(page_id, author_id, data, mark)
        with self._cond:
            self._queue.append(item)
            while self._writing and not item.done:
                self._cond.wait()
            if item.done:
                batch = None
            else:  # nobody writing: this thread writes everything queued, its own row included
                self._writing = True
                batch, self._queue = self._queue, []
        if batch is not None:
            try:
                self._write(batch)
            finally:
                with self._cond:
                    for it in batch:
                        it.done = True
                    self._writing = False
                    self._cond.notify_all()
        if item.error is not None:
            raise item.error
        return item.id

    def _write(self, batch: list[Pending]) -> None:
        try:
            self._commit(batch)
            return
        except Exception as e:  # noqa: BLE001 - retried one by one below, or handed to its sender
            db.session.rollback()
            if len(batch) == 1:
                batch[0].error = e
                return
        for it in batch:
            try:
                self._commit([it])
            except Exception as e:  # noqa: BLE001
                db.session.rollback()
                it.error = e

    def _commit(self, items: list[Pending]) -> None:
        with write_intent():
            now = utcnow()
            # One multi-row INSERT ... RETURNING (no unit of work: this runs for every keystroke).
            table = WikiLiveUpdate.__table__
            ids = db.session.execute(
                table.insert().returning(table.c.id, sort_by_parameter_order=True),
                [{"page_id": it.page_id, "author_id": it.author_id, "data": it.data, "created_at": now}
                 for it in items]).scalars().all()
            marked = sorted({it.page_id for it in items if it.mark})
            if marked:
                # Unsaved edits (the quiet-period clock): each page's row at most once a second.
                db.session.execute(update(WikiLiveDoc).where(
                    WikiLiveDoc.page_id.in_(marked),
                    or_(WikiLiveDoc.dirty.is_(False), WikiLiveDoc.last_edit_at.is_(None),
                        WikiLiveDoc.last_edit_at < now - timedelta(seconds=1)))
                    .values(dirty=True, last_edit_at=now), execution_options={"synchronize_session": False})
            db.session.commit()
        for it, row_id in zip(items, ids):
            it.id = row_id
        self.transactions += 1
        self.rows += len(items)


def update_log(app) -> UpdateLog:
    return app.extensions["wiki_live_log"]


# --------------------------------------------------------------------------- compaction


def doc_row(page_id: int, *, lock: bool = False) -> WikiLiveDoc | None:
    stmt = select(WikiLiveDoc).where(WikiLiveDoc.page_id == page_id).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    return db.session.scalars(stmt).one_or_none()


def ids_of(text: str) -> set[int]:
    return {int(x) for x in (text or "").split(",") if x.strip().isdigit()}


def fold(row: WikiLiveDoc, entry) -> tuple[list[int], set[int]]:
    """Fold the update rows into the state (the document row is locked and ``entry`` loaded
    under that lock): returns the folded row ids and their authors. Only the rows ``entry``
    has applied are deleted: an update committed meanwhile (appending takes no lock on the
    document row) stays, to be folded next time."""
    ids = sorted(entry.applied)
    rows = db.session.execute(select(WikiLiveUpdate.id, WikiLiveUpdate.author_id)
                              .where(WikiLiveUpdate.id.in_(ids))).all() if ids else []
    ids = [r[0] for r in rows]
    authors = {r[1] for r in rows if r[1] is not None}
    row.state = entry.doc.get_update()
    row.version = row.version + 1
    row.updated_at = utcnow()
    if ids:
        db.session.execute(delete(WikiLiveUpdate).where(WikiLiveUpdate.id.in_(ids)))
    return ids, authors


def compact(page_id: int) -> None:
    with write_intent():
        db.session.commit()
        row = doc_row(page_id, lock=True)
        if row is None:
            db.session.commit()
            return
        entry = live.load(page_id)
        with entry.lock:
            _ids_folded, authors = fold(row, entry)
            row.contributor_ids = ",".join(str(i) for i in sorted(ids_of(row.contributor_ids) | authors))
            db.session.commit()
            entry.version, entry.applied = row.version, set()


# --------------------------------------------------------------------------- the sweeper


def sweep(app, *, now=None) -> int:
    """Save documents quiet for WIKI_LIVE_QUIET_SECONDS; drop saved documents idle for
    WIKI_LIVE_IDLE_SECONDS and cached copies nobody used for a while. Returns revisions made."""
    from . import hooks

    now = now or utcnow()
    quiet = timedelta(seconds=app.config["WIKI_LIVE_QUIET_SECONDS"])
    made = 0
    with app.test_request_context("/", method="POST"):
        due = db.session.scalars(select(WikiLiveDoc.page_id).where(
            WikiLiveDoc.dirty.is_(True), WikiLiveDoc.last_edit_at <= now - quiet)).all()
        db.session.commit()
        for page_id in due:
            try:
                with write_intent():
                    row = doc_row(page_id)
                    if row is None or not row.dirty or (row.last_edit_at and row.last_edit_at > now - quiet):
                        db.session.commit()
                        continue
                    result = live.save(page_id)
                    if result is not None and result.revision is not None:
                        rev = result.revision
                        hooks.edited(rev.page, rev, rev.author, previous=result.previous)
                        made += 1
                    db.session.commit()
            except Exception:  # noqa: BLE001 - one page's trouble must not stop the others
                db.session.rollback()
                log.exception("saving live document %s failed", page_id)
        idle = timedelta(seconds=app.config["WIKI_LIVE_IDLE_SECONDS"])
        with write_intent():
            stale = db.session.scalars(select(WikiLiveDoc.page_id).where(
                WikiLiveDoc.dirty.is_(False), WikiLiveDoc.updated_at <= now - idle)).all()
            for page_id in stale:
                if db.session.scalar(select(WikiLiveUpdate.id).where(WikiLiveUpdate.page_id == page_id).limit(1)):
                    continue
                db.session.execute(delete(WikiLiveDoc).where(WikiLiveDoc.page_id == page_id,
                                                             WikiLiveDoc.dirty.is_(False)))
                app.extensions["wiki_live_cache"].drop(page_id)
            db.session.commit()
    app.extensions["wiki_live_cache"].evict_idle(max(60.0, app.config["WIKI_LIVE_QUIET_SECONDS"] * 4))
    return made


class Sweeper(threading.Thread):
    def __init__(self, app):
        super().__init__(name="wiki-live-sweeper", daemon=True)
        self.app = app
        self.stopping = threading.Event()

    def run(self):
        interval = max(0.2, min(5.0, self.app.config["WIKI_LIVE_QUIET_SECONDS"] / 4))
        while not self.stopping.wait(interval):
            try:
                sweep(self.app)
            except Exception:  # noqa: BLE001
                log.exception("wiki live sweeper")

    def stop(self):
        self.stopping.set()


_start_lock = threading.Lock()


def ensure_sweeper(app) -> None:
    """Start this process's sweeper on its first request or live event (so a process that only
    migrates, like `collab serve`'s master before it forks, never runs one)."""
    if app.config.get("WIKI_LIVE_SAVER", "thread") != "thread" or "wiki_live_sweeper" in app.extensions:
        return
    with _start_lock:
        if "wiki_live_sweeper" not in app.extensions:
            sweeper = Sweeper(app)
            app.extensions["wiki_live_sweeper"] = sweeper
            sweeper.start()
