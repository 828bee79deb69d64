"""Chat pages. Thin: load, ask the services' access rules, render. The live parts (sending,
presence, typing) run over the /chat namespace (events.py); every page here works without
JavaScript for reading: the room shows its latest messages, the history page pages back."""
from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from collab import access, nav
from collab.accounts.models import User
from collab.extensions import db
from collab.ids import parse_id, parse_ids
from communities.views import community_context

from . import bp, queries, services
from .forms import RoomForm, StartForm
from .models import COMMUNITY, ChatParticipant, ChatRoom
from .services import ChatError


def _unread_count(user_id, visible_ids):
    """The navigation's unread count (services.unread_total as one column of collab.nav's statement):
    messages after one's read mark in rooms one is in, community rooms only where one may look."""
    where = [ChatParticipant.user_id == user_id, ChatRoom.last_seq > ChatParticipant.last_read_seq]
    if visible_ids is not None:
        where.append((ChatRoom.kind != COMMUNITY) | ChatRoom.community_id.in_(visible_ids))
    return (select(func.coalesce(func.sum(ChatRoom.last_seq - ChatParticipant.last_read_seq), 0))
            .select_from(ChatRoom).join(ChatParticipant, ChatParticipant.room_id == ChatRoom.id).where(*where))


nav.register_count("chat_unread", _unread_count)


def _community(slug: str):
    community = access.get_community_or_404(slug, current_user)
    if not community.has_tool("chat"):
        abort(404)
    return community


def _community_room(slug: str, room_slug: str) -> ChatRoom:
    community = _community(slug)
    room = services.room_by_slug(community, room_slug)
    if room is None and room_slug == services.DEFAULT_SLUG:
        room = services.default_room(community)
        db.session.commit()
    if room is None:
        abort(404)
    return room


def _direct_room(room_id: int) -> ChatRoom:
    room = db.session.get(ChatRoom, room_id)
    if room is None or not room.is_direct or not services.may_read(current_user, room):
        abort(404)
    return room


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return parse_id(value)


def _ctx(room: ChatRoom, **extra) -> dict:
    user = current_user._get_current_object()
    ctx = community_context(room.community) if room.community else {}
    sidebar = [r for r in services.community_rooms(room.community)] if room.community else []
    ctx.update(
        room=room, title=services.room_title(room, user), room_url=services.room_url(room),
        history_url=services.history_url(room), sidebar=sidebar,
        conversations=[e for e in services.my_rooms(user) if e.room.is_direct][:30],
        can_post=services.may_post(user, room), reactions=services.REACTIONS,
        can_manage_rooms=room.community is not None and services.may_manage_rooms(user, room.community),
        people=services.participants(room) if room.is_direct else [],
    )
    ctx.update(extra)
    return ctx


def _room_page(room: ChatRoom):
    messages, more = queries.before(room)
    return render_template("chat/room.html", messages=messages, more=more,
                           reactions_of=services.reactions_of([m.id for m in messages]),
                           first_unread=services.first_unread(current_user, room),
                           unread=services.unread_in(current_user, room), **_ctx(room))


def _history_page(room: ChatRoom):
    at, before = _int_arg("at"), _int_arg("before")
    newer = False
    if at is not None:
        messages, more, newer = queries.around(room, at)
    else:
        messages, more = queries.before(room, before)
        newer = before is not None and before <= room.last_seq
    threads = {m.id: queries.thread(m) for m in messages if m.reply_count and not m.is_deleted}
    shown = [m.id for m in messages] + [r.id for replies in threads.values() for r in replies]
    return render_template("chat/history.html", messages=messages, more=more, newer=newer, at=at,
                           threads=threads, reactions_of=services.reactions_of(shown), **_ctx(room))


def _search_page(room: ChatRoom):
    q = (request.args.get("q") or "").strip()[:200]
    hits = queries.search(room, q) if q else []
    return render_template("chat/search.html", q=q, hits=hits, urls=services.message_urls(room, hits), **_ctx(room))


# --------------------------------------------------------------------------- community rooms


@bp.route("/c/<slug>/chat/")
@login_required
def community_home(slug: str):
    community = _community(slug)
    room = services.default_room(community)
    db.session.commit()
    return redirect(url_for("chat.room", slug=community.slug, room_slug=room.slug))


@bp.route("/c/<slug>/chat/<room_slug>")
@login_required
def room(slug: str, room_slug: str):
    return _room_page(_community_room(slug, room_slug))


@bp.route("/c/<slug>/chat/<room_slug>/history")
@login_required
def history(slug: str, room_slug: str):
    return _history_page(_community_room(slug, room_slug))


