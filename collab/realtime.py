"""Socket.IO plumbing shared by every namespace: authenticated connections, personal rooms.

Each tool adds its own namespace (/chat, /wiki ...). The /notify namespace is the core's: a
signed-in person's sockets join the room ``user:<id>`` so the core can push to them live.

A sign-in (one browser's session) carries a random id in the session, and that browser's sockets
join the room ``signin:<id>`` too: signing out in one tab ends the sockets of every tab of that
browser, in every process, and leaves the person's other browsers alone.
"""
from __future__ import annotations

import secrets

from flask import session
from flask_login import current_user, user_logged_out
from flask_socketio import ConnectionRefusedError, Namespace, join_room

from collab.extensions import socketio

SIGN_IN_KEY = "_signin"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def sign_in_room(token: str) -> str:
    return f"signin:{token}"


class AuthenticatedNamespace(Namespace):
    """Refuses anonymous or deactivated users at connect time."""

    def on_connect(self, auth=None):
        if not current_user.is_authenticated or not current_user.is_active:
            raise ConnectionRefusedError("sign in first")
        join_room(user_room(current_user.id))
        token = session.get(SIGN_IN_KEY)
        if isinstance(token, str) and token:
            join_room(sign_in_room(token))


class NotifyNamespace(AuthenticatedNamespace):
    pass


def push_to_user(user_id: int, event: str, data: dict) -> None:
    socketio.emit(event, data, to=user_room(user_id), namespace="/notify")


def end_sockets(user_ids: set[int]) -> None:
    """Disconnect this process's sockets of these people in every namespace: their sessions ended
    (deactivated, a new password, signed out everywhere; collab.access_events tells every process).
    A browser that still holds a valid session connects again; any other is refused at connect."""
    _disconnect_rooms([user_room(user_id) for user_id in user_ids])


def end_sign_in_sockets(tokens: set[str]) -> None:
    """Disconnect this process's sockets of these sign-ins (a browser signed out in one tab)."""
    _disconnect_rooms([sign_in_room(token) for token in tokens])


def _disconnect_rooms(rooms: list[str]) -> None:
    server = socketio.server
    if server is None:
        return
    for namespace in list(server.manager.rooms):
        for room in rooms:
            for sid, _eio_sid in list(server.manager.get_participants(namespace, room)):
                server.disconnect(sid, namespace=namespace, ignore_queue=True)  # ours: no need to ask the others


def _mark_sign_in(response):
    """Give a signed-in session its sign-in id (at sign-in, or a session restored from the
    remember-me cookie) once: cheap, it reads the session only."""
    if "_user_id" in session and SIGN_IN_KEY not in session:
        session[SIGN_IN_KEY] = secrets.token_urlsafe(12)
    return response


def _signed_out(app, user=None, **_extra):
    token = session.pop(SIGN_IN_KEY, None)
    if isinstance(token, str) and token:
        from collab import access_events

        access_events.sign_in_ended(token)


def init_sign_ins(app) -> None:
    """Sign-in ids for the sockets (see the module's docstring)."""
    app.after_request(_mark_sign_in)
    user_logged_out.connect(_signed_out, app, weak=False)


def init_realtime() -> None:
    """Register the core namespaces on the server that socketio.init_app just built.

    Call after init_app: each app gets a fresh Namespace instance on its own server (Flask-SocketIO
    only replays handlers registered before the first init_app, so tests that build many apps
    would otherwise lose them).
    """
    socketio.on_namespace(NotifyNamespace("/notify"))
    from collab import access_events

    access_events.on_sessions_ended(end_sockets)
    access_events.on_sign_in_ended(end_sign_in_sockets)
