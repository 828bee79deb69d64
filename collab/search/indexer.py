"""The one index writer: drains the outbox in batches (a thread in the single-process default,
``collab indexer`` when several servers run), and rebuilds the index from the database."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext

from flask import current_app, has_request_context
from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import undefer
from whoosh.writing import CLEAR, LockError

from collab.concurrency import cooperate, offload
from collab.db import read_intent, write_intent
from collab.extensions import db

from . import postings_store, registry
from .index import looks_damaged
from .outbox import SearchOutbox, changed, enqueue

log = logging.getLogger(__name__)

BATCH = 500
# Commits at most this often: rows that arrive meanwhile wait and go into the next batch (fewer,
# larger segments; a change is still searchable within about a second).
MIN_COMMIT_INTERVAL = 0.25

# Merging. Every commit writes a new segment; searching many segments is slower, and Whoosh's
# default policy (MERGE_SMALL) sometimes merges thousands of documents inside a commit, which then
# takes many seconds while new changes wait (merging costs about 5 ms a document). Here segments
# are grouped in tiers by size (1-5, 6-35, 36-215 ... documents: powers of MERGE_AT); MERGE_AT
# segments of one tier are merged into one of the next tier. A commit merges at most MERGE_BUDGET
# documents (about a second); bigger merges wait until the indexer has been idle
# IDLE_MERGE_AFTER seconds, or until there are more than MAX_SEGMENTS segments.
MERGE_AT = 6
MERGE_BUDGET = 250
MAX_SEGMENTS = 40
IDLE_MERGE_AFTER = 3.0


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
    if not pks:
        return {}
    pk_col = db.inspect(st.model).primary_key[0]
    keys = [int(p) if p.isascii() and p.isdigit() else p for p in pks]
    # Deferred columns (a person's bio ...) in the same query, not one query per document.
    objs = db.session.scalars(
        select(st.model).where(pk_col.in_(keys)).options(undefer("*"), *st.load_options)).all()
    return {str(db.inspect(o).identity[0]): o for o in objs}


class IndexBusy(LockError):
    """The writer lock could not be had in time (a LockError with a message for people)."""


def _select_rows(after: int, batch: int):
    return db.session.execute(
        select(SearchOutbox.id, SearchOutbox.doc_type, SearchOutbox.doc_pk)
        .where(SearchOutbox.id > after).order_by(SearchOutbox.id).limit(batch)
    ).all()


def run_once(index, batch: int = BATCH) -> int:
    """Index one batch of outbox rows (the oldest); returns how many rows it looked at
    (0: nothing to do)."""
    with read_intent():
        rows = _select_rows(0, batch)
        if not rows:
            db.session.rollback()
            return 0
        _index_rows(index, rows)
        return len(rows)


def _tier(n: int) -> int:
    tier, size = 0, MERGE_AT
    while n >= size:
        tier, size = tier + 1, size * MERGE_AT
    return tier


def merge_plan(segments, budget: float = MERGE_BUDGET) -> list:
    """The segments to merge into the commit's new segment (see MERGE_AT)."""
    tiers: dict[int, list] = {}
    for seg in segments:
        tiers.setdefault(_tier(seg.doc_count_all()), []).append(seg)
    if len(segments) > MAX_SEGMENTS:
        budget = float("inf")
    chosen: list = []
    spent = 0
    for _t, group in sorted(tiers.items()):
        empty = [seg for seg in group if seg.doc_count() == 0]  # wholly deleted: dropping them is free
        if len(group) < MERGE_AT:
            chosen += empty
            continue
        cost = sum(seg.doc_count() for seg in group)
        if spent + cost > budget:
            chosen += empty
            break
        chosen += group
        spent += cost
    return chosen


def merge_policy(budget: float = MERGE_BUDGET):
    """A Whoosh ``mergetype``: merge what ``merge_plan`` picks, keep the other segments."""

    def policy(writer, segments):
        from whoosh.reading import SegmentReader

        chosen = merge_plan(segments, budget)
        ids = {seg.segment_id() for seg in chosen}
        for seg in chosen:
            reader = SegmentReader(writer.storage, writer.schema, seg)
            writer.add_reader(reader)
            reader.close()
        return [seg for seg in segments if seg.segment_id() not in ids]

    return policy


def merge_idle(index) -> bool:
    """The merges too big for a commit on the way (the indexer is idle); True if it merged."""
    writer = index.writer(timeout=0.0)
    try:
        if not merge_plan(writer.segments, float("inf")):
            writer.cancel()
            return False
        offload(writer.commit, mergetype=merge_policy(float("inf")))
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    return True


