"""The most viewed and most liked items of a period, without summing a year of items per request.

The settled days of a period (up to yesterday, once its late flushes and roll-ups are in) never
change, so their top lists are computed once and kept as a snapshot in ``analytics_top``: the
``CANDIDATES`` items with the most views and with the most likes, and the *bound*: no item
outside a list has more than its last value. A request reads the snapshot (one row), adds the
days after it (today) from ``analytics_content``, and looks up the settled sums of only those of
today's items that could still climb into a list (their bound plus today's count reaches the
list's last value). The answer is exactly the old sum over every item.

Snapshots are made by the server's analytics thread (for the periods asked for, and after
midnight again for each of them, one day later), by ``collab analytics rollup``, or by a request
that finds none (kept in the process until the thread stores it).
"""
from __future__ import annotations

import heapq
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, union_all

from collab.cache import app_cache
from collab.db import utcnow, write_intent
from collab.extensions import db

from .models import ContentDaily, ContentMonthly, State, TopSnapshot
from .recorder import MONTHS_THROUGH
from .rollup import next_month
from .upsert import insert_ignore

TOP = 10
CANDIDATES = TOP * 4
SETTLE = timedelta(minutes=30)  # after midnight, yesterday's last flushes and roll-ups are in
KEEP_DAYS = 7  # snapshots whose last day is older than this are deleted
WANTED = "collab_analytics_wanted"


def settled_through(now: datetime | None = None) -> date:
    """The last day whose aggregates no longer change (its late flushes and roll-ups are in)."""
    now = now or utcnow()
    return (now - SETTLE).date() - timedelta(days=1)


