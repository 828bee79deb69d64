"""Access that may have been lost: the tools hear of it after the commit, through the core.

A live tool (wiki co-editing, chat) keeps people's sockets in rooms; when someone leaves or is
removed from a community, their role changes, or the community's access, tools or posting rule
change, the people concerned must leave those rooms at once, not at their next event. A tool
registers a function with ``on_access_changed(fn)``; after every commit that changed any of those,
it is called as ``fn(community_id, user_ids)``: ``user_ids`` the set of people concerned, or None
when everyone's access to the community may have changed. The function re-asks collab.access for
the people it has in rooms (it runs after the commit, in the committing thread: it must not use the
caller's session; pushing an app context of its own gives it a fresh one).
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from communities.models import Community, Membership

log = logging.getLogger(__name__)

Listener = Callable[[int, "set[int] | None"], None]
_listeners: list[Listener] = []
_installed = False
_KEY = "collab_access_changes"
_COMMUNITY_FIELDS = ("access", "tools", "posting")


def on_access_changed(fn: Listener) -> Listener:
    """Register ``fn`` (once, however often it is called: apps are built many times in tests)."""
    if fn not in _listeners:
        _listeners.append(fn)
    _install()
    return fn


def _note(session, community_id: int | None, user_id: int | None) -> None:
    if community_id is None:
        return
    changes = session.info.setdefault(_KEY, {})
    if user_id is None:
        changes[community_id] = None
    elif community_id not in changes or changes[community_id] is not None:
        changes.setdefault(community_id, set()).add(user_id)


def _install() -> None:
    global _installed
    if _installed:
        return
    _installed = True

    @event.listens_for(Session, "after_flush")
    def _collect(session, _ctx):
        for obj in session.deleted:
            if isinstance(obj, Membership):
                _note(session, obj.community_id, obj.user_id)
        for obj in session.dirty:
            if isinstance(obj, Membership) and inspect(obj).attrs.role.history.has_changes():
                _note(session, obj.community_id, obj.user_id)
            elif isinstance(obj, Community):
                attrs = inspect(obj).attrs
                if any(getattr(attrs, name).history.has_changes() for name in _COMMUNITY_FIELDS):
                    _note(session, obj.id, None)

    @event.listens_for(Session, "after_commit")
    def _tell(session):
        changes = session.info.pop(_KEY, None)
        for community_id, user_ids in (changes or {}).items():
            for fn in list(_listeners):
                try:
                    fn(community_id, user_ids)
                except Exception:  # a listener failing must never fail the commit that already happened
                    log.exception("access change listener %r failed for community %s", fn, community_id)

    @event.listens_for(Session, "after_rollback")
    def _forget(session):
        session.info.pop(_KEY, None)