def keep_postings(index, builds: postings_store.Builds | None = None) -> int:
    """Lay out the postings of the big segments that are not yet (collab.search.postings_store),
    each in a process of its own; how many segments were done. A segment merged away meanwhile
    is skipped (its arrays would be deleted with it anyway); once ``builds`` is stopped, no
    more are started."""
    postings_store.remove_abandoned(index.path)
    now = time.monotonic()
    segments = [seg for seg in postings_store.big_segments(index.ix)
                if _lay_out_failed.get(seg.segment_id(), (0, 0.0))[1] <= now
                and seg.segment_id() not in _nothing_to_keep]
    if all(postings_store.has_arrays(index.path, seg.segment_id()) for seg in segments):
        return 0
    wanted = {seg.segment_id() for seg in segments}
    done = 0
    searcher = index.ix.searcher()
    try:
        for reader in postings_store.missing(searcher):
            segment_id = reader.segment().segment_id()
            if segment_id not in wanted:
                continue
            try:
                started = time.monotonic()
                if postings_store.lay_out(reader, builds):
                    postings_store.forget(reader)
                    done += 1
                    log.info("search: postings of segment %s (%d documents) laid out in %.1f s",
                             segment_id, reader.doc_count_all(), time.monotonic() - started)
                else:
                    _nothing_to_keep.add(segment_id)
            except postings_store.Stopped:
                log.info("search: laying out the postings of segment %s was stopped", segment_id)
                break
            except FileNotFoundError:
                log.info("search: segment %s merged away while its postings were laid out", segment_id)
            except Exception:  # searching goes on through Whoosh's own postings: never the index's problem
                failures = _lay_out_failed.get(segment_id, (0, 0.0))[0] + 1
                _lay_out_failed[segment_id] = (failures, time.monotonic() + min(3600.0, 60.0 * 2 ** failures))
                log.exception("search: the postings of segment %s could not be laid out (attempt %d)",
                              segment_id, failures)
    finally:
        searcher.close()
    return done


# segment id -> (failed attempts, not again before this time.monotonic()): a build that failed (a
# full disk) is not retried after every commit.
_lay_out_failed: dict[str, tuple[int, float]] = {}
_nothing_to_keep: set[str] = set()  # segments without a posting list long enough to keep


def _index_rows(index, rows) -> int:
    """Index the documents the rows name, in one Whoosh commit, then delete those rows.

    Returns how many rows were deleted. A document whose ``to_document`` raises is left out and
    its rows stay queued (retried later, with a growing pause, see ``_retry_later``), so one bad
    object cannot stop the indexing of everything behind it. Anything else that goes wrong
    (the writer, the commit, the process dying) leaves every row of the batch in the outbox.
    """
    wanted: dict[str, set[str]] = {}
    for _id, t, pk in rows:
        wanted.setdefault(t, set()).add(pk)
    held: set[tuple[str, str]] = set()
    now = time.monotonic()
    writer = index.writer()
    try:
        with _url_context():
            _fill(index, writer, wanted, held, now)
        offload(writer.commit, mergetype=merge_policy())  # Whoosh's commit (and merges) off the gevent hub
    except BaseException:
        writer.cancel()
        db.session.rollback()
        raise
    db.session.rollback()  # end the read transaction before writing
    # Only now, with the documents committed to the index, forget the rows.
    ids = [r[0] for r in rows if (r[1], r[2]) not in held]
    if ids:
        with write_intent():
            db.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(ids)))
            db.session.commit()
    return len(ids)


