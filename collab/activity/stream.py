"""Reading the stream back: a person's home stream, a community's stream, a person's public
activity, each filtered at read time by what the reader may view, paged by event id (keyset) and
grouped for reading ("Ana and 3 others replied to ...").

The home stream is a union of small index range scans, one per source (each community the reader
belongs to on (community_id, id), each person they follow on (actor_id, id)), each cut to one
page, so a page costs the same at the top of a million events as deep down in them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, union_all

from collab.accounts.models import Face, Follow, User
from collab.extensions import db
from communities.models import RESTRICTED, Community, Membership

from .models import Event

PAGE_EVENTS = 40
# Events of the same verb about the same thing this close in time read as one line.
GROUP_WINDOW = timedelta(hours=12)
# Past this many sources, one scan of the newest events beats a union of per-source scans.
MAX_UNION_SOURCES = 200
TYPE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass
class StreamItem:
    verb: str
    group_key: str
    title: str
    url: str
    community_id: int | None
    created_at: datetime
    summary: str
    object_type: str
    newest_id: int
    actors: list = field(default_factory=list)     # Faces, newest first, distinct
    count: int = 1
    community: object = None                       # (slug, name) when shown

    @property
    def others(self) -> int:
        return max(0, len(self.actors) - 1)


@dataclass
class StreamPage:
    items: list[StreamItem]
    next_before: int | None           # pass as ?before= for the next (older) page


def clean_type(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if TYPE_RE.match(value) else None


def parse_before(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


def _hidden_community_ids(user) -> list[int]:
    """Restricted communities the reader is not in: the only events a signed-in reader may not
    see (public and moderated communities are open to everyone signed in)."""
    if user.is_admin:
        return []
    mine = select(Membership.community_id).where(Membership.user_id == user.id)
    return list(db.session.scalars(select(Community.id).where(
        Community.access == RESTRICTED, Community.id.not_in(mine))))


def _visible(hidden: list[int]):
    if not hidden:
        return None
    return or_(Event.community_id.is_(None), Event.community_id.not_in(hidden))


def _common(before: int | None, type_: str | None) -> list:
    where = []
    if before:
        where.append(Event.id < before)
    if type_:
        where.append(Event.key.like(type_ + ":%"))
    return where


def _ids_union(sources: list[list], limit: int) -> list[int]:
    if not sources:
        return []
    if len(sources) == 1:
        return list(db.session.scalars(select(Event.id).where(*sources[0]).order_by(Event.id.desc()).limit(limit)))
    parts = [select(select(Event.id).where(*where).order_by(Event.id.desc()).limit(limit).subquery().c.id)
             for where in sources]
    u = union_all(*parts).subquery()
    return list(db.session.scalars(select(u.c.id).distinct().order_by(u.c.id.desc()).limit(limit)))


def home_event_ids(user, *, before=None, community_id=None, type_=None, limit=PAGE_EVENTS) -> list[int]:
    """Newest event ids for ``user``'s home stream: their communities, and the people they follow
    (and themselves) wherever the reader may look."""
    common = _common(before, type_)
    communities = set(db.session.scalars(select(Membership.community_id).where(Membership.user_id == user.id)))
    people = set(db.session.scalars(select(Follow.followed_id).where(Follow.follower_id == user.id)))
    people.add(user.id)
    hidden = _hidden_community_ids(user)
    visible = _visible(hidden)
    if community_id is not None:
        if community_id in hidden:
            return []
        communities &= {community_id}
    if len(communities) + len(people) > MAX_UNION_SOURCES:
        by_people = and_(Event.actor_id.in_(people), *([visible] if visible is not None else []))
        if community_id is not None:
            by_people = and_(by_people, Event.community_id == community_id)
        clause = or_(Event.community_id.in_(communities), by_people) if communities else by_people
        return list(db.session.scalars(select(Event.id).where(clause, *common)
                                       .order_by(Event.id.desc()).limit(limit)))
    sources = [[Event.community_id == cid, *common] for cid in sorted(communities)]
    for pid in sorted(people):
        where = [Event.actor_id == pid, *common]
        if community_id is not None:
            where.append(Event.community_id == community_id)
        elif visible is not None:
            where.append(visible)
        sources.append(where)
    return _ids_union(sources, limit)


def community_event_ids(community, *, before=None, type_=None, limit=PAGE_EVENTS) -> list[int]:
    """The caller has checked the reader may view ``community``."""
    return _ids_union([[Event.community_id == community.id, *_common(before, type_)]], limit)


def person_event_ids(person, viewer, *, before=None, type_=None, limit=PAGE_EVENTS) -> list[int]:
    """What ``person`` did, in places ``viewer`` may view (and their personal content)."""
    where = [Event.actor_id == person.id, *_common(before, type_)]
    visible = _visible(_hidden_community_ids(viewer))
    if visible is not None:
        where.append(visible)
    return _ids_union([where], limit)


def build_page(ids: list[int], limit: int = PAGE_EVENTS, with_community: bool = True) -> StreamPage:
    """Load and group the events; ``ids`` may hold one more than ``limit`` (then there is more)."""
    more = len(ids) > limit
    ids = ids[:limit]
    if not ids:
        return StreamPage([], None)
    events = db.session.scalars(select(Event).where(Event.id.in_(ids)).order_by(Event.id.desc())).all()
    faces = {row[0]: Face(*row) for row in db.session.execute(
        select(*Face.columns()).where(User.id.in_({e.actor_id for e in events})))}
    places = {}
    if with_community:
        cids = {e.community_id for e in events if e.community_id is not None}
        if cids:
            places = {cid: (slug, name) for cid, slug, name in db.session.execute(
                select(Community.id, Community.slug, Community.name).where(Community.id.in_(cids)))}
    items: list[StreamItem] = []
    open_groups: dict[tuple[str, str], StreamItem] = {}
    for ev in events:
        k = (ev.verb, ev.group_key)
        item = open_groups.get(k)
        if item is not None and item.created_at - ev.created_at <= GROUP_WINDOW:
            item.count += 1
            face = faces.get(ev.actor_id)
            if face is not None and all(a.id != face.id for a in item.actors):
                item.actors.append(face)
            continue
        # The group's newest event names the thing (its title may have changed since).
        item = StreamItem(verb=ev.verb, group_key=ev.group_key, title=ev.title, url=ev.url,
                          community_id=ev.community_id, created_at=ev.created_at, summary=ev.summary,
                          object_type=ev.object_type, newest_id=ev.id,
                          actors=[faces[ev.actor_id]] if ev.actor_id in faces else [],
                          community=places.get(ev.community_id))
        if item.group_key != ev.key and item.verb in ("replied", "commented", "answered"):
            item.summary = ev.summary
        open_groups[k] = item
        items.append(item)
    return StreamPage(items, ids[-1] if more else None)


def home_page(user, *, before=None, community_id=None, type_=None, limit=PAGE_EVENTS) -> StreamPage:
    ids = home_event_ids(user, before=before, community_id=community_id, type_=type_, limit=limit + 1)
    return build_page(ids, limit)


def community_page(community, *, before=None, type_=None, limit=PAGE_EVENTS) -> StreamPage:
    return build_page(community_event_ids(community, before=before, type_=type_, limit=limit + 1), limit,
                      with_community=False)


def person_page(person, viewer, *, before=None, type_=None, limit=PAGE_EVENTS) -> StreamPage:
    return build_page(person_event_ids(person, viewer, before=before, type_=type_, limit=limit + 1), limit)


# Object types the type filter offers (any "type" prefix from the URL works too).
KNOWN_TYPES = ("wiki_page", "blog_post", "blog_comment", "forum_topic", "forum_post", "membership")
