"""The figures of a community (or of the whole site) over a period, from the daily aggregates.

Everything here reads precomputed rows: ``analytics_daily`` for the series, ``analytics_active``
for distinct people and top contributors, ``analytics_content`` for the most viewed and liked,
``search_misses`` for searches that found nothing; questions and links come from the tools that
registered for them (collab.analytics.registry). An empty community or period gives zeros.
"""
from __future__ import annotations

import heapq
import threading
import time as time_
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from collab.accounts.models import User
from collab.cache import app_cache
from collab.db import utcnow
from collab.extensions import db
from collab.search.misses import SearchMiss
from communities.models import Community

from . import people, registry, toplists
from .models import DailyFigure, VisitorToken, scope_of
from .rollup import monday
from .toplists import SETTLE, TOP, settled_through  # noqa: F401

DAY, WEEK = "day", "week"
MAX_DAYS = 2 * 366


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


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    display_name: str


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
    contributors: list[tuple[Person, int, int]] = field(default_factory=list)  # (person, posts, actions)
    most_viewed: list[Item] = field(default_factory=list)
    most_liked: list[Item] = field(default_factory=list)
    most_linked: list[Item] = field(default_factory=list)
    no_results: list[tuple[str, int]] = field(default_factory=list)

    @property
    def answered_share(self) -> float | None:
        q = self.questions
        return q.answered / q.asked if q.asked else None


class _Reports:
    """Built reports of this process: fresh for ``seconds``; after that one request rebuilds
    while the others get the previous report, and the first requests for a period wait for the
    one that builds it (no herd of identical builds)."""

    def __init__(self, seconds: float, size: int = 256):
        self.seconds, self.size = seconds, size
        self.lock = threading.Lock()
        self.items: dict = {}  # key -> (built at, report)
        self.building: dict = {}  # key -> threading.Event

    def get(self, key, build_it):
        now = time_.monotonic()
        with self.lock:
            entry = self.items.get(key)
            if entry is not None and now - entry[0] >= self.seconds * 10:
                entry = None  # too old to show while rebuilding
            if entry is not None and now - entry[0] < self.seconds:
                return entry[1]
            event = self.building.get(key)
            mine = event is None
            if mine:
                event = self.building[key] = threading.Event()
        if not mine:
            if entry is not None:
                return entry[1]
            event.wait(60)
            with self.lock:
                entry = self.items.get(key)
            return entry[1] if entry is not None else build_it()
        try:
            report = build_it()
            with self.lock:
                self.items[key] = (time_.monotonic(), report)
                while len(self.items) > self.size:
                    self.items.pop(next(iter(self.items)))
            return report
        finally:
            with self.lock:
                self.building.pop(key, None)
            event.set()


def cached_build(community: Community | None, period: Period) -> Report:
    """:func:`build`, kept for a few seconds per period in this process (a Report is plain data):
    ``ANALYTICS_REPORT_SECONDS``, by default six flushes of the view buffer (30 s); none when the
    buffer is flushed by hand (tests)."""
    from flask import current_app

    app = current_app._get_current_object()
    seconds = app.config.get("ANALYTICS_REPORT_SECONDS")
    if seconds is None:
        seconds = 6 * float(app.config.get("ANALYTICS_FLUSH_SECONDS", 5) or 0)
    if seconds <= 0:
        return build(community, period)
    reports = app.extensions.get("collab_analytics_reports")
    if reports is None:
        reports = app.extensions.setdefault("collab_analytics_reports", _Reports(seconds))
    key = (scope_of(community.id if community is not None else None), period)
    return reports.get(key, lambda: build(community, period))


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
    day_active: dict[date, int] = {}
    week_active: dict[date, int] = {}
    for day, metric, value in rows:
        if metric == "active":
            day_active[day] = value
            continue
        if metric == "active_week":
            week_active[day] = value
            continue
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

    today = utcnow().date()
    if period.grouping == WEEK:
        for i, bucket in enumerate(buckets):
            first, last = max(bucket, period.start), min(bucket + timedelta(days=6), period.end)
            if first == bucket and (last == bucket + timedelta(days=6) or period.end >= today):
                series["active"][i] = week_active.get(bucket, 0)  # the whole week (or up to now)
            else:
                series["active"][i] = people.active_between(scope, first, last)
    else:
        for day, n in day_active.items():
            series["active"][index[day]] = n
    totals["active"] = people.distinct_active(scope, period.start, period.end, today)

    report = Report(
        period=period, buckets=buckets, series=series, totals=dict(totals),
        tools=[(s.tool, str(s.label()), totals.get(f"posts:{s.tool}", 0)) for s in tools],
        questions=_questions(cid, period),
    )
    top = people.top_contributors(scope, period.start, period.end, today, TOP)
    users = {u.id: Person(u.id, u.username, u.display_name) for u in db.session.execute(
        select(User.id, User.username, User.display_name).where(User.id.in_([r[0] for r in top])))} if top else {}
    report.contributors = [(users[u], p, a) for u, p, a in top if u in users]
    sums = toplists.candidates(scope, cid, period.start, period.end)
    report.most_viewed = _top(sums, 1)
    report.most_liked = _top(sums, 2)
    report.most_linked = _most_linked(cid)
    report.no_results = [(q, int(n)) for q, n in db.session.execute(
        select(SearchMiss.query, func.sum(SearchMiss.count)).where(
            SearchMiss.scope == scope, SearchMiss.day >= period.start, SearchMiss.day <= period.end)
        .group_by(SearchMiss.query).order_by(func.sum(SearchMiss.count).desc(), SearchMiss.query).limit(20)).all()]
    return report


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
