"""Flows between tools: drafts the person edits before saving, provenance links, and what a
reader may see of them. Nothing here touches the request; the tools are reached only through
the registry."""
from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, exists, or_, select
from sqlalchemy.exc import IntegrityError

from collab import access
from collab.cache import app_cache
from collab.db import utcnow
from collab.extensions import db
from communities.models import Community, Membership

from . import registry
from .models import BODY_MAX, COPY, KINDS, TAGS_MAX, TITLE_MAX, FlowDraft, FlowLink
from .registry import FlowError, Incoming, Item

DRAFT_DAYS = 2  # unsaved drafts are dropped after this long
SHOWN_MAX = 10  # links listed per direction on an item


# --------------------------------------------------------------------------- who may


def can_receive(receiver_name: str, user, community: Community | None) -> bool:
    """May ``user`` make an item with this receiver in ``community`` (tool on, may post there)?"""
    rec = registry.receiver(receiver_name)
    if rec is None or community is None or not access.can_view(user, community):
        return False
    return community.has_tool(rec.tool) and bool(rec.may_receive(user, community))


def receiving_communities(user, receiver_name: str, exclude_id: int | None = None) -> list[Community]:
    """Communities the person belongs to where this receiver may make an item for them."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = db.session.scalars(
        select(Community).join(Membership, Membership.community_id == Community.id)
        .where(Membership.user_id == user.id, Community.is_archived.is_(False))
        .order_by(Community.name)).all()
    return [c for c in rows if c.id != exclude_id and can_receive(receiver_name, user, c)]


def readable(user, key: str) -> Item | None:
    """The item under ``key`` if the person may read it."""
    item = registry.resolve(key)
    return item if item is not None and item.readable(user) else None


# --------------------------------------------------------------------------- drafts


def _clip(value: str | None, limit: int) -> str:
    return (value or "")[:limit]


def start(user, *, kind: str, receiver: str, source_key: str, source_group: str | None = None,
          community: Community | None = None, title: str = "", body: str = "", tags: str = "",
          place: str = "") -> FlowDraft:
    """Prepare a draft for ``user`` to edit and save (the caller commits). The source must be
    readable by the person and, when the community is known, the person must be able to post
    there with that receiver."""
    if kind not in KINDS or registry.receiver(receiver) is None:
        raise FlowError(_l("That cannot be made here."), status=404)
    if readable(user, source_key) is None:
        raise FlowError(_l("That item is gone or you cannot read it."), status=404)
    if community is not None and not can_receive(receiver, user, community):
        raise FlowError(_l("You cannot post there."), status=403)
    db.session.execute(delete(FlowDraft).where(
        FlowDraft.user_id == user.id, FlowDraft.created_at < utcnow() - timedelta(days=DRAFT_DAYS)))
    draft = FlowDraft(token=secrets.token_urlsafe(24), user_id=user.id, kind=kind, receiver=receiver,
                      community_id=community.id if community else None, source_key=source_key,
                      source_group=source_group or source_key, title=_clip(" ".join(title.split()), TITLE_MAX),
                      body=_clip(body, BODY_MAX), tags=_clip(tags, TAGS_MAX), place=_clip(place, 40))
    db.session.add(draft)
    db.session.flush()
    return draft


def draft_for(user, token: str) -> FlowDraft | None:
    if not token or len(token) > 64 or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(FlowDraft).where(FlowDraft.token == token, FlowDraft.user_id == user.id))


def complete(draft: FlowDraft, user, data: Incoming) -> tuple[str, str]:
    """Make the item from the edited draft, record where it came from; returns (key, url). A
    draft already saved returns what it made (a second submit makes nothing new)."""
    # Under a lock on the draft row: a second submit racing the first waits, then finds the result.
    db.session.execute(select(FlowDraft.id).where(FlowDraft.id == draft.id).with_for_update())
    db.session.refresh(draft)
    if draft.result_key and draft.result_url:
        return draft.result_key, draft.result_url
    community = db.session.get(Community, draft.community_id) if draft.community_id else None
    if community is None or not can_receive(draft.receiver, user, community):
        raise FlowError(_l("You can no longer post there."), status=403)
    if readable(user, draft.source_key) is None:
        raise FlowError(_l("The item this came from is gone or you can no longer read it."), status=409)
    rec = registry.receiver(draft.receiver)
    key, url = rec.create(user, community, data)
    record_link(draft.kind, draft.source_key, key, user, source_group=draft.source_group)
    draft.result_key, draft.result_url = key, url
    draft.title, draft.body, draft.tags, draft.place = (_clip(data.title, TITLE_MAX), _clip(data.body, BODY_MAX),
                                                        _clip(data.tags, TAGS_MAX), _clip(data.place, 40))
    return key, url


def record_link(kind: str, source_key: str, target_key: str, actor, *, source_group: str | None = None) -> FlowLink:
    link = FlowLink(kind=kind, source_key=source_key, source_group=source_group or source_key,
                    target_key=target_key, actor_id=getattr(actor, "id", None))
    try:
        with db.session.begin_nested():
            db.session.add(link)
            db.session.flush()
    except IntegrityError:  # the same pair recorded already
        link = db.session.scalar(select(FlowLink).where(FlowLink.source_key == source_key,
                                                        FlowLink.target_key == target_key))
    return link


def copy_targets(user, source_key: str) -> list[Community]:
    """Where the person may copy the item: communities they belong to, other than its own, where
    they may post with the receiver the item's tool copies to."""
    found = copy_outgoing(user, source_key)
    if found is None:
        return []
    src, _out = found
    item = readable(user, source_key)
    return receiving_communities(user, src.copy_to, exclude_id=item.community.id if item.community else None)


