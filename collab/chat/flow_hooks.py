"""Chat in knowledge flows (collab.flows calls these; no other tool is imported): a message is a
source (a forum topic started from messages links back to them), and a room shows the topics
started from it."""
from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from collab import flows
from collab.extensions import db

from . import services
from .models import COMMUNITY, ChatMessage, ChatRoom

QUOTE_MAX = 50  # messages quoted at most


def resolve(pk: int) -> flows.Item | None:
    msg = db.session.get(ChatMessage, pk)
    if msg is None or msg.is_deleted:
        return None
    room = msg.room
    if room.kind != COMMUNITY:
        return None  # direct conversations never leave their participants
    return flows.Item(title=f"#{room.name}", url=services.message_url(msg), community=room.community,
                      readable=lambda user: services.may_read(user, room))


def compose(room: ChatRoom, messages: list[ChatMessage]) -> str:
    """The selected messages quoted, each with its author and time, linked to it in the history."""
    parts = []
    urls = services.message_urls(room, messages)
    for m in messages:
        who = m.sender.name if m.sender else _("Former member")
        when = format_datetime(m.created_at, "medium")
        quoted = "\n".join("> " + line for line in m.body.splitlines())
        parts.append(f"**{who}** · [{when}]({urls[m.id]})\n{quoted}")
    parts.append(_("From the chat: #%(room)s", room=room.name))
    return "\n\n".join(parts) + "\n"


def title_from(messages: list[ChatMessage]) -> str:
    first = " ".join(messages[0].body.split()) if messages else ""
    return first if len(first) <= 80 else first[:79].rstrip() + "…"


flows.register_source(flows.Source(type="chat_message", resolve=resolve, label=lambda: _l("Chat message")))
