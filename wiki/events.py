"""The /wiki Socket.IO namespace: presence in the editor (who else is editing this page now).

A client in the editor sends ``join`` {"page": id}; the server asks collab.access (the same rules
as the edit page: a restricted community's pages do not exist for outsiders) and answers with the
people editing that page now, and tells the others. ``leave`` and a dropped connection tell the
others too. One person with two editor tabs shows once.

The list is held by the server process the sockets are connected to (the default deployment is one
process; with several, sticky sessions keep a person's sockets on one process and each process
knows its own editors, which the closing note lists as a limit).
"""
from __future__ import annotations

import threading

from flask import request
from flask_login import current_user
from flask_socketio import join_room, leave_room

from collab import access
from collab.extensions import db
from collab.realtime import AuthenticatedNamespace
from communities.models import Community

from .models import WikiPage

NAMESPACE = "/wiki"


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

    def _broadcast(self, page_id: int) -> None:
        self.emit("presence", {"page": page_id, "editors": self.presence.editors(page_id)},
                  room=page_room(page_id))

    def on_join(self, data):
        from . import services

        try:
            page_id = int((data or {}).get("page"))
        except (TypeError, ValueError, AttributeError):
            return {"ok": False, "error": "bad request"}
        page = db.session.get(WikiPage, page_id)
        community = db.session.get(Community, page.community_id) if page is not None else None
        user = current_user._get_current_object()
        if (page is None or page.is_deleted or not community.has_tool("wiki")
                or not access.can_view(user, community)):
            return {"ok": False, "error": "not found"}  # the same answer whether it exists or not
        if not services.may_edit_page(user, page, community):
            return {"ok": False, "error": "forbidden"}
        person = {"id": user.id, "name": user.name, "username": user.username}
        join_room(page_room(page_id))
        self.presence.add(page_id, request.sid, person)
        self._broadcast(page_id)
        return {"ok": True, "editors": self.presence.editors(page_id)}

    def on_leave(self, data):
        try:
            page_id = int((data or {}).get("page"))
        except (TypeError, ValueError, AttributeError):
            return {"ok": False, "error": "bad request"}
        if self.presence.remove(page_id, request.sid):
            leave_room(page_room(page_id))
            self._broadcast(page_id)
        return {"ok": True}

    def on_disconnect(self, reason=None):
        for page_id in self.presence.pages_of(request.sid):
            self.presence.remove(page_id, request.sid)
            self._broadcast(page_id)


def init_events(socketio) -> WikiNamespace:
    namespace = WikiNamespace(NAMESPACE)
    socketio.on_namespace(namespace)
    return namespace

