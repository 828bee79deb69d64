"""Socket.IO plumbing shared by every namespace: authenticated connections, personal rooms.

Each tool adds its own namespace (/chat, /wiki ...). The /notify namespace is the core's: a
signed-in person's sockets join the room ``user:<id>`` so the core can push to them live.
"""
from __future__ import annotations

from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, join_room

from collab.extensions import socketio


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


class AuthenticatedNamespace(Namespace):
    """Refuses anonymous or deactivated users at connect time."""

    def on_connect(self, auth=None):
        if not current_user.is_authenticated or not current_user.is_active:
            raise ConnectionRefusedError("sign in first")
        join_room(user_room(current_user.id))


class NotifyNamespace(AuthenticatedNamespace):
    pass


def push_to_user(user_id: int, event: str, data: dict) -> None:
    socketio.emit(event, data, to=user_room(user_id), namespace="/notify")


def end_sockets(user_ids: set[int]) -> None:
    """Disconnect this process's sockets of these people in every namespace: their sessions ended
    (deactivated, a new password, signed out everywhere; collab.access_events tells every process).
    A browser that still holds a valid session connects again; any other is refused at connect."""
    server = socketio.server
    if server is None:
        return
    for namespace in list(server.manager.rooms):
        for user_id in user_ids:
            for sid, _eio_sid in list(server.manager.get_participants(namespace, user_room(user_id))):
                server.disconnect(sid, namespace=namespace, ignore_queue=True)  # ours: no need to ask the others


def init_realtime() -> None:
    """Register the core namespaces on the server that socketio.init_app just built.

    Call after init_app: each app gets a fresh Namespace instance on its own server (Flask-SocketIO
    only replays handlers registered before the first init_app, so tests that build many apps
    would otherwise lose them).
    """
    socketio.on_namespace(NotifyNamespace("/notify"))
    from collab import access_events

    access_events.on_sessions_ended(end_sockets)
