"""The /wiki Socket.IO namespace: presence in the editor (who else is editing this page now) and
live co-editing of the text (wiki.live has the document side).

A client in the editor sends ``join`` {"page": id}; the server asks collab.access (the same rules
as the edit page: a restricted community's pages do not exist for outsiders) and answers with the
people editing that page now, and tells the others. ``leave`` and a dropped connection tell the
others too. One person with two editor tabs shows once.

The list is held by the server process the sockets are connected to (the default deployment is one
process; with several, sticky sessions keep a person's sockets on one process and each process
knows its own editors, which the closing note lists as a limit).

Co-editing events (each asks collab.access again, as join does; refusals answer the ack with
{"ok": false, "error": code} and send a ``coedit_error`` event to the sender):
  sync    {page, sv, generation}      -> ack {ok, generation, update, sv, reset}: what the browser
                                         lacks; it then sends what the server lacks as an update
  update  {page, update, generation}  -> ack {ok} only after the update is stored; the others in
                                         the page's room get ``update`` {page, update, generation}
                                         as soon as it is checked and applied (wiki.live)
  cursor  {page, anchor, head}        -> the others get ``cursor`` {page, sid, user, anchor, head}
                                         (Yjs relative positions); ``cursor_gone`` {page, sid}
Updates and cursor moves are rate-limited per person (WIKI_UPDATE_RATE_LIMIT,
WIKI_CURSOR_RATE_LIMIT); an update larger than WIKI_UPDATE_MAX_BYTES or not a Yjs update is
refused and changes nothing.
"""
from __future__ import annotations

import base64
import logging
import threading
import time
from collections import deque
from contextlib import nullcontext

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import emit, join_room, leave_room
from limits import parse as parse_limit
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.orm import lazyload

from collab import access
from collab.db import write_intent
from collab.extensions import db
from collab.realtime import AuthenticatedNamespace
from collab.ids import parse_id
from communities.models import Community

from .models import WikiPage

log = logging.getLogger(__name__)

NAMESPACE = "/wiki"
COLOURS = 8  # cursor colours: CSS classes coedit-c0 ... coedit-c7
CURSOR_MAX_BYTES = 128  # an encoded Yjs relative position is a few dozen bytes


def page_room(page_id: int) -> str:
    return f"wiki-page:{page_id}"


