"""Live co-editing: the shared text of a page as a CRDT (Yjs in the browser, pycrdt here).

Storage (the truth): ``wiki_live_docs`` holds a page's compacted Yjs state and
``wiki_live_updates`` the updates acknowledged since, append-only. An update is acknowledged only
after its row is committed, so a restart loses nothing acknowledged. Every COMPACT_EVERY updates,
and at every save, the updates are folded into the state (under the document row's lock) and
their rows deleted; ``version`` goes up so other processes reload the state.

Cache: each server process keeps the documents its sockets use in memory (``Entry``) and brings
them up to date from the database when it needs the whole document (a browser syncing, a save):
the rows it has not applied yet, or the new state after a compaction. Applying an update twice
changes nothing (CRDT), so a cache that saw an update already is never harmed. Several processes
sharing Redis as the Socket.IO queue each append, broadcast to the page's room and refresh.

Revisions: the document becomes a wiki revision on an explicit save and, by the sweeper, after
WIKI_LIVE_QUIET_SECONDS without edits; the people whose updates went into it are its contributors.
A save through the plain form while a document exists is merged into the document (three-way
against the revision the form started from, applied as CRDT operations), never dropped.
"""
from __future__ import annotations

import base64
import difflib
import logging
import secrets
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from pycrdt import Doc, Text
from sqlalchemy import delete, or_, select, update

from collab.db import utcnow, write_intent
from collab.extensions import db

from .diffing import merge, normalise
from .models import (
    BODY_MAX,
    EDIT,
    MERGE,
    WikiLiveDoc,
    WikiLiveUpdate,
    WikiPage,
    WikiRevisionContributor,
)

log = logging.getLogger(__name__)

TEXT = "body"  # the name of the shared Y.Text in every page's document
COMPACT_EVERY = 200  # updates appended before they are folded into the state


