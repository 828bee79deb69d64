"""Distinct active people and top contributors of a period, from the roll-ups.

A period reads whole calendar months from ``analytics_active_monthly`` and only the days around
them from ``analytics_active``, so a year is twelve months of rows plus at most two partial
months of days. The month that holds today counts as whole when the period runs to today (its
later days have no rows yet), so the default periods read even fewer days.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, union_all

from collab.extensions import db

from .models import ActiveDaily, ActiveMonthly
from .rollup import next_month


def split(start: date, end: date, today: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The whole months of [start, end] (their 1st days) and the day ranges around them."""
    months: list[date] = []
    month = start if start.day == 1 else next_month(start.replace(day=1))
    while month <= end:
        last = next_month(month) - timedelta(days=1)
        if last <= end or end >= today:
            months.append(month)
        else:
            break
        month = next_month(month)
    if not months:
        return [], [(start, end)]
    ranges = [(start, months[0] - timedelta(days=1)), (next_month(months[-1]), end)]
    return months, [(a, b) for a, b in ranges if a <= b]


def _rows(scope: str, start: date, end: date, today: date):
    months, ranges = split(start, end, today)
    parts = []
    if months:
        parts.append(select(ActiveMonthly.user_id, ActiveMonthly.posts, ActiveMonthly.actions).where(
            ActiveMonthly.scope == scope, ActiveMonthly.month >= months[0], ActiveMonthly.month <= months[-1]))
    for first, last in ranges:
        parts.append(select(ActiveDaily.user_id, ActiveDaily.posts, ActiveDaily.actions).where(
            ActiveDaily.scope == scope, ActiveDaily.day >= first, ActiveDaily.day <= last))
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()


def distinct_active(scope: str, start: date, end: date, today: date) -> int:
    """How many different people did something in [start, end]."""
    rows = _rows(scope, start, end, today)
    return db.session.scalar(select(func.count(func.distinct(rows.c.user_id)))) or 0


def active_between(scope: str, first: date, last: date) -> int:
    """Distinct people active in [first, last], from the daily rows (a partial week)."""
    return db.session.scalar(select(func.count(func.distinct(ActiveDaily.user_id))).where(
        ActiveDaily.scope == scope, ActiveDaily.day >= first, ActiveDaily.day <= last)) or 0


def top_contributors(scope: str, start: date, end: date, today: date, limit: int) -> list[tuple[int, int, int]]:
    """[(user id, posts, actions)]: most posts first, then most actions, then the lowest id."""
    rows = _rows(scope, start, end, today)
    posts, actions = func.sum(rows.c.posts), func.sum(rows.c.actions)
    stmt = (select(rows.c.user_id, posts, actions).group_by(rows.c.user_id)
            .order_by(posts.desc(), actions.desc(), rows.c.user_id).limit(limit))
    return [(u, int(p or 0), int(a or 0)) for u, p, a in db.session.execute(stmt).all()]
