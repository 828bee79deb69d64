"""Access that may have been lost: the tools hear of it after the commit, through the core.

A live tool (wiki co-editing, chat) keeps people's sockets in rooms; when someone leaves or is
removed from a community, their role changes, or the community's access, tools or posting rule
change, the people concerned must leave those rooms at once, not at their next event. A tool
registers a function with ``on_access_changed(fn)``; after every commit that changed any of those,
it is called as ``fn(community_id, user_ids)``: ``user_ids`` the set of people concerned, or None
when everyone's access to the community may have changed. The function re-asks collab.access for
the people it has in rooms (it runs after the commit, in the committing thread: it must not use the
caller's session; pushing an app context of its own gives it a fresh one).

Ending a person's sessions (deactivation, a new password, "sign out everywhere": the session
nonce changes) or the site admin role ends their live connections too (a browser with a valid
session connects again, asked afresh): ``on_sessions_ended(fn)`` registers
``fn(user_ids)``, called after such a commit (collab.realtime disconnects those people's sockets in
every namespace).

Signing out in one tab ends that browser's sockets in every tab (``sign_in_ended(token)``, called
at the sign-out: there is no database change to wait for), through ``on_sign_in_ended(fn)``.

With several server processes (a Redis message queue configured), the change is also published
on Redis, and every other process calls its own listeners: a socket held by another process is
re-checked as promptly as one held by the process that committed.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from collab.db import savepoint_released
from communities.models import Community, Membership

log = logging.getLogger(__name__)

Listener = Callable[[int, "set[int] | None"], None]
EndedListener = Callable[["set[int]"], None]
SignInListener = Callable[["set[str]"], None]
_listeners: list[Listener] = []
_ended_listeners: list[EndedListener] = []
_sign_in_listeners: list[SignInListener] = []
_installed = False
_KEY = "collab_access_changes"
_ENDED = "collab_sessions_ended"
_COMMUNITY_FIELDS = ("access", "tools", "posting")


def on_access_changed(fn: Listener) -> Listener:
    """Register ``fn`` (once, however often it is called: apps are built many times in tests)."""
    if fn not in _listeners:
        _listeners.append(fn)
    _install()
    return fn


def on_sessions_ended(fn: EndedListener) -> EndedListener:
    """Register ``fn(user_ids)``, called after a commit that ended these people's sessions."""
    if fn not in _ended_listeners:
        _ended_listeners.append(fn)
    _install()
    return fn


def on_sign_in_ended(fn: SignInListener) -> SignInListener:
    """Register ``fn(tokens)``, called when these sign-ins (one browser's session each) ended."""
    if fn not in _sign_in_listeners:
        _sign_in_listeners.append(fn)
    return fn


def sign_in_ended(token: str) -> None:
    """A browser signed out: its sockets end, in this process now and in the others."""
    _call_sign_ins({token})
    _publish({}, set(), {token})


def changed(session, community_id: int, user_ids: set[int] | None = None) -> None:
    """Declare, in ``session``'s transaction, an access change the core does not see by itself
    (a page a moderator hid): after the commit the listeners re-check ``user_ids`` (None:
    everyone) in that community, in every process."""
    for user_id in user_ids if user_ids is not None else (None,):
        _note(session, community_id, user_id)


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

    from collab.accounts.models import User

    @event.listens_for(Session, "after_flush")
    def _collect(session, _ctx):
        for obj in session.dirty:
            if isinstance(obj, User) and (inspect(obj).attrs.session_nonce.history.has_changes()
                                          or inspect(obj).attrs.is_admin.history.has_changes()):
                # (a site admin's rights go beyond any community: their sockets start over, and
                # reconnect with the rights they have now)
                session.info.setdefault(_ENDED, set()).add(obj.id)
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
        if savepoint_released(session):
            return
        changes = session.info.pop(_KEY, None) or {}
        ended = session.info.pop(_ENDED, None) or set()
        if not changes and not ended:
            return
        for community_id, user_ids in changes.items():
            _call_listeners(community_id, user_ids)
        if ended:
            _call_ended(ended)
        _publish(changes, ended)

    @event.listens_for(Session, "after_rollback")
    def _forget(session):
        session.info.pop(_KEY, None)
        session.info.pop(_ENDED, None)