class UpdateRefused(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --------------------------------------------------------------------------- the cache


@dataclass
class Entry:
    """One process's copy of a page's document."""

    doc: Doc
    generation: str
    version: int
    applied: set[int] = field(default_factory=set)  # update rows applied since ``version``'s state
    lock: threading.RLock = field(default_factory=threading.RLock)
    used: float = field(default_factory=time.monotonic)
    marked: float = 0.0  # when this process last marked the document dirty (monotonic)

    @property
    def text(self) -> Text:
        return self.doc.get(TEXT, type=Text)

    def string(self) -> str:
        return str(self.text)


class Cache:
    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[int, Entry] = {}

    def get(self, page_id: int) -> Entry | None:
        with self._lock:
            entry = self._entries.get(page_id)
        if entry is not None:
            entry.used = time.monotonic()
        return entry

    def put(self, page_id: int, entry: Entry) -> None:
        with self._lock:
            self._entries[page_id] = entry

    def drop(self, page_id: int) -> None:
        with self._lock:
            self._entries.pop(page_id, None)

    def evict_idle(self, seconds: float) -> int:
        cutoff = time.monotonic() - seconds
        with self._lock:
            idle = [p for p, e in self._entries.items() if e.used < cutoff]
            for p in idle:
                del self._entries[p]
        return len(idle)

    def __len__(self) -> int:
        return len(self._entries)


def cache() -> Cache:
    return current_app.extensions["wiki_live_cache"]


def _new_doc(state: bytes | None = None) -> Doc:
    doc = Doc()
    doc.get(TEXT, type=Text)
    if state:
        doc.apply_update(state)
    return doc


# --------------------------------------------------------------------------- loading


def doc_row(page_id: int, *, lock: bool = False) -> WikiLiveDoc | None:
    stmt = select(WikiLiveDoc).where(WikiLiveDoc.page_id == page_id).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    return db.session.scalars(stmt).one_or_none()


def ensure(page: WikiPage) -> WikiLiveDoc:
    """The page's live document, seeded from its current text when there is none (call in a
    writing transaction; the page row is locked first, so two processes never seed twice)."""
    row = doc_row(page.id)
    if row is not None:
        return row
    from .services import _lock_page

    locked = _lock_page(page.id)
    row = doc_row(page.id)
    if row is not None:
        return row
    doc = _new_doc()
    doc.get(TEXT, type=Text).insert(0, locked.body or "")
    row = WikiLiveDoc(page_id=page.id, generation=secrets.token_hex(8), state=doc.get_update(), version=0,
                      synced_number=locked.revision_number, dirty=False, contributor_ids="")
    db.session.add(row)
    db.session.flush()
    return row


def load(page_id: int) -> Entry | None:
    """This process's copy of the document, brought up to date with the database."""
    entry = cache().get(page_id)
    for _attempt in range(5):
        head = db.session.execute(select(WikiLiveDoc.generation, WikiLiveDoc.version)
                                  .where(WikiLiveDoc.page_id == page_id)).one_or_none()
        if head is None:
            cache().drop(page_id)
            return None
        generation, version = head
        if entry is None or entry.generation != generation:
            state = db.session.scalar(select(WikiLiveDoc.state).where(WikiLiveDoc.page_id == page_id))
            entry = Entry(doc=_new_doc(state), generation=generation, version=version)
        with entry.lock:
            if entry.version != version:
                state = db.session.scalar(select(WikiLiveDoc.state).where(WikiLiveDoc.page_id == page_id))
                entry.doc.apply_update(state)
                entry.version, entry.applied = version, set()
            ids = db.session.scalars(select(WikiLiveUpdate.id).where(WikiLiveUpdate.page_id == page_id)
                                     .order_by(WikiLiveUpdate.id)).all()
            missing = [i for i in ids if i not in entry.applied]
            if missing:
                for uid, data in db.session.execute(select(WikiLiveUpdate.id, WikiLiveUpdate.data)
                                                    .where(WikiLiveUpdate.id.in_(missing))
                                                    .order_by(WikiLiveUpdate.id)):
                    entry.doc.apply_update(data)
                    entry.applied.add(uid)
        # A compaction between the reads above would hide folded rows: read again if one ran.
        again = db.session.scalar(select(WikiLiveDoc.version).where(WikiLiveDoc.page_id == page_id))
        if again == version:
            cache().put(page_id, entry)
            return entry
    cache().drop(page_id)
    raise RuntimeError(f"live document {page_id} keeps changing under the reader")


def sync_answer(page: WikiPage, state_vector: bytes | None, generation: str | None) -> dict:
    """What a browser needs to catch up: the updates it lacks (or the whole document when its
    copy belongs to another generation) and the server's state vector (to send what it has)."""
    ensure_sweeper(current_app._get_current_object())
    ensure(page)
    db.session.commit()
    entry = load(page.id)
    with entry.lock:
        reset = generation != entry.generation
        if reset or not state_vector:
            diff = entry.doc.get_update()
        else:
            try:
                diff = entry.doc.get_update(state_vector)
            except ValueError:
                raise UpdateRefused("invalid") from None
        return {"generation": entry.generation, "update": diff, "sv": entry.doc.get_state(), "reset": reset}


def initial_state(page: WikiPage) -> tuple[str, bytes, str]:
    """(generation, whole state, text) for the edit page to start from (seeding if needed)."""
    ensure(page)
    db.session.commit()
    entry = load(page.id)
    with entry.lock:
        return entry.generation, entry.doc.get_update(), entry.string()


# --------------------------------------------------------------------------- updates


def check_update(data) -> bytes:
    """Refuse what is not a Yjs update of an acceptable size (raises UpdateRefused)."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes) or not data:
        raise UpdateRefused("invalid")
    if len(data) > current_app.config["WIKI_UPDATE_MAX_BYTES"]:
        raise UpdateRefused("too_large")
    try:
        _new_doc().apply_update(data)  # decodes it, without touching any real document
    except Exception:  # noqa: BLE001 - pycrdt says ValueError; anything else is as malformed
        raise UpdateRefused("invalid") from None
    return data


_sqlite_writer = threading.Lock()


def _writer():
    """On SQLite, this process's update writes queue on a lock of their own: SQLite's busy
    handler makes a waiting writer sleep in growing steps (up to 100 ms), which many concurrent
    keystrokes turn into long delays; a lock hands the database over at once. PostgreSQL needs
    none (appends do not conflict)."""
    if db.engine.dialect.name == "sqlite":
        return _sqlite_writer
    return nullcontext()


def apply_update(page: WikiPage, user, data: bytes, generation: str | None) -> int:
    """Store an update from a browser (then it may be acknowledged), apply it to this process's
    copy; returns the update's row id. Reads (the checks the caller made included) end first;
    the write is one short transaction of its own (on SQLite the write lock is held only for
    the insert). A cached copy that missed other processes' updates is fine here: CRDT updates
    merge in any order, and whole-document reads (sync, save) refresh from the database."""
    data = check_update(data)
    page_id = page.id
    author_id = getattr(user, "id", None)
    entry = cache().get(page_id)
    if entry is None or entry.generation != generation:
        # Not cached (or another generation): ask the database which document is current.
        head = db.session.execute(select(WikiLiveDoc.generation)
                                  .where(WikiLiveDoc.page_id == page_id)).one_or_none()
        if head is None or generation != head[0]:
            raise UpdateRefused("stale")  # the browser must sync (and rebase onto the new document)
        entry = load(page_id)
    db.session.commit()  # end the reading transaction
    # The copy is changed under its lock, the database written without it (a save holding the
    # document row may be waiting for this lock: never wait for the database while holding it).
    with entry.lock:
        before = entry.doc.get_state()
        old_len = len(entry.text)
        try:
            entry.doc.apply_update(data)
        except Exception:  # noqa: BLE001
            cache().drop(page_id)
            raise UpdateRefused("invalid") from None
        if len(entry.text) > BODY_MAX and len(entry.text) > old_len:
            cache().drop(page_id)  # the copy has the refused change: forget it, reload from the database
            raise UpdateRefused("document_too_large")
        mark = entry.doc.get_state() != before and time.monotonic() - entry.marked > 1.0
        if mark:
            entry.marked = time.monotonic()
    try:
        with _writer(), write_intent():
            now = utcnow()
            upd = WikiLiveUpdate(page_id=page_id, author_id=author_id, data=data, created_at=now)
            db.session.add(upd)
            if mark:
                # Unsaved edits (the quiet-period clock): written at most once a second while
                # people type.
                db.session.execute(update(WikiLiveDoc).where(
                    WikiLiveDoc.page_id == page_id,
                    or_(WikiLiveDoc.dirty.is_(False), WikiLiveDoc.last_edit_at.is_(None),
                        WikiLiveDoc.last_edit_at < now - timedelta(seconds=1)))
                    .values(dirty=True, last_edit_at=now))
            db.session.flush()
            upd_id = upd.id
            db.session.commit()
    except Exception:
        db.session.rollback()
        cache().drop(page_id)  # the copy has an update the database does not: reload it
        raise
    with entry.lock:
        entry.applied.add(upd_id)
        pending = len(entry.applied)
    if pending >= current_app.config.get("WIKI_LIVE_COMPACT_EVERY", COMPACT_EVERY):
        compact(page_id)
    return upd_id


def _ids(text: str) -> set[int]:
    return {int(x) for x in (text or "").split(",") if x.strip().isdigit()}


def _fold(row: WikiLiveDoc, entry: Entry) -> tuple[list[int], set[int]]:
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
        entry = load(page_id)
        with entry.lock:
            _ids_folded, authors = _fold(row, entry)
            row.contributor_ids = ",".join(str(i) for i in sorted(_ids(row.contributor_ids) | authors))
            db.session.commit()
            entry.version, entry.applied = row.version, set()


# --------------------------------------------------------------------------- text -> CRDT


def apply_text(text: Text, old: str, new: str) -> None:
    """Turn ``text`` (holding ``old``) into ``new`` with the fewest insertions and deletions
    (character diff), so concurrent edits elsewhere in the text survive."""
    if old == new:
        return
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for op, i1, i2, j1, j2 in reversed(ops):  # back to front: earlier offsets stay valid
        if op == "equal":
            continue
        if i2 > i1:
            del text[i1:i2]
        if j2 > j1:
            text.insert(i1, new[j1:j2])


def _server_edit(page_id: int, entry: Entry, user, new_text: str) -> bytes | None:
    """Edit the document on the server's behalf (a form save, a restore): the update is stored
    like a browser's, and returned for broadcasting."""
    with entry.lock:
        before = entry.doc.get_state()
        old = entry.string()
        with entry.doc.transaction():
            apply_text(entry.text, old, new_text)
        data = entry.doc.get_update(before)
    if entry.string() == old:
        return None
    upd = WikiLiveUpdate(page_id=page_id, author_id=getattr(user, "id", None), data=data, created_at=utcnow())
    db.session.add(upd)
    db.session.flush()
    entry.applied.add(upd.id)
    return data


def broadcast(page_id: int, data: bytes | None, generation: str) -> None:
    """Tell the browsers on the page (after the commit): an update made by the server."""
    if not data:
        return
    from collab.extensions import socketio

    from .events import NAMESPACE, page_room

    socketio.emit("update", {"page": page_id, "update": base64.b64encode(data).decode("ascii"),
                             "generation": generation},
                  to=page_room(page_id), namespace=NAMESPACE)


# --------------------------------------------------------------------------- revisions


@dataclass
class LiveSave:
    revision: object | None  # WikiRevision, None when the text did not change
    contributors: list[int]
    update: bytes | None = None  # a server-made update to broadcast after the commit
    generation: str = ""
    previous: str = ""


def save(page_id: int, user=None, *, summary: str = "", merged: bool = False,
         contributors: set[int] | None = None) -> LiveSave | None:
    """Save the document as a revision of the page when its text differs from the page's.

    ``user`` is the person who asked (explicit save); without one (quiet period) the author is
    the contributor who edited last. Locks the page, then the document; the caller commits.
    Returns None when the page has no live document (or is gone)."""
    from . import services

    page = services._lock_page(page_id)
    if page is None or page.is_deleted:
        return None
    row = doc_row(page_id, lock=True)
    if row is None:
        return None
    if user is not None:
        services._check_unlocked(page, user)
    entry = load(page_id)
    with entry.lock:
        text = normalise(entry.string())
        last_author = db.session.scalar(select(WikiLiveUpdate.author_id).where(
            WikiLiveUpdate.page_id == page_id, WikiLiveUpdate.author_id.is_not(None))
            .order_by(WikiLiveUpdate.id.desc()).limit(1))
        _folded, authors = _fold(row, entry)
        people = _ids(row.contributor_ids) | authors | set(contributors or ())
        row.contributor_ids = ""
        row.dirty = False
        entry.version, entry.applied, entry.marked = row.version, set(), 0.0
    previous = page.body
    result = LiveSave(revision=None, contributors=sorted(people), generation=row.generation, previous=previous)
    if text == page.body:
        row.synced_number = page.revision_number
        return result
    if len(text) > BODY_MAX:
        from .services import WikiError
        from flask_babel import lazy_gettext as _l

        raise WikiError(_l("A page can have at most %(max)d characters; this text has %(n)d.",
                           max=BODY_MAX, n=len(text)), "body")
    from collab.accounts.models import User

    author = user
    if author is None:
        author_id = last_author or (sorted(people)[-1] if people else None)
        author = db.session.get(User, author_id) if author_id else None
    if author is not None:
        people.add(author.id)
    rev = services._add_revision(page, author, text, summary=summary, kind=MERGE if merged else EDIT,
                                 base=row.synced_number)
    for uid in sorted(people):
        db.session.add(WikiRevisionContributor(revision_id=rev.id, user_id=uid))
    row.synced_number = rev.number
    result.revision, result.contributors = rev, sorted(people)
    return result


def merge_form_save(page: WikiPage, user, *, body: str, base_number: int, summary: str = "",
                    resolving: bool = False) -> LiveSave | None:
    """A save through the plain form while the page has a live document: the form's change
    (from its base revision's text to its text) is merged three-way into the document's text and
    applied to the document as CRDT operations; then the document is saved. Raises
    services.Conflict when the change overlaps edits made since (nothing is applied then).
    Returns None when the page has no live document (the caller saves as usual)."""
    from . import services
    from .queries import revision

    if doc_row(page.id) is None:
        return None
    text = services._clean_body(body)
    if resolving and services.has_conflict_markers(text):
        services.save_page(page, user, body=body, base_number=base_number, resolving=True)  # raises
    locked = services._lock_page(page.id)
    if locked is None or locked.is_deleted:
        return services.save_page(page, user, body=body, base_number=base_number)  # raises the message
    services._check_unlocked(locked, user)
    row = doc_row(page.id, lock=True)
    if row is None:
        return None
    entry = load(page.id)
    live = normalise(entry.string())
    base = revision(locked, base_number) if 1 <= base_number <= locked.revision_number else None
    if base is None:
        services.save_page(locked, user, body=body, base_number=base_number)  # raises its message
    merged = False
    if base.body == live:
        new_text = text
    else:
        from flask_babel import lazy_gettext as _l

        result = merge(base.body, live, text, their_label=str(_l("edited live by others")),
                       my_label=str(_l("your edit")))
        if not result.clean:
            latest = revision(locked, locked.revision_number)
            conflict = services.Conflict(page=locked, base_number=base_number, mine=text, current=latest,
                                         result=result)
            conflict.current_text = live
            raise conflict
        new_text, merged = result.text, True
    data = _server_edit(page.id, entry, user, new_text)
    saved = save(page.id, user, summary=summary, merged=merged and new_text != text, contributors={user.id})
    if saved is not None:
        saved.update = data
    return saved


def absorb(page: WikiPage, user) -> bytes | None:
    """After a revision made outside the document (a restore): the document takes the page's
    text, with minimal operations. Call with the page locked; the caller commits and broadcasts."""
    row = doc_row(page.id, lock=True)
    if row is None:
        return None
    entry = load(page.id)
    data = _server_edit(page.id, entry, user, page.body)
    row.synced_number = page.revision_number
    row.dirty = False
    return data


def apply_posted_state(page: WikiPage, user, data: bytes, generation: str) -> bytes | None:
    """A form posted by the live editor carries the browser's whole document: merge it (it is a
    Yjs update like any other); returns what was new to the server (b"" for nothing). None when it
    belongs to another generation, is not a Yjs update, or there is no document: the caller falls
    back to the plain, three-way path."""
    row = doc_row(page.id)
    if row is None or row.generation != generation:
        return None
    limit = current_app.config["WIKI_UPDATE_MAX_BYTES"]
    try:
        with_limit = max(limit, 4 * BODY_MAX)
        if len(data) > with_limit:
            raise UpdateRefused("too_large")
        _new_doc().apply_update(data)
    except (UpdateRefused, ValueError):
        return None
    entry = load(page.id)
    with entry.lock:
        before = entry.doc.get_state()
        entry.doc.apply_update(data)
        if entry.doc.get_state() == before:
            return b""
        news = entry.doc.get_update(before)  # what the others may lack
    upd = WikiLiveUpdate(page_id=page.id, author_id=user.id, data=news, created_at=utcnow())
    db.session.add(upd)
    db.session.flush()
    entry.applied.add(upd.id)
    return news


def contributors_of(revision_ids) -> dict[int, list]:
    """revision id -> the people whose live edits went into it, by name."""
    ids = list(revision_ids)
    out: dict[int, list] = {}
    if not ids:
        return out
    for c in db.session.scalars(select(WikiRevisionContributor)
                                .where(WikiRevisionContributor.revision_id.in_(ids))):
        out.setdefault(c.revision_id, []).append(c.user)
    for people in out.values():
        people.sort(key=lambda u: (u.name.casefold(), u.id))
    return out


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
                    result = save(page_id)
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


def init_live(app) -> None:
    app.extensions["wiki_live_cache"] = Cache()

    @app.before_request
    def _start_sweeper():
        ensure_sweeper(app)
