"""The figures of a community (or of the whole site) over a period, from the daily aggregates.

Everything here reads precomputed rows: ``analytics_daily`` for the series, ``analytics_active``
for distinct people and top contributors, ``analytics_content`` for the most viewed and liked,
``search_misses`` for searches that found nothing; questions and links come from the tools that
registered for them (collab.analytics.registry). An empty community or period gives zeros.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select, union_all

from collab.accounts.models import User
from collab.cache import app_cache
from collab.db import utcnow
from collab.extensions import db
from collab.search.misses import SearchMiss
from communities.models import Community

from . import registry
from .models import ActiveDaily, ContentDaily, ContentMonthly, DailyFigure, State, VisitorToken, scope_of
from .recorder import MONTHS_THROUGH
from .rollup import monday, next_month

DAY, WEEK = "day", "week"
SETTLE = timedelta(minutes=30)  # after midnight, yesterday's last flushes and roll-ups are in
MAX_DAYS = 2 * 366
TOP = 10


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    grouping: str = DAY

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def buckets(self) -> list[date]:
        if self.grouping == WEEK:
            first, out = monday(self.start), []
            while first <= self.end:
                out.append(first)
                first += timedelta(days=7)
            return out
        return [self.start + timedelta(days=n) for n in range(self.days)]

    def bucket_of(self, day: date) -> date:
        return monday(day) if self.grouping == WEEK else day

    def bounds(self) -> tuple[datetime, datetime]:
        return (datetime.combine(self.start, time.min, timezone.utc),
                datetime.combine(self.end + timedelta(days=1), time.min, timezone.utc))


@dataclass
class Item:
    title: str
    url: str
    count: int


@dataclass
class Report:
    period: Period
    buckets: list[date]
    series: dict[str, list[int]]
    totals: dict[str, int]
    tools: list[tuple[str, str, int]]  # (tool, label, posts)
    questions: registry.QuestionFigures
    contributors: list[tuple[User, int, int]] = field(default_factory=list)  # (person, posts, actions)
    most_viewed: list[Item] = field(default_factory=list)
    most_liked: list[Item] = field(default_factory=list)
    most_linked: list[Item] = field(default_factory=list)
    no_results: list[tuple[str, int]] = field(default_factory=list)

    @property
    def answered_share(self) -> float | None:
        q = self.questions
        return q.answered / q.asked if q.asked else None


def build(community: Community | None, period: Period) -> Report:
    scope = scope_of(community.id if community is not None else None)
    cid = community.id if community is not None else None
    buckets = period.buckets()
    index = {b: i for i, b in enumerate(buckets)}
    tools = registry.sources()
    metrics = ["views", "visitors", "new_members", "posts", "likes"] + [f"posts:{s.tool}" for s in tools]
    series = {m: [0] * len(buckets) for m in metrics + ["active"]}
    totals = defaultdict(int)

    rows = db.session.execute(select(DailyFigure.day, DailyFigure.metric, DailyFigure.value).where(
        DailyFigure.scope == scope, DailyFigure.day >= period.start, DailyFigure.day <= period.end)).all()
    counted_visitors = set()
    for day, metric, value in rows:
        if metric == "visitors":
            counted_visitors.add(day)
        if metric in series:
            series[metric][index[period.bucket_of(day)]] += value
            totals[metric] += value
    # Days whose visitors are not counted yet (today): count the tokens now.
    for day, n in db.session.execute(select(VisitorToken.day, func.count()).where(
            VisitorToken.scope == scope, VisitorToken.day >= period.start, VisitorToken.day <= period.end)
            .group_by(VisitorToken.day)).all():
        if day not in counted_visitors:
            series["visitors"][index[period.bucket_of(day)]] += n
            totals["visitors"] += n

    settled, live = _heavy(scope, cid, period)
    for bucket, n in settled.active_counts.items():
        if bucket in index:
            series["active"][index[bucket]] = n
    for bucket, ids in live.active.items():
        if bucket in index:
            series["active"][index[bucket]] = len(ids | settled.part.active.get(bucket, set()))
    today_ids = set().union(*live.active.values()) if live.active else set()
    totals["active"] = len(settled.everyone) + len(today_ids - settled.everyone)

    report = Report(
        period=period, buckets=buckets, series=series, totals=dict(totals),
        tools=[(s.tool, str(s.label()), totals.get(f"posts:{s.tool}", 0)) for s in tools],
        questions=_questions(cid, period),
    )
    # The top of the whole period is among the settled top and what changed since.
    people = dict(settled.top_people)
    for user, (p, a) in live.people.items():
        old = settled.part.people.get(user, (0, 0))
        people[user] = (old[0] + p, old[1] + a)
    top = heapq.nsmallest(TOP, ((-p, -a, u) for u, (p, a) in people.items()))
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([r[2] for r in top])))} if top else {}
    report.contributors = [(users[u], -p, -a) for p, a, u in top if u in users]
    content = dict(settled.top_content)
    for key, (v, lk) in live.content.items():
        old = settled.part.content.get(key, (0, 0))
        content[key] = (old[0] + v, old[1] + lk)
    sums = [(k, v, lk) for k, (v, lk) in content.items()]
    report.most_viewed = _top(sums, 1)
    report.most_liked = _top(sums, 2)
    report.most_linked = _most_linked(cid)
    report.no_results = [(q, int(n)) for q, n in db.session.execute(
        select(SearchMiss.query, func.sum(SearchMiss.count)).where(
            SearchMiss.scope == scope, SearchMiss.day >= period.start, SearchMiss.day <= period.end)
        .group_by(SearchMiss.query).order_by(func.sum(SearchMiss.count).desc(), SearchMiss.query).limit(20)).all()]
    return report


@dataclass
class Part:
    """The figures of a stretch of days that need more than a few rows: who was active in each
    bucket, each person's posts and actions, each item's views and likes."""

    active: dict[date, set[int]] = field(default_factory=dict)
    people: dict[int, list[int]] = field(default_factory=dict)
    content: dict[str, list[int]] = field(default_factory=dict)



@dataclass
class Settled:
    """A cached Part of settled days, with what every request needs from it precomputed."""

    part: Part
    active_counts: dict[date, int]
    everyone: set[int]
    top_people: dict[int, tuple[int, int]]  # the TOP people by posts, then actions
    top_content: dict[str, tuple[int, int]]  # the TOP * 4 items by views and by likes

    @classmethod
    def of(cls, part: Part) -> Settled:
        people = heapq.nsmallest(TOP, ((-p, -a, u) for u, (p, a) in part.people.items()))
        by_views = heapq.nsmallest(TOP * 4, ((-v, k) for k, (v, _l) in part.content.items()))
        by_likes = heapq.nsmallest(TOP * 4, ((-lk, k) for k, (_v, lk) in part.content.items()))
        return cls(part=part, active_counts={b: len(ids) for b, ids in part.active.items()},
                   everyone=set().union(*part.active.values()) if part.active else set(),
                   top_people={u: (-p, -a) for p, a, u in people},
                   top_content={k: tuple(part.content[k]) for _n, k in by_views + by_likes})


def settled_through(now: datetime | None = None) -> date:
    """The last day whose aggregates no longer change (its late flushes and roll-ups are in)."""
    now = now or utcnow()
    return (now - SETTLE).date() - timedelta(days=1)


def _heavy(scope: str, cid: int | None, period: Period) -> tuple[Settled, Part]:
    """The settled days of the period from a per-process cache (they never change), and a Part
    of the rest (today), read now."""
    settled_end = min(period.end, settled_through())
    settled = Settled.of(Part())
    if period.start <= settled_end:
        cache = app_cache("analytics-settled", 6 * 3600, 64)
        key = (scope, period.start, settled_end, period.grouping)
        settled = cache.get_or_set(
            key, lambda: Settled.of(_read_part(scope, cid, period.start, settled_end, period.grouping)))
    first = max(period.start, settled_end + timedelta(days=1))
    live = _read_part(scope, cid, first, period.end, period.grouping) if first <= period.end else Part()
    return settled, live


def _read_part(scope: str, cid: int | None, first: date, last: date, grouping: str) -> Part:
    part = Part()
    week = grouping == WEEK
    rows = db.session.execute(select(ActiveDaily.day, ActiveDaily.user_id, ActiveDaily.posts, ActiveDaily.actions)
                              .where(ActiveDaily.scope == scope, ActiveDaily.day >= first, ActiveDaily.day <= last))
    active, people = part.active, part.people
    for day, user, posts, actions in rows:
        bucket = day - timedelta(days=day.weekday()) if week else day
        ids = active.get(bucket)
        if ids is None:
            ids = active[bucket] = set()
        ids.add(user)
        slot = people.get(user)
        if slot is None:
            people[user] = [posts, actions]
        else:
            slot[0] += posts
            slot[1] += actions
    part.content = {k: [v, lk] for k, v, lk in _content_sums(cid, Period(first, last, grouping))}
    return part


def _questions(cid: int | None, period: Period) -> registry.QuestionFigures:
    """The tools' question figures, recomputed at most once a minute per period (answers keep
    coming to old questions, so these are not settled like the rest)."""
    cache = app_cache("analytics-questions", 60, 256)
    return cache.get_or_set((cid, period.start, period.end), lambda: _read_questions(cid, period))


def _read_questions(cid: int | None, period: Period) -> registry.QuestionFigures:
    best = registry.QuestionFigures()
    start, end = period.bounds()
    for provider in registry.question_providers():
        figures = provider(cid, start, end)
        if figures.asked >= best.asked:
            best = figures
    return best


def describe(keys: list[str]) -> dict[str, tuple[str, str]]:
    """Title and URL of each live item among ``keys``; gone, hidden or unknown ones are left out."""
    by_type: dict[str, list[int]] = defaultdict(list)
    for key in keys:
        type_, _, pk = key.partition(":")
        if pk.isdigit():
            by_type[type_].append(int(pk))
    out: dict[str, tuple[str, str]] = {}
    for type_, pks in by_type.items():
        if type_ == "community":
            from flask import url_for

            for c in db.session.scalars(select(Community).where(Community.id.in_(pks))):
                out[f"community:{c.id}"] = (c.name, url_for("communities.home", slug=c.slug))
            continue
        entry = registry.content(type_)
        if entry is None:
            continue
        for pk, (title, url) in entry.describe(pks).items():
            out[f"{type_}:{pk}"] = (title, url)
    return out


def _content_sums(cid: int | None, period: Period) -> list[tuple[str, int, int]]:
    """(key, views, likes) summed over the period: whole summed months from the monthly table,
    the days around them from the daily one."""
    through = db.session.scalar(select(State.value).where(State.name == MONTHS_THROUGH)) or 0
    months: list[date] = []
    month = period.start if period.start.day == 1 else next_month(period.start.replace(day=1))
    while next_month(month) - timedelta(days=1) <= period.end and month.toordinal() <= through:
        months.append(month)
        month = next_month(month)
    parts = []
    if months:
        m = select(ContentMonthly.key, ContentMonthly.views, ContentMonthly.likes).where(
            ContentMonthly.month >= months[0], ContentMonthly.month <= months[-1])
        if cid is not None:
            m = m.where(ContentMonthly.community_id == cid)
        parts.append(m)
        ranges = [(period.start, months[0] - timedelta(days=1)), (next_month(months[-1]), period.end)]
    else:
        ranges = [(period.start, period.end)]
    for first, last in ranges:
        if first > last:
            continue
        d = select(ContentDaily.key, ContentDaily.views, ContentDaily.likes).where(
            ContentDaily.day >= first, ContentDaily.day <= last)
        if cid is not None:
            d = d.where(ContentDaily.community_id == cid)
        parts.append(d)
    if not parts:
        return []
    rows = parts[0] if len(parts) == 1 else union_all(*parts)
    sub = rows.subquery()
    stmt = select(sub.c.key, func.sum(sub.c.views), func.sum(sub.c.likes)).group_by(sub.c.key)
    return [(k, int(v or 0), int(lk or 0)) for k, v, lk in db.session.execute(stmt).all()]


def _top(sums: list[tuple[str, int, int]], which: int) -> list[Item]:
    ranked = heapq.nsmallest(TOP * 4, ((-row[which], row[0]) for row in sums if row[which] > 0))
    known = describe([k for _n, k in ranked])
    return [Item(*known[k], -n) for n, k in ranked if k in known][:TOP]


def _most_linked(cid: int | None) -> list[Item]:
    counts: list[tuple[str, int]] = []
    for provider in registry.link_providers():
        counts.extend(provider(cid, TOP * 2))
    counts.sort(key=lambda kv: (-kv[1], kv[0]))
    known = describe([k for k, _ in counts])
    return [Item(*known[k], n) for k, n in counts if k in known][:TOP]


def default_period(today: date, days: int = 30, grouping: str | None = None) -> Period:
    days = max(1, min(days, MAX_DAYS))
    return Period(today - timedelta(days=days - 1), today, grouping or (DAY if days <= 92 else WEEK))


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