def _call_listeners(community_id: int, user_ids: set[int] | None) -> None:
    for fn in list(_listeners):
        try:
            fn(community_id, user_ids)
        except Exception:  # a listener failing must never fail the commit that already happened
            log.exception("access change listener %r failed for community %s", fn, community_id)


def _call_ended(user_ids: set[int]) -> None:
    for fn in list(_ended_listeners):
        try:
            fn(set(user_ids))
        except Exception:  # a listener failing must never fail the commit that already happened
            log.exception("sessions-ended listener %r failed for %s", fn, sorted(user_ids))


# --------------------------------------------------------------------------- other processes


def _call_sign_ins(tokens: set[str]) -> None:
    for fn in list(_sign_in_listeners):
        try:
            fn(set(tokens))
        except Exception:  # the sign-out itself has happened: never fail it
            log.exception("sign-in-ended listener %r failed", fn)


def _publish(changes: dict, ended: set[int], sign_ins: set[str] = frozenset()) -> None:
    from flask import current_app, has_app_context

    relay = current_app.extensions.get("collab_access_relay") if has_app_context() else None
    if relay is not None:
        relay.publish(changes, ended, sign_ins)


class Relay:
    """Publishes this process's access changes on Redis and hears the other processes' ones."""

    def __init__(self, app, url: str, channel: str):
        import redis

        self.app = app
        self.url = url
        self.channel = f"{channel}-access-changes"
        self.origin = uuid.uuid4().hex  # this process's own messages are not heard twice
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="collab-access-relay", daemon=True)

    def start(self) -> Relay:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.client.close()  # the publishing connection (a later publish would open a new one)

    def publish(self, changes: dict, ended: set[int] = frozenset(), sign_ins: set[str] = frozenset()) -> None:
        message = json.dumps({"origin": self.origin, "changes": [
            [community_id, None if users is None else sorted(users)] for community_id, users in changes.items()],
            "ended": sorted(ended), "signins": sorted(sign_ins)})
        try:
            self.client.publish(self.channel, message)
        except Exception:  # Redis down: the local listeners ran; each socket event re-checks access anyway
            log.warning("could not publish an access change to the other processes", exc_info=True)

    def _run(self) -> None:
        import redis

        failures = 0
        while not self.stopping.is_set():
            pubsub = None
            try:
                pubsub = redis.Redis.from_url(self.url, socket_connect_timeout=5).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self.ready.set()
                failures = 0
                while not self.stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._hear(message.get("data"))
            except Exception:  # Redis restarting: listen again, with a growing pause
                failures += 1
                self.ready.clear()
                if failures == 1:
                    log.warning("access change relay lost Redis; retrying", exc_info=True)
                self.stopping.wait(min(5.0, 0.2 * failures))
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: BLE001 - closing a dead connection
                        pass

    def _hear(self, data) -> None:
        try:
            message = json.loads(data)
            if message.get("origin") == self.origin:
                return
            changes = [(int(c), None if users is None else {int(u) for u in users})
                       for c, users in message["changes"]]
            ended = {int(u) for u in message.get("ended") or ()}
            sign_ins = {str(t) for t in message.get("signins") or ()}
        except (TypeError, ValueError, KeyError):
            log.warning("ignored a malformed access change message: %r", data)
            return
        with self.app.app_context():
            for community_id, user_ids in changes:
                _call_listeners(community_id, user_ids)
            if ended:
                _call_ended(ended)
            if sign_ins:
                _call_sign_ins(sign_ins)


def init_app(app) -> Relay | None:
    """Relay access changes between processes when Socket.IO runs over a Redis message queue."""
    url = app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    relay = Relay(app, url, app.config.get("SOCKETIO_CHANNEL", "flask-socketio")).start()
    app.extensions["collab_access_relay"] = relay
    return relay
