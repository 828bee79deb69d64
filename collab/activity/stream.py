"""Reading the stream back: a person's home stream, a community's stream, a person's public
activity, each filtered at read time by what the reader may view, paged by event id (keyset) and
grouped for reading ("Ana and 3 others replied to ...").

The home stream is a union of small index range scans, one per source (each community the reader
belongs to on (community_id, id), each person they follow on (actor_id, id)), each cut to one
page, so a page costs the same at the top of a million events as deep down in them.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import g, has_request_context
from sqlalchemy import Integer, and_, bindparam, literal, or_, select, text, union_all

from collab.accounts.models import Face, Follow, User
from collab.extensions import db, read
from collab.ids import parse_id
from communities.models import RESTRICTED, Community, Membership

from . import tool_keys
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
    n = parse_id(value)
    return n if n else None


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


def _reader_sources(user) -> tuple[set[int], set[int], list[int]]:
    """The reader's communities, the people they follow (and themselves), and the restricted
    communities they may not read, in one read, made once per request."""
    cache = g.setdefault("_stream_sources", {}) if has_request_context() else {}
    found = cache.get(user.id)
    if found is None:
        found = cache[user.id] = (set(), {user.id}, [])
        kinds = {"c": found[0].add, "p": found[1].add, "h": found[2].append}
        for kind, ident in read(_sources_statement(bool(user.is_admin)), {"user_id": user.id}):
            kinds[kind](ident)
    return found


@functools.cache
def _sources_statement(is_admin: bool):
    """Built once per process (every home page reads it; the person is a parameter)."""
    user_id = bindparam("user_id")
    mine = select(Membership.community_id).where(Membership.user_id == user_id)
    parts = [select(literal("c"), Membership.community_id).where(Membership.user_id == user_id),
             select(literal("p"), Follow.followed_id).where(Follow.follower_id == user_id)]
    if not is_admin:
        parts.append(select(literal("h"), Community.id).where(Community.access == RESTRICTED,
                                                              Community.id.not_in(mine)))
    return union_all(*parts)


def _int_list(values) -> str:
    return ", ".join(str(int(v)) for v in sorted(values))


def _merged_sql(n_communities: int, n_people: int, person_where: str, extra: str, limit: int) -> str:
    """Newest first over the sources, merged inside the database: (id, community_id) rows. The
    sources are bound (:c0.., :p0..), so readers with as many sources share one prepared statement.

    Each branch is a range scan of one covering index ((community_id, id) or
    (actor_id, id, community_id)) already in id order, so SQLite merges the branches of the
    compound SELECT lazily (co-routines; the LIMIT stops the merge) and PostgreSQL plans a Merge
    Append under the Limit: a page reads about ``limit`` index entries plus one per source, however
    many events there are and however deep the page.
    """
    branches = [f"SELECT id, community_id FROM activity_events WHERE community_id = :c{i}{extra}"
                for i in range(n_communities)]
    branches += [f"SELECT id, community_id FROM activity_events WHERE actor_id = :p{i}{person_where}{extra}"
                 for i in range(n_people)]
    if len(branches) == 1:
        return f"{branches[0]} ORDER BY id DESC LIMIT {int(limit)}"
    if db.engine.dialect.name == "sqlite":
        return " UNION ALL ".join(branches) + f" ORDER BY 1 DESC LIMIT {int(limit)}"
    # PostgreSQL: each branch ordered and cut too, or the planner may prefer one big sort
    return ("SELECT id, community_id FROM ("
            + " UNION ALL ".join(f"({b} ORDER BY id DESC LIMIT {int(limit)})" for b in branches)
            + f") AS sources ORDER BY id DESC LIMIT {int(limit)}")


_MERGED: dict[tuple, object] = {}


def _merged_statement(n_communities: int, n_people: int, person_where: str, extra: str, limit: int):
    """``text(_merged_sql(...))``, made once per shape in each process: parsing a hundred branches'
    bind names cost more than running the statement."""
    key = (n_communities, n_people, person_where, extra, limit, db.engine.dialect.name)
    stmt = _MERGED.get(key)
    if stmt is None:
        if len(_MERGED) >= 512:
            _MERGED.clear()
        stmt = _MERGED[key] = text(_merged_sql(n_communities, n_people, person_where, extra, limit))
    return stmt


def _merged_ids(communities: set[int], people: set[int], hidden: list[int], person_where: str, extra: str,
                params: dict, limit: int) -> list[int]:
    """The newest ``limit`` visible ids over the sources.

    The branches overlap (a followed person acting in one of the reader's communities) and a
    followed person's branch may hold events the reader may not see (restricted communities they
    are not in). Filtering that in every branch costs more than the scans (SQLite builds an IN
    table per branch), so the merged rows come back with their community and are deduplicated and
    filtered here, in a batch a little larger than the page. A reader whose followees mostly act
    out of sight takes a few more batches, then one exact query filtered in SQL for the rest.
    """
    if not communities and not people:
        return []
    hidden_set = set(hidden)
    out: list[int] = []
    last = None
    batch = limit + limit // 2 + 8
    params = dict(params)
    params.update({f"c{i}": cid for i, cid in enumerate(sorted(communities))})
    params.update({f"p{i}": pid for i, pid in enumerate(sorted(people))})
    n_c, n_p = len(communities), len(people)
    for _round in range(3):
        rows = db.session.execute(_merged_statement(n_c, n_p, person_where, extra, batch), params).all()
        for eid, cid in rows:
            if eid == last:                  # the same event from its community and its actor
                continue
            last = eid
            if cid is not None and cid in hidden_set:
                continue
            out.append(eid)
            if len(out) == limit:
                return out
        if len(rows) < batch:
            return out                       # every source is exhausted
        params["before"] = rows[-1][0]
        if " AND id < :before" not in extra:
            extra = " AND id < :before" + extra
        batch *= 4
    # Still short: the database skips what the reader may not see, and the overlap.
    skip = set(communities) | hidden_set
    if skip:
        person_where += f" AND (community_id IS NULL OR community_id NOT IN ({_int_list(skip)}))"
    rows = db.session.execute(_merged_statement(n_c, n_p, person_where, extra, limit - len(out)),
                              params).all()
    return out + [eid for eid, _cid in rows]


def home_event_ids(user, *, before=None, community_id=None, type_=None, limit=PAGE_EVENTS) -> list[int]:
    """Newest event ids for ``user``'s home stream: their communities, and the people they follow
    (and themselves) wherever the reader may look."""
    communities, people, hidden = _reader_sources(user)
    if community_id is not None:
        if community_id in hidden:
            return []
        if community_id in communities:
            # everything in it is in the stream already: one source
            return community_event_ids_by_id(community_id, before=before, type_=type_, limit=limit)
        communities = set()
    if len(communities) + len(people) > MAX_UNION_SOURCES:
        common = _common(before, type_)
        visible = _visible(hidden)
        by_people = and_(Event.actor_id.in_(people), *([visible] if visible is not None else []))
        if community_id is not None:
            by_people = and_(by_people, Event.community_id == community_id)
        clause = or_(Event.community_id.in_(communities), by_people) if communities else by_people
        return list(db.session.scalars(select(Event.id).where(clause, *common)
                                       .order_by(Event.id.desc()).limit(limit)))
    params: dict = {}
    extra = ""
    if before:
        extra += " AND id < :before"
        params["before"] = int(before)
    if type_:
        extra += " AND key LIKE :type"
        params["type"] = type_ + ":%"
    person_where = ""
    if community_id is not None:
        person_where = " AND community_id = :cf"
        params["cf"] = int(community_id)
    return _merged_ids(communities, people, hidden, person_where, extra, params, limit)


_COMMUNITY_IDS = (select(Event.id).where(Event.community_id == bindparam("community_id"))
                  .order_by(Event.id.desc()).limit(bindparam("limit", type_=Integer)))


def community_event_ids_by_id(community_id: int, *, before=None, type_=None, limit=PAGE_EVENTS) -> list[int]:
    if not before and not type_:  # a community home's first page: the statement is built once
        return list(db.session.scalars(_COMMUNITY_IDS, {"community_id": community_id, "limit": limit}))
    return _ids_union([[Event.community_id == community_id, *_common(before, type_)]], limit)


def community_event_ids(community, *, before=None, type_=None, limit=PAGE_EVENTS) -> list[int]:
    """The caller has checked the reader may view ``community``."""
    return community_event_ids_by_id(community.id, before=before, type_=type_, limit=limit)


def person_event_ids(person, viewer, *, before=None, type_=None, limit=PAGE_EVENTS) -> list[int]:
    """What ``person`` did, in places ``viewer`` may view (and their personal content)."""
    where = [Event.actor_id == person.id, *_common(before, type_)]
    visible = _visible(_hidden_community_ids(viewer))
    if visible is not None:
        where.append(visible)
    return _ids_union([where], limit)


# One read per page: the events with their actors and places (plain rows, no ORM objects).
_PAGE_SQL = (
    "SELECT e.id, e.created_at, e.actor_id, e.verb, e.key, e.group_key, e.community_id, e.title, e.url, "
    "e.summary, u.username, u.display_name, u.avatar, c.slug, c.name, c.tools FROM activity_events e "
    "LEFT JOIN users u ON u.id = e.actor_id LEFT JOIN communities c ON c.id = e.community_id "
    "WHERE e.id IN ({ids}) ORDER BY e.id DESC")


def build_page(ids: list[int], limit: int = PAGE_EVENTS, with_community: bool = True) -> StreamPage:
    """Load and group the events; ``ids`` may hold one more than ``limit`` (then there is more)."""
    more = len(ids) > limit
    ids = ids[:limit]
    if not ids:
        return StreamPage([], None)
    statement = text(_PAGE_SQL.format(ids=", ".join(str(int(i)) for i in ids))).columns(
        Event.id, Event.created_at, Event.actor_id, Event.verb, Event.key, Event.group_key, Event.community_id,
        Event.title, Event.url, Event.summary, User.username, User.display_name, User.avatar, Community.slug,
        Community.name, Community.tools)
    # A tool its community switched off takes its events out (here, as the page is read: the scans
    # stay index-only; a page may then hold fewer lines, its cursor goes on from the ids).
    events = [ev for ev in db.session.execute(statement).all() if tool_keys.shown(ev.key, ev[15])]
    faces, places = {}, {}
    for ev in events:
        if ev[10] is not None and ev.actor_id not in faces:
            faces[ev.actor_id] = Face(ev.actor_id, ev[10], ev[11], ev[12])
        if with_community and ev[13] is not None:
            places[ev.community_id] = (ev[13], ev[14])
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
                          object_type=ev.key.partition(":")[0], newest_id=ev.id,
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