class Presence:
    """page id -> {sid: person}; thread-safe (the threading server runs handlers concurrently)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pages: dict[int, dict[str, dict]] = {}

    def add(self, page_id: int, sid: str, person: dict) -> None:
        with self._lock:
            self._pages.setdefault(page_id, {})[sid] = person

    def remove(self, page_id: int, sid: str) -> bool:
        with self._lock:
            sids = self._pages.get(page_id)
            if not sids or sid not in sids:
                return False
            del sids[sid]
            if not sids:
                del self._pages[page_id]
            return True

    def sids(self, page_id: int) -> list[str]:
        with self._lock:
            return list(self._pages.get(page_id, {}))

    def pages_of(self, sid: str) -> list[int]:
        with self._lock:
            return [p for p, sids in self._pages.items() if sid in sids]

    def editors(self, page_id: int) -> list[dict]:
        with self._lock:
            people = {p["id"]: p for p in self._pages.get(page_id, {}).values()}
        return sorted(people.values(), key=lambda p: (p["name"].casefold(), p["id"]))


class WikiNamespace(AuthenticatedNamespace):
    def __init__(self, namespace: str = NAMESPACE):
        super().__init__(namespace)
        self.presence = Presence()
        self._live_lock = threading.Lock()
        self.live_sids: dict[str, set[int]] = {}  # sid -> pages it synced (its cursor shows there)
        self.sid_user: dict[str, int] = {}  # sid -> its person (joined or synced sockets)
        self.page_community: dict[int, int] = {}  # page -> community, for the pages sockets are in

    def _track(self, sid: str, user_id: int, page) -> None:
        with self._live_lock:
            self.sid_user[sid] = user_id
            self.page_community[page.id] = page.community_id

    def sockets_in(self, community_id: int, user_ids: set[int] | None) -> list[tuple[str, int, int]]:
        """(sid, page id, user id) of the sockets joined to or synced on the community's pages
        (of ``user_ids`` only, unless None)."""
        with self._live_lock:
            pages = {p for p, c in self.page_community.items() if c == community_id}
            synced = [(sid, p) for sid, ps in self.live_sids.items() for p in ps if p in pages]
            users = dict(self.sid_user)
        joined = [(sid, p) for p in pages for sid in self.presence.sids(p)]
        out = set()
        for sid, page_id in synced + joined:
            uid = users.get(sid)
            if uid is not None and (user_ids is None or uid in user_ids):
                out.add((sid, page_id, uid))
        return sorted(out)

    def kick(self, sid: str, page_id: int, code: str) -> None:
        """Take a socket out of a page it may no longer edit (from outside its handlers): its
        presence and cursor go, it leaves the page's room, and it is told why."""
        with self._live_lock:
            synced = self.live_sids.get(sid)
            was_live = synced is not None and page_id in synced
            if was_live:
                synced.discard(page_id)
        joined = self.presence.remove(page_id, sid)
        self.socketio.server.leave_room(sid, page_room(page_id), namespace=self.namespace)
        if was_live or joined:
            self.emit("cursor_gone", {"page": page_id, "sid": sid}, room=page_room(page_id))
        if joined:
            self._broadcast(page_id)
        self.emit("coedit_error", {"ok": False, "event": "access", "page": page_id, "error": code,
                                   "message": _messages()[code]}, room=sid)

    def _broadcast(self, page_id: int) -> None:
        self.emit("presence", {"page": page_id, "editors": self.presence.editors(page_id)},
                  room=page_room(page_id))

    def on_join(self, data):
        from . import services

        try:
            page_id = parse_id((data or {}).get("page"))
            if page_id is None:
                raise ValueError("no page")
        except (TypeError, ValueError, AttributeError):
            return {"ok": False, "error": "bad request"}
        page = db.session.get(WikiPage, page_id)
        community = _community_of(page)
        user = current_user._get_current_object()
        if (page is None or page.is_deleted or not community.has_tool("wiki")
                or not access.can_view(user, community) or not services.may_see_page(user, page, community)):
            return {"ok": False, "error": "not found"}  # the same answer whether it exists or not
        if not services.may_edit_page(user, page, community):
            return {"ok": False, "error": "forbidden"}
        person = {"id": user.id, "name": user.name, "username": user.username}
        join_room(page_room(page_id))
        self._track(request.sid, user.id, page)
        self.presence.add(page_id, request.sid, person)
        self._broadcast(page_id)
        return {"ok": True, "editors": self.presence.editors(page_id)}

    def on_leave(self, data):
        try:
            page_id = parse_id((data or {}).get("page"))
            if page_id is None:
                raise ValueError("no page")
        except (TypeError, ValueError, AttributeError):
            return {"ok": False, "error": "bad request"}
        if self.presence.remove(page_id, request.sid):
            self.emit("cursor_gone", {"page": page_id, "sid": request.sid}, room=page_room(page_id))
            leave_room(page_room(page_id))
            self._broadcast(page_id)
        return {"ok": True}

    def on_disconnect(self, reason=None):
        with self._live_lock:
            synced = self.live_sids.pop(request.sid, set())
            self.sid_user.pop(request.sid, None)
        for page_id in synced:
            self.emit("cursor_gone", {"page": page_id, "sid": request.sid}, room=page_room(page_id))
        for page_id in self.presence.pages_of(request.sid):
            self.presence.remove(page_id, request.sid)
            self.emit("cursor_gone", {"page": page_id, "sid": request.sid}, room=page_room(page_id))
            self._broadcast(page_id)

    # ----------------------------------------------------------------------- co-editing

    def on_sync(self, data):
        def run(page, user):
            from . import live

            sv = _bytes(data.get("sv"), allow_none=True, limit=64_000)
            answer = live.sync_answer(page, sv, data.get("generation"))
            join_room(page_room(page.id))  # updates from now on reach this socket
            self._track(request.sid, user.id, page)
            with self._live_lock:
                self.live_sids.setdefault(request.sid, set()).add(page.id)
            return {"ok": True, "generation": answer["generation"], "reset": answer["reset"],
                    "update": _b64(answer["update"]), "sv": _b64(answer["sv"])}

        return _coedit("sync", data, run, write=True)

    def on_update(self, data):
        def run(page, user):
            from . import live

            _rate("update", user)
            page_id = page.id
            update = _bytes(data.get("update"), limit=current_app.config["WIKI_UPDATE_MAX_BYTES"])
            generation = data.get("generation")
            message = {"page": page_id, "update": _b64(update), "generation": generation}

            def announce():  # checked and applied in memory: the others hear of it at once
                self.emit("update", message, room=page_room(page_id), include_self=False)

            live.apply_update(page, user, update, generation, announce=announce)
            # Stored and committed: now the sender's ack says so.
            return {"ok": True}

        answer = _coedit("update", data, run)  # the update log writes in a transaction of its own
        if answer.get("ok"):
            from . import live

            try:
                live.compact_if_due(int(data["page"]))
            except Exception:  # noqa: BLE001 - stored already; the next update compacts again
                db.session.rollback()
                log.exception("compacting live document %s failed", data.get("page"))
        return answer

    def on_cursor(self, data):
        def run(page, user):
            _rate("cursor", user)
            anchor = _bytes(data.get("anchor"), allow_none=True, limit=CURSOR_MAX_BYTES)
            head = _bytes(data.get("head"), allow_none=True, limit=CURSOR_MAX_BYTES)
            self.emit("cursor", {"page": page.id, "sid": request.sid, "user": person_of(user),
                                 "anchor": _b64(anchor), "head": _b64(head)},
                      room=page_room(page.id), include_self=False)
            return {"ok": True}

        return _coedit("cursor", data, run)


def person_of(user) -> dict:
    return {"id": user.id, "name": user.name, "username": user.username, "colour": user.id % COLOURS}