@dataclass
class Snapshot:
    views: list[tuple[str, int, int]] = field(default_factory=list)  # (key, views, likes), most views first
    likes: list[tuple[str, int, int]] = field(default_factory=list)  # most likes first
    bound_views: int = 0  # no item outside ``views`` has more views than this
    bound_likes: int = 0

    @classmethod
    def of(cls, sums: list[tuple[str, int, int]]) -> Snapshot:
        by_views = heapq.nsmallest(CANDIDATES, sums, key=lambda r: (-r[1], r[0]))
        by_likes = heapq.nsmallest(CANDIDATES, sums, key=lambda r: (-r[2], r[0]))
        full = len(sums) > CANDIDATES
        return cls(views=by_views, likes=by_likes, bound_views=by_views[-1][1] if full else 0,
                   bound_likes=by_likes[-1][2] if full else 0)

    def dumps(self) -> str:
        return json.dumps({"v": self.views, "l": self.likes, "bv": self.bound_views, "bl": self.bound_likes},
                          separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> Snapshot:
        d = json.loads(text)
        return cls(views=[tuple(r) for r in d["v"]], likes=[tuple(r) for r in d["l"]],
                   bound_views=d["bv"], bound_likes=d["bl"])

    def known(self) -> dict[str, list[int]]:
        return {k: [v, lk] for k, v, lk in self.views + self.likes}


def content_sums(cid: int | None, first: date, last: date, keys: Iterable[str] | None = None) -> list[tuple[str, int, int]]:
    """(key, views, likes) summed over [first, last]: whole summed months from the monthly table,
    the days around them from the daily one; only ``keys`` when given."""
    through = db.session.scalar(select(State.value).where(State.name == MONTHS_THROUGH)) or 0
    months: list[date] = []
    month = first if first.day == 1 else next_month(first.replace(day=1))
    while next_month(month) - timedelta(days=1) <= last and month.toordinal() <= through:
        months.append(month)
        month = next_month(month)
    key_list = sorted(set(keys)) if keys is not None else None
    if key_list is not None and not key_list:
        return []
    out: dict[str, list[int]] = {}
    chunks = [key_list[i:i + 500] for i in range(0, len(key_list), 500)] if key_list is not None else [None]
    for chunk in chunks:
        parts = []
        if months:
            m = select(ContentMonthly.key, ContentMonthly.views, ContentMonthly.likes)
            if chunk is None:
                m = m.where(ContentMonthly.month >= months[0], ContentMonthly.month <= months[-1])
            else:  # equality on both key columns (no range): index seeks, not a scan of the months
                m = m.where(ContentMonthly.month.in_(months), ContentMonthly.key.in_(chunk))
            if cid is not None:
                m = m.where(ContentMonthly.community_id == cid)
            parts.append(m)
            ranges = [(first, months[0] - timedelta(days=1)), (next_month(months[-1]), last)]
        else:
            ranges = [(first, last)]
        for a, b in ranges:
            if a > b:
                continue
            d = select(ContentDaily.key, ContentDaily.views, ContentDaily.likes)
            if chunk is None:
                d = d.where(ContentDaily.day >= a, ContentDaily.day <= b)
            else:
                d = d.where(ContentDaily.day.in_([a + timedelta(days=n) for n in range((b - a).days + 1)]),
                            ContentDaily.key.in_(chunk))
            if cid is not None:
                d = d.where(ContentDaily.community_id == cid)
            parts.append(d)
        if not parts:
            continue
        sub = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
        stmt = select(sub.c.key, func.sum(sub.c.views), func.sum(sub.c.likes)).group_by(sub.c.key)
        for k, v, lk in db.session.execute(stmt).all():
            out[k] = [int(v or 0), int(lk or 0)]
    return [(k, v, lk) for k, (v, lk) in out.items()]


def _cache():
    return app_cache("analytics-top", 26 * 3600, 256)


def _wanted(app) -> tuple[threading.Lock, set]:
    return app.extensions.setdefault(WANTED, (threading.Lock(), set()))


def snapshot(scope: str, cid: int | None, first: date, last: date) -> tuple[Snapshot, date]:
    """The settled top lists of [first, last], and the last day they cover: this process's cache,
    else the stored snapshot, else yesterday's one for the day before (just after midnight, until
    the thread has moved it on: the day it lacks is read with today), else computed now (and
    stored later by the analytics thread)."""
    key = (scope, first, last)
    cache = _cache()
    hit = cache.get(key)
    if hit is not None:
        return hit
    found = None
    for upto in (last, last - timedelta(days=1)):
        if upto < first:
            break
        text = db.session.scalar(select(TopSnapshot.payload).where(
            TopSnapshot.scope == scope, TopSnapshot.first_day == first, TopSnapshot.last_day == upto))
        if text is not None:
            found = (Snapshot.loads(text), upto)
            break
    if found is None:
        snap = Snapshot.of(content_sums(cid, first, last))
        found = (snap, last)
        lock, wanted = _wanted(current_app._get_current_object())
        with lock:
            if len(wanted) < 1000:  # the thread takes them every minute
                wanted.add((scope, cid, first, last, snap.dumps()))
    return cache.get_or_set(key, lambda: found)


def candidates(scope: str, cid: int | None, start: date, end: date) -> list[tuple[str, int, int]]:
    """(key, views, likes) over [start, end] for every item that can be in a top list (exact for
    those; others may be left out or undercounted, never ranked above one that belongs)."""
    settled_end = min(end, settled_through())
    snap, covered = Snapshot(), start - timedelta(days=1)
    if start <= settled_end:
        snap, covered = snapshot(scope, cid, start, settled_end)
    live_from = covered + timedelta(days=1)
    live = content_sums(cid, live_from, end) if live_from <= end else []
    merged = snap.known()
    outside: dict[str, list[int]] = {}
    for k, v, lk in live:
        if k in merged:
            merged[k][0] += v
            merged[k][1] += lk
        else:
            outside[k] = [v, lk]
    if outside and (snap.bound_views or snap.bound_likes):
        lows = list(merged.values()) + list(outside.values())
        floor_v = _nth([r[0] for r in lows])
        floor_l = _nth([r[1] for r in lows])
        # An item outside a list moves up only by what the live days added to it.
        need = [k for k, (v, lk) in outside.items()
                if (v and snap.bound_views + v >= floor_v) or (lk and snap.bound_likes + lk >= floor_l)]
        for k, v, lk in content_sums(cid, start, covered, need):
            outside[k][0] += v
            outside[k][1] += lk
    merged.update(outside)
    return [(k, v, lk) for k, (v, lk) in merged.items()]


def _nth(values: list[int]) -> int:
    """The CANDIDATES-th largest value (0 when there are fewer)."""
    if len(values) < CANDIDATES:
        return 0
    return heapq.nlargest(CANDIDATES, values)[-1]


def _store(rows: list[dict]) -> None:
    if rows:
        with write_intent():
            insert_ignore(TopSnapshot, rows, ["scope", "first_day", "last_day"])
            db.session.commit()


def warm(app=None, now: datetime | None = None, scopes: Iterable[tuple[str, int | None]] = (),
         days: Iterable[int] = ()) -> int:
    """Store the snapshots requests computed; after midnight, make each recent snapshot again one
    day later; for ``scopes`` x ``days`` (the preset periods ending today), make them if missing.
    Idempotent and safe from several processes (an existing snapshot is kept). Returns how many
    snapshots were made."""
    app = app or current_app._get_current_object()
    end = settled_through(now)
    today = (now or utcnow()).date()
    made = 0
    lock, wanted = _wanted(app)
    with lock:
        taken = list(wanted)
        wanted.clear()
    with app.app_context():
        try:
            _store([{"scope": s, "community_id": c, "first_day": f, "last_day": last, "payload": p}
                    for s, c, f, last, p in taken])
            targets = {(s, c, end - timedelta(days=(last - f).days), end) for s, c, f, last in db.session.execute(
                select(TopSnapshot.scope, TopSnapshot.community_id, TopSnapshot.first_day, TopSnapshot.last_day)
                .where(TopSnapshot.last_day < end, TopSnapshot.last_day >= end - timedelta(days=KEEP_DAYS))).all()}
            for scope, cid in scopes:
                for n in days:  # a preset period of n days ending today: its settled part
                    targets.add((scope, cid, today - timedelta(days=n - 1), end))
            have = set(db.session.execute(select(TopSnapshot.scope, TopSnapshot.first_day).where(
                TopSnapshot.last_day == end)).all())
            cache = _cache()
            for scope, cid, first, last in sorted(targets, key=lambda t: (t[0], t[2])):
                if (scope, first) in have or first > last:
                    continue
                snap = Snapshot.of(content_sums(cid, first, last))
                db.session.rollback()  # end the read before the write
                _store([{"scope": scope, "community_id": cid, "first_day": first, "last_day": last,
                         "payload": snap.dumps()}])
                cache.get_or_set((scope, first, last), lambda s=snap, d=last: (s, d))
                made += 1
            with write_intent():
                db.session.execute(delete(TopSnapshot).where(TopSnapshot.last_day < end - timedelta(days=KEEP_DAYS)))
                db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
    return made
