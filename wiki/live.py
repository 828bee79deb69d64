"""Live co-editing: the shared text of a page as a CRDT (Yjs in the browser, pycrdt here).
wiki.live_store has the storage side (the update log's group commit, compaction, the sweeper).

Storage (the truth): ``wiki_live_docs`` holds a page's compacted Yjs state and
``wiki_live_updates`` the updates acknowledged since, append-only. An update is acknowledged only
after its row is committed (in a group with others: see wiki.live_store), so a restart loses
nothing acknowledged. It is broadcast to the page's other editors before that, straight from
memory (see apply_update). Every COMPACT_EVERY updates, and at every save, the updates are folded
into the state (under the document row's lock) and their rows deleted; ``version`` goes up so
other processes reload the state.

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
from dataclasses import dataclass, field

from flask import current_app
from pycrdt import Doc, Text
from sqlalchemy import select

from collab.db import utcnow
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
from .live_store import (  # noqa: F401 - the storage side, re-exported for the callers of wiki.live
    UpdateLog,
    compact,
    doc_row,
    ensure_sweeper,
    fold,
    ids_of,
    sweep,
    update_log,
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


def apply_update(page: WikiPage, user, data: bytes, generation: str | None, *, announce=None) -> int:
    """Take an update from a browser: apply it to this process's copy, call ``announce()`` (the
    broadcast to the page's other editors: no database on that path), then store it in the update
    log; returns the row id once it is durable (then, and only then, may the sender be
    acknowledged). Reads (the checks the caller made included) end first; the write is the update
    log's group commit. Broadcasting before the row is durable loses nothing: an update the server
    did not store was not acknowledged, so its sender still holds it and sends it again on its next
    sync, and an editor who received it sends it back too (CRDT: applying twice changes nothing).
    A cached copy that missed other processes' updates is fine here: CRDT updates merge in any
    order, and whole-document reads (sync, save) refresh from the database."""
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
        old_len = len(entry.text)  # UTF-8 bytes (cheap): the limit is in characters, counted only past it
        try:
            entry.doc.apply_update(data)
        except Exception:  # noqa: BLE001
            cache().drop(page_id)
            raise UpdateRefused("invalid") from None
        if len(entry.text) > BODY_MAX and len(entry.text) > old_len and len(entry.string()) > BODY_MAX:
            cache().drop(page_id)  # the copy has the refused change: forget it, reload from the database
            raise UpdateRefused("document_too_large")
        changed = entry.doc.get_state() != before
        mark = changed and time.monotonic() - entry.marked > 1.0
        if mark:
            entry.marked = time.monotonic()
    if announce is not None:
        announce()
    try:
        upd_id = update_log(current_app).append(page_id, author_id, data, mark=mark)
    except Exception:
        cache().drop(page_id)  # the copy has an update the database does not: reload it
        raise
    with entry.lock:
        entry.applied.add(upd_id)
    return upd_id


def compact_if_due(page_id: int) -> None:
    """Fold the page's update rows into its state once enough have piled up (after the ack and
    the broadcast: nobody waits for it)."""
    entry = cache().get(page_id)
    if entry is not None and len(entry.applied) >= current_app.config.get("WIKI_LIVE_COMPACT_EVERY", COMPACT_EVERY):
        compact(page_id)

# --------------------------------------------------------------------------- text -> CRDT


def apply_text(text: Text, old: str, new: str) -> None:
    """Turn ``text`` (holding ``old``) into ``new`` with the fewest insertions and deletions
    (character diff), so concurrent edits elsewhere in the text survive.

    pycrdt counts a Text's positions in UTF-8 bytes (Yjs in the browser counts UTF-16 units; the
    document itself does not care), so the diff's character offsets are turned into bytes: with
    characters, every change after a Chinese character or an emoji landed in the wrong place."""
    if old == new:
        return
    ops = [op for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if op[0] != "equal"]
    at, pos, edits = 0, 0, []  # byte offset of character ``pos`` of ``old``, walked forwards once
    for _op, i1, i2, j1, j2 in ops:
        at += len(old[pos:i1].encode("utf-8"))
        start = at
        at += len(old[i1:i2].encode("utf-8"))
        pos = i2
        edits.append((start, at, new[j1:j2]))
    for start, end, inserted in reversed(edits):  # back to front: earlier offsets stay valid
        if end > start:
            del text[start:end]
        if inserted:
            text.insert(start, inserted)


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
        _folded, authors = fold(row, entry)
        people = ids_of(row.contributor_ids) | authors | set(contributors or ())
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

        result = merge(base.body, live, text, their_label=str(_l("changed by others since you started")),
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


def save_result(page: WikiPage, saved: LiveSave):
    from . import services

    return services.SaveResult(page, saved.revision,
                               merged=bool(saved.revision is not None and saved.revision.kind == MERGE))


def save_text(page: WikiPage, user, *, body: str, base_number: int, summary: str = "",
              resolving: bool = False) -> tuple:
    """Save a text edited from revision ``base_number`` (the plain form, the API): merged into the
    page's live document when it has one (so the editors open on it and their next save keeps it),
    else services.save_page. Returns the SaveResult and what to broadcast to the live editors after
    the commit, (update, generation), or None. Raises services.Conflict and WikiError as save_page."""
    from . import services

    try:
        saved = merge_form_save(page, user, body=body, base_number=base_number, summary=summary,
                                resolving=resolving)
    except Exception:
        cache().drop(page.id)  # the copy may hold an edit the caller's rollback takes back: reload it
        raise
    if saved is None:
        return services.save_page(page, user, body=body, base_number=base_number, summary=summary,
                                  resolving=resolving), None
    return save_result(page, saved), (saved.update, saved.generation)


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
        old_len = len(entry.text)
        try:
            entry.doc.apply_update(data)
        except Exception:  # noqa: BLE001
            cache().drop(page.id)
            return None
        if len(entry.text) > BODY_MAX and len(entry.text) > old_len and len(entry.string()) > BODY_MAX:
            cache().drop(page.id)  # the copy has the refused text: reload it; the plain path says why
            return None
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


def init_live(app) -> None:
    app.extensions["wiki_live_cache"] = Cache()
    app.extensions["wiki_live_log"] = UpdateLog()

    @app.before_request
    def _start_sweeper():
        ensure_sweeper(app)
