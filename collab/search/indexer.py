"""The one index writer: drains the outbox in batches (a thread in the single-process default,
``collab indexer`` when several servers run), and rebuilds the index from the database."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import current_app, has_request_context
from sqlalchemy import delete, func, select
from whoosh.writing import CLEAR, LockError

from collab.db import read_intent, write_intent
from collab.extensions import db

from . import registry
from .outbox import SearchOutbox, changed

log = logging.getLogger(__name__)

BATCH = 500


def document_fields(st: registry.SearchType, obj) -> dict | None:
    if not has_request_context():  # documents carry url_for() paths; the indexer has no request
        with current_app.test_request_context("/"):
            return document_fields(st, obj)
    doc = st.to_document(obj)
    if doc is None:
        return None
    pk = db.inspect(obj).identity[0]
    community = doc.get("community")
    title = doc.get("title") or ""
    body = doc.get("body") or ""
    return {
        "id": registry.doc_id(st.name, pk),
        "type": st.name,
        "community": str(community) if community else "",
        "scope": doc.get("scope") or (f"community:{community}" if community else "site"),
        "title": title,
        "body": body[:100_000],
        "spell": f"{title} {body[:20_000]}",
        "author": (doc.get("author") or "").lower(),
        "tags": ",".join(doc.get("tags") or []),
        "created": _naive(doc.get("created")),
        "updated": _naive(doc.get("updated") or doc.get("created")),
        "url": doc.get("url") or "",
    }


def _naive(dt):
    return dt.replace(tzinfo=None) if dt is not None and dt.tzinfo is not None else dt


def _load(st: registry.SearchType, pks: list[str]) -> dict[str, object]:
    pk_col = db.inspect(st.model).primary_key[0]
    keys = [int(p) if p.isdigit() else p for p in pks]
    objs = db.session.scalars(select(st.model).where(pk_col.in_(keys))).all()
    return {str(db.inspect(o).identity[0]): o for o in objs}


def run_once(index, batch: int = BATCH) -> int:
    """Index one batch of outbox rows; returns how many rows were handled (0: nothing to do)."""
    with read_intent():
        rows = db.session.execute(
            select(SearchOutbox.id, SearchOutbox.doc_type, SearchOutbox.doc_pk).order_by(SearchOutbox.id).limit(batch)
        ).all()
        if not rows:
            db.session.rollback()
            return 0
        return _index_rows(index, rows)


def _index_rows(index, rows) -> int:
    wanted: dict[str, set[str]] = {}
    for _id, t, pk in rows:
        wanted.setdefault(t, set()).add(pk)
    writer = index.writer()
    try:
        for type_name, pks in wanted.items():
            st = registry.type_named(type_name)
            if st is None:
                continue
            loaded = _load(st, sorted(pks))
            for pk in pks:
                obj = loaded.get(pk)
                fields = document_fields(st, obj) if obj is not None else None
                if fields is None:
                    writer.delete_by_term("id", registry.doc_id(type_name, pk))
                else:
                    writer.update_document(**fields)
        writer.commit()
    except BaseException:
        writer.cancel()
        db.session.rollback()
        raise
    db.session.rollback()  # end the read transaction before writing
    # Only now, with the documents committed to the index, forget the rows.
    ids = [r[0] for r in rows]
    with write_intent():
        db.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(ids)))
        db.session.commit()
    return len(rows)


def drain(index, batch: int = BATCH) -> int:
    total = 0
    while True:
        n = run_once(index, batch)
        total += n
        if n < batch:
            return total


def backlog() -> int:
    return db.session.scalar(select(func.count(SearchOutbox.id))) or 0


def rebuild(index, progress: Callable[[int], None] | None = None) -> int:
    """Re-create every document from the database in one writer, replacing the old index."""
    writer = index.writer(timeout=120.0)
    count = 0
    try:
        with read_intent():
            for st in registry.types().values():
                for obj in st.load_all():
                    fields = document_fields(st, obj)
                    if fields is not None:
                        writer.add_document(**fields)
                        count += 1
                    if progress:
                        progress(1)
        writer.commit(mergetype=CLEAR)
    except BaseException:
        writer.cancel()
        raise
    finally:
        db.session.rollback()
    index.needs_rebuild = False
    index.problem = None
    return count


def total_objects() -> int:
    total = 0
    for st in registry.types().values():
        total += db.session.scalar(select(func.count()).select_from(st.model)) or 0
    return total


class IndexerThread:
    """Background indexer for the single-process default: wakes on commits, polls as a fallback."""

    def __init__(self, app, index, poll: float = 1.0):
        self.app = app
        self.index = index
        self.poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="collab-indexer", daemon=True)

    def start(self) -> IndexerThread:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        changed.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            changed.wait(self.poll)
            changed.clear()
            if self._stop.is_set():
                break
            with self.app.app_context():
                try:
                    self.index.ix  # open (and repair) before looking at needs_rebuild
                    if self.index.needs_rebuild:
                        rebuild(self.index)
                    drain(self.index)
                except LockError:
                    time.sleep(0.5)  # someone else (collab reindex) holds the writer: try later
                except Exception:
                    log.exception("search indexer batch failed; the rows stay queued")
                    time.sleep(1.0)
                finally:
                    db.session.remove()