class CoeditRefused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _messages() -> dict:
    return {
        "not_found": _("This page does not exist (any more)."),
        "forbidden": _("You cannot edit this page (any more)."),
        "invalid": _("The change could not be read, so it was not applied."),
        "too_large": _("The change is too large to send at once."),
        "document_too_large": _("The page would be longer than a page may be, so the change was not applied."),
        "rate_limited": _("You are sending changes too fast. They are kept and sent again in a moment."),
        "stale": _("The shared text was replaced since you opened it. Reloading it."),
        "server": _("Something went wrong. Your changes are kept and sent again in a moment."),
    }


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None


def _bytes(value, *, allow_none: bool = False, limit: int | None = None) -> bytes | None:
    if value is None and allow_none:
        return None
    if isinstance(value, (bytearray, memoryview)):
        value = bytes(value)
    if isinstance(value, str):  # the wire format: base64 (binary attachments need no client support)
        if limit is not None and len(value) > limit * 4 // 3 + 4:
            raise CoeditRefused("too_large")
        try:
            value = base64.b64decode(value, validate=True)
        except (ValueError, TypeError):
            raise CoeditRefused("invalid") from None
    if not isinstance(value, bytes):
        raise CoeditRefused("invalid")
    if limit is not None and len(value) > limit:
        raise CoeditRefused("too_large")
    return value


def _rate(kind: str, user) -> None:
    limiter = current_app.extensions.get("wiki_coedit_limiter", {}).get(kind)
    if limiter is not None and not limiter(str(user.id)):
        raise CoeditRefused("rate_limited")


class LocalWindow:
    """A moving-window limit kept in this process, for memory:// storage (one process): the
    limits package's memory storage starts a timer thread on nearly every hit, a cost on every
    keystroke. With Redis (several processes) the limits package counts in Redis."""

    def __init__(self, item):
        self.amount = item.amount
        self.seconds = item.get_expiry()
        self._lock = threading.Lock()
        self._hits: dict[str, deque] = {}

    def __call__(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 10_000:  # forget the people who stopped
                self._hits = {k: q for k, q in self._hits.items() if q and q[-1] > now - self.seconds}
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            if len(hits) >= self.amount:
                return False
            hits.append(now)
            return True


def _limiter(app, item, kind: str):
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://"):
        return LocalWindow(item)
    strategy = MovingWindowRateLimiter(storage_from_string(uri))
    return lambda key: strategy.hit(item, "wiki-" + kind, key)


def _community_of(page: WikiPage | None) -> Community | None:
    """The page's community, without its tags (not needed here; this runs on every keystroke)."""
    if page is None:
        return None
    return db.session.get(Community, page.community_id, options=[lazyload(Community.tag_rows)])


def _editable(data):
    """The page the event names, if the signed-in person may edit it now (collab.access)."""
    from . import services

    page_id = parse_id(data.get("page")) if isinstance(data, dict) else None
    if page_id is None:
        raise CoeditRefused("invalid")
    user = current_user._get_current_object()
    page = db.session.get(WikiPage, page_id)
    community = _community_of(page)
    if (page is None or page.is_deleted or not community.has_tool("wiki")
            or not access.can_view(user, community) or not services.may_see_page(user, page, community)):
        raise CoeditRefused("not_found")
    if not services.may_edit_page(user, page, community):
        raise CoeditRefused("forbidden")
    return page, user


def _coedit(event: str, data, fn, *, write: bool = False):
    # A writing event is a writer from its first statement (loading the signed-in user included):
    # on SQLite a transaction begun as a reader cannot safely become a writer.
    with write_intent() if write else nullcontext():
        return _run_coedit(event, data, fn)


def _run_coedit(event: str, data, fn):
    from . import live

    page_id = data.get("page") if isinstance(data, dict) else None
    if not isinstance(page_id, int) or isinstance(page_id, bool):
        page_id = None
    try:
        if not current_user.is_authenticated or not current_user.is_active:
            raise CoeditRefused("forbidden")
        if not isinstance(data, dict):
            raise CoeditRefused("invalid")
        return fn(*_editable(data))
    except (CoeditRefused, live.UpdateRefused) as e:
        code = e.code
    except Exception:  # never drop the socket for one bad event
        log.exception("wiki event %s failed", event)
        code = "server"
    db.session.rollback()
    payload = {"ok": False, "event": event, "page": page_id, "error": code, "message": _messages()[code]}
    emit("coedit_error", payload)
    return payload


def init_events(socketio, app) -> WikiNamespace:
    from .live import init_live

    from collab import access_events

    from .live_access import access_changed

    namespace = WikiNamespace(NAMESPACE)
    socketio.on_namespace(namespace)
    app.extensions["wiki_namespace"] = namespace
    access_events.on_access_changed(access_changed)
    limiters = {}
    for kind, key in (("update", "WIKI_UPDATE_RATE_LIMIT"), ("cursor", "WIKI_CURSOR_RATE_LIMIT")):
        if app.config.get(key):
            limiters[kind] = _limiter(app, parse_limit(app.config[key]), kind)
    app.extensions["wiki_coedit_limiter"] = limiters
    init_live(app)
    return namespace