def _url_context():
    """Documents carry url_for() paths: one request context for a whole batch (not one per
    document) when the indexer runs outside a request."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context("/")


def _fill(index, writer, wanted: dict[str, set[str]], held: set, now: float) -> None:
    for type_name, pks in wanted.items():
        if type_name == registry.PURGE_COMMUNITY:
            for pk in pks:
                writer.delete_by_term("community", pk)
            continue
        st = registry.type_named(type_name)
        if st is None:
            continue  # a type no longer installed: nothing to index, the rows go
        due = {pk for pk in pks if index.failures.get((type_name, pk), (0, 0.0))[1] <= now}
        held.update((type_name, pk) for pk in pks - due)
        loaded = _load(st, sorted(due))
        for pk in sorted(due):
            obj = loaded.get(pk)
            try:
                fields = document_fields(st, obj) if obj is not None else None
            except SQLAlchemyError:
                raise  # the database, not this document: the whole batch waits
            except Exception:
                log.exception("search: could not make the document %s:%s; it stays queued", type_name, pk)
                _retry_later(index, (type_name, pk))
                held.add((type_name, pk))
                continue
            index.failures.pop((type_name, pk), None)
            if fields is None:
                writer.delete_by_term("id", registry.doc_id(type_name, pk))
            else:
                writer.update_document(**fields)
            cooperate()  # gevent worker: a big batch must not hold every socket up


def _retry_later(index, key: tuple[str, str]) -> None:
    count = index.failures.get(key, (0, 0.0))[0] + 1
    index.failures[key] = (count, time.monotonic() + min(300.0, 2.0 ** count))


def drain(index, batch: int = BATCH) -> int:
    """One pass over the outbox, oldest first, in batches; returns how many rows were indexed.

    Rows queued while it runs are picked up too; rows of documents that failed stay behind and
    do not hold up the rest."""
    total = 0
    after = 0
    while True:
        with read_intent():
            rows = _select_rows(after, batch)
            if not rows:
                db.session.rollback()
                return total
            total += _index_rows(index, rows)
        after = rows[-1][0]
        if len(rows) < batch:
            return total


def backlog() -> int:
    return db.session.scalar(select(func.count(SearchOutbox.id))) or 0


def rebuild(index, progress: Callable[[int], None] | None = None, timeout: float = 120.0) -> int:
    """Re-create every document from the database in one writer, replacing the old index.

    Waits up to ``timeout`` seconds for the writer lock (another rebuild, an indexer batch), then
    raises LockError (IndexBusy). Outbox rows already committed when it starts are covered and
    deleted; later ones are left for the indexer. A document that cannot be built is logged and
    queued again rather than failing the whole rebuild.
    """
    try:
        writer = index.writer(timeout=timeout)
    except LockError:
        raise IndexBusy(
            f"another process kept the search index locked for {timeout:g} seconds (a server's indexer, "
            "`collab indexer` or another `collab reindex`); try again when it has finished"
        ) from None
    identity = index.current_identity()
    count = 0
    covered: list[int] = []
    failed: dict[str, list[str]] = {}
    try:
        with read_intent(), _url_context():
            # Outbox rows committed before the reads below are covered by this rebuild.
            covered = list(db.session.scalars(select(SearchOutbox.id)))
            for st in registry.types().values():
                for obj in st.load_all():
                    try:
                        fields = document_fields(st, obj)
                    except Exception:
                        pk = str(db.inspect(obj).identity[0])
                        log.exception("search: could not make the document %s:%s; it is queued again", st.name, pk)
                        failed.setdefault(st.name, []).append(pk)
                        fields = None
                    if fields is not None:
                        writer.add_document(**fields)
                        count += 1
                    if progress:
                        progress(1)
                    cooperate()
        offload(writer.commit, mergetype=CLEAR)
    except BaseException:
        writer.cancel()
        raise
    finally:
        db.session.rollback()
    index.mark_rebuilt(identity)
    index.failures.clear()
    with write_intent():
        for i in range(0, len(covered), 1000):
            db.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(covered[i:i + 1000])))
        for type_name, pks in failed.items():  # the indexer tries these again
            enqueue(type_name, pks)
        db.session.commit()
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
        # Laying out a big segment's postings takes minutes: its own thread, so the outbox keeps
        # being drained meanwhile.
        self._lay_out = threading.Event()
        self._builds = postings_store.Builds()
        self._postings = threading.Thread(target=self._run_postings, name="collab-postings", daemon=True)

    def start(self) -> IndexerThread:
        self._thread.start()
        self._postings.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        changed.set()
        self._lay_out.set()
        self._builds.stop()
        self._thread.join(timeout)
        self._postings.join(timeout)

    def _run_postings(self) -> None:
        while not self._stop.is_set():
            self._lay_out.wait()
            self._lay_out.clear()
            if self._stop.is_set():
                break
            with self.app.app_context():
                try:
                    keep_postings(self.index, self._builds)
                except Exception:  # never the index's problem: searching reads Whoosh's postings
                    log.exception("search: laying out postings failed")
                finally:
                    db.session.remove()

    def _run(self) -> None:
        failures = 0
        last_commit = 0.0
        last_rows = time.monotonic()
        merged_since = True  # nothing to merge at start-up until rows come
        laid_out = None  # the index generation whose big segments have their postings laid out
        while not self._stop.is_set():
            changed.wait(self.poll)
            changed.clear()
            if self._stop.is_set():
                break
            wait = last_commit + MIN_COMMIT_INTERVAL - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                break
            with self.app.app_context():
                try:
                    self.index.ensure()  # reopen (and repair) a vanished or replaced folder
                    if self.index.needs_rebuild:
                        rebuild(self.index)
                    if drain(self.index):
                        last_commit = last_rows = time.monotonic()
                        merged_since = False
                    elif not merged_since and time.monotonic() - last_rows >= IDLE_MERGE_AFTER:
                        merge_idle(self.index)
                        merged_since = True
                    generation = self.index.ix.latest_generation()
                    if generation != laid_out:
                        self._lay_out.set()  # the postings thread looks at the new segments
                        laid_out = generation
                    failures = 0
                except LockError:
                    self._stop.wait(0.5)  # someone else (collab reindex) holds the writer: try later
                except Exception as e:
                    failures += 1
                    log.exception("search indexer batch failed; the rows stay queued")
                    try:
                        if failures >= 2 and looks_damaged(e):
                            self.index.condemn(e)  # the same damage twice: start over from the database
                        else:
                            self.index.recover(e)  # look again; a broken index is moved aside
                    except Exception:
                        log.exception("search index could not be reopened")
                    self._stop.wait(min(30.0, float(failures)))
                finally:
                    db.session.remove()