@bp.route("/c/<slug>/chat/<room_slug>/search")
@login_required
def search(slug: str, room_slug: str):
    return _search_page(_community_room(slug, room_slug))


@bp.route("/c/<slug>/chat/+new", methods=["GET", "POST"])
@login_required
def new_room(slug: str):
    community = _community(slug)
    access.require(services.may_manage_rooms(current_user, community))
    form = RoomForm()
    if form.validate_on_submit():
        try:
            room = services.create_room(community, current_user, form.name.data, form.topic.data or "")
        except ChatError as e:
            form.name.errors = [*form.name.errors, str(e.message)]
        else:
            db.session.commit()
            flash(_("Room “%(name)s” added.", name=room.name), "success")
            return redirect(url_for("chat.room", slug=community.slug, room_slug=room.slug))
    ctx = community_context(community)
    ctx.update(sidebar=services.community_rooms(community))
    return render_template("chat/new_room.html", form=form, **ctx)


# --------------------------------------------------------------------------- conversations


@bp.route("/chat/")
@login_required
def index():
    return render_template("chat/index.html", entries=services.my_rooms(current_user), form=StartForm())


@bp.route("/chat/new", methods=["POST"])
@login_required
def start():
    form = StartForm()
    if form.validate_on_submit():
        names = [n.lstrip("@").lower() for n in re.split(r"[\s,;，、]+", form.people.data) if n.strip()]
        found = list(db.session.scalars(select(User).where(func.lower(User.username).in_(names),
                                                           User.is_deactivated.is_(False))))
        missing = sorted(set(names) - {u.username.lower() for u in found})
        if missing:
            form.people.errors = [*form.people.errors, _("No such person: %(names)s", names=", ".join(missing))]
        else:
            try:
                room = services.direct_room(current_user, found)
            except ChatError as e:
                form.people.errors = [*form.people.errors, str(e.message)]
            else:
                db.session.commit()
                return redirect(url_for("chat.direct", room_id=room.id))
    return render_template("chat/index.html", entries=services.my_rooms(current_user), form=form), 400


@bp.route("/chat/<int:room_id>")
@login_required
def direct(room_id: int):
    return _room_page(_direct_room(room_id))


@bp.route("/chat/<int:room_id>/history")
@login_required
def direct_history(room_id: int):
    return _history_page(_direct_room(room_id))


@bp.route("/chat/<int:room_id>/search")
@login_required
def direct_search(room_id: int):
    return _search_page(_direct_room(room_id))


# --------------------------------------------------------------------------- to a forum topic


@bp.route("/c/<slug>/chat/<room_slug>/to-forum", methods=["GET", "POST"])
@login_required
def to_forum(slug: str, room_slug: str):
    """Choose messages of a room to start a forum topic from (collab.flows shows the draft)."""
    from collab import flows

    from .flow_hooks import QUOTE_MAX, compose, title_from
    from .models import ChatMessage

    room = _community_room(slug, room_slug)
    user = current_user._get_current_object()
    access.require(flows.can_receive("forums.topic", user, room.community))
    if request.method == "POST":
        ids = parse_ids(request.form.getlist("m"))[:QUOTE_MAX]
        older = request.form.get("older", "")
        if parse_id(older) is not None:  # page back, keeping what is ticked
            return redirect(url_for("chat.to_forum", slug=slug, room_slug=room_slug, before=int(older), m=ids))
        picked = list(db.session.scalars(select(ChatMessage).where(
            ChatMessage.id.in_(ids), ChatMessage.room_id == room.id, ChatMessage.is_deleted.is_(False),
            ChatMessage.moderation.is_(None))  # hidden by a moderator: its text is nobody's to quote
            .order_by(ChatMessage.seq))) if ids else []
        if not picked:
            flash(_("Select at least one message."), "error")
            return redirect(url_for("chat.to_forum", slug=slug, room_slug=room_slug))
        try:
            draft = flows.start(user, kind="chat", receiver="forums.topic", source_key=f"chat_message:{picked[0].id}",
                                source_group=f"chat_room:{room.id}", community=room.community,
                                title=title_from(picked), body=compose(room, picked))
        except flows.FlowError as e:
            abort(e.status)
        db.session.commit()
        return redirect(url_for("flows.draft", token=draft.token))
    before = _int_arg("before")
    messages, more = queries.before(room, before)
    chosen = set(parse_ids(request.args.getlist("m")))
    return render_template("chat/to_forum.html", messages=messages, more=more, chosen=chosen, **_ctx(room))