def copy_outgoing(user, source_key: str):
    """(Source, Outgoing) for a copy of the item, or None when it cannot be copied by them."""
    parts = registry.split_key(source_key)
    src = registry.source(parts[0]) if parts else None
    if src is None or src.export is None or src.copy_to is None:
        return None
    if readable(user, source_key) is None:
        return None
    out = src.export(user, parts[1])
    return (src, out) if out is not None else None


# --------------------------------------------------------------------------- provenance shown


@dataclass
class Shown:
    kind: str
    item: Item | None  # None: the reader may not see it (only a generic line is shown)
    created_at: object


@dataclass
class Provenance:
    origins: list[Shown]  # where this item came from
    derived: list[Shown]  # what was made from it (readable ones only)
    actions: list[tuple[str, str]]

    def __bool__(self) -> bool:
        return bool(self.origins or self.derived or self.actions)


@functools.cache
def _links_stmt():
    """Built once per process (every item page runs it)."""
    return (select(FlowLink).where(or_(FlowLink.target_key == bindparam("key"),
                                       FlowLink.source_group == bindparam("group")))
            .order_by(FlowLink.id.desc()).limit(4 * SHOWN_MAX))


def has_links(key):
    """An EXISTS clause: is ``key`` (a bind parameter or value) an end of some flow link? A tool
    puts it in the statement that reads its page's facts and passes the answer on as
    ``flow_provenance(key, links=...)``, which then skips its own read when there are none."""
    return exists().where(or_(FlowLink.target_key == key, FlowLink.source_group == key))


def provenance(user, key: str, *, group: str | None = None, links: bool = True,
               with_actions: bool = True) -> Provenance:
    """What a reader of ``key`` is told about its provenance. Titles and addresses only of items
    the reader may read: an unreadable origin is a generic line, an unreadable copy is left out.
    ``links=False``: the caller knows no link has ``key`` at either end (see ``has_links``).
    ``with_actions=False``: the page puts the flow actions in a menu of its own (``actions``)."""
    links = db.session.scalars(_links_stmt(), {"key": key, "group": group or key}).all() if links else []
    origins, derived = [], []
    for link in links:
        if link.target_key == key and len(origins) < SHOWN_MAX:
            origins.append(Shown(link.kind, readable(user, link.source_key), link.created_at))
        elif link.source_group == (group or key) and link.target_key != key and len(derived) < SHOWN_MAX:
            item = readable(user, link.target_key)
            if item is not None:
                derived.append(Shown(link.kind, item, link.created_at))
    return Provenance(origins, derived, actions(user, key) if with_actions else [])


def actions(user, key: str) -> list[tuple[str, str]]:
    """The flow actions the person may take on ``key`` (turn into ..., copy to another community),
    as (label, address)."""
    found: list[tuple[str, str]] = []
    parts = registry.split_key(key)
    src = registry.source(parts[0]) if parts else None
    if src is not None and getattr(user, "is_authenticated", False):
        if src.actions is not None:
            found = list(src.actions(user, parts[1]))
        if src.export is not None and src.copy_to is not None and _belongs_elsewhere(user, key):
            from flask import url_for

            found.append((str(_l("Copy to another community")), url_for("flows.copy", key=key)))
    return found


def _belongs_elsewhere(user, key: str) -> bool:
    """Is the person a member of some community other than the item's (a cheap first check;
    the copy page lists the communities that really take the copy)?"""
    item = readable(user, key)
    if item is None:
        return False
    here = item.community.id if item.community is not None else None

    def look() -> bool:
        stmt = select(Membership.community_id).where(Membership.user_id == user.id)
        if here is not None:
            stmt = stmt.where(Membership.community_id != here)
        return db.session.scalar(stmt.limit(1)) is not None

    return app_cache("flows_elsewhere", 60, max_items=8192).get_or_set((user.id, here), look)


def is_copy_kind(kind: str) -> bool:
    return kind == COPY
