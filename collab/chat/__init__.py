"""Live chat (DESIGN.md section 7): community rooms and direct conversations over the /chat
Socket.IO namespace, with a delivery contract (stored before broadcast, per-room sequence numbers,
idempotent retries, exact catch-up after a reconnect). Plugs into the core through its registries:
the Chat tab of a community (collab.tools) and the "chat" search type (collab.search)."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from collab.search import SearchType, register_type
from collab.search.registry import register_scope
from collab.tools import Tool, register_tool

from . import indexing
from .models import ChatMessage

bp = Blueprint("chat", __name__, template_folder="templates")


def _community_created(community) -> None:
    from .services import add_default_room

    add_default_room(community)  # so its rooms are listed (and written to) from the start


register_tool(Tool(name="chat", label=lambda: _l("Chat"), endpoint="chat.community_home", order=40,
                   activity_keys=("chat_message", "chat_room"), on_community_created=_community_created,
                   demo_content="collab.chat.demo:demo_content"))
register_type(SearchType(
    name="chat", model=ChatMessage, label=lambda: _l("Chat messages"), one=lambda: _l("Chat message"), to_document=indexing.to_document,
    load_all=indexing.load_all, aliases=("message", "messages"), dependents=indexing.DEPENDENTS,
    load_options=indexing.LOAD_OPTIONS,
))
register_scope(indexing.SCOPE_PREFIX, indexing.allowed_scopes)


def init_chat(app) -> None:
    from .events import init_chat as init_events

    init_events(app)


from . import flow_hooks, moderated, views  # noqa: E402,F401

moderated.register_types()

from collab import audit  # noqa: E402

audit.register_labels({
    "chat.room_create": _l("Chat room added"),
    "chat.delete_message": _l("Chat message removed by a moderator"),
}, group=("chat.", _l("Chat: everything")))
