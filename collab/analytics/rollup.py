"""Roll the activity stream up into daily aggregates, incrementally.

Each round reads the activity events after the last one rolled up (``events_through``), oldest
first, up to those older than ``LAG`` (so a transaction still open is not skipped), and adds them
to the day they happened on: posts by tool, new members, likes (per day and per liked item), and
per person the things they did and posted (per day and per month); then it recounts the distinct
active people of the days and weeks it touched (``active`` and ``active_week`` daily figures). Everything is an addition, so today grows through the
day and a finished day never changes again. Several processes may run rounds: the watermark is
moved first, by compare-and-set, so one round wins and the others give way.

It also closes the unique-visitor count of finished days: the day's tokens are counted, then
deleted together with the day's salt.
"""
from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Date, delete, func, literal, select, text, update

from collab.activity.models import Event
from collab.db import utcnow, write_intent
from collab.extensions import db

from . import registry
from .models import (
    SITE, ActiveDaily, ActiveMonthly, ContentDaily, ContentMonthly, DailyFigure, DailySalt, State, VisitorToken, scope_of,
)
from .recorder import MONTHS_THROUGH, VISITORS_THROUGH, add_content
from .upsert import insert_ignore, upsert_add, upsert_set

EVENTS_THROUGH = "events_through"
FILLED = "rollups_filled"  # 1 once the monthly and distinct-active roll-ups are made from the daily rows
POST_VERBS = frozenset({"created", "replied", "published", "commented", "submitted", "edited"})
NOT_ACTIVITY = frozenset({"joined"})
LAG = timedelta(seconds=20)
VISITOR_GRACE = timedelta(minutes=10)  # late flushes of yesterday's views, from other processes
BATCH = 20_000
SERVER_BATCH = 1_000  # a round in a serving process: about a tenth of a second of work
SERVER_PAUSE = 0.05


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def roll_up(app=None, now: datetime | None = None, *, batch: int | None = None, pause: float = 0.0) -> int:
    """Roll up every event old enough, and close finished days' visitors; return the events.
    ``batch`` events a round; with ``pause``, a rest of that many seconds (or as long as the
    round took, if longer) between rounds: a server catching up on many events lets its requests
    in between (under the gevent worker a round holds the one hub)."""
    app = app or current_app._get_current_object()
    now = now or utcnow()
    batch = batch or BATCH
    total = 0
    with app.app_context():
        try:
            with write_intent():
                insert_ignore(State, [{"name": EVENTS_THROUGH, "value": 0}, {"name": VISITORS_THROUGH, "value": 0},
                                      {"name": MONTHS_THROUGH, "value": 0}, {"name": FILLED, "value": 0}], ["name"])
                db.session.commit()
            if not db.session.scalar(select(State.value).where(State.name == FILLED)):
                db.session.rollback()
                with write_intent():
                    fill_once()
                    db.session.commit()
            while True:
                started = time.monotonic()
                with write_intent():
                    done = _round(now, batch)
                    db.session.commit()
                total += max(done, 0)
                if done < batch:
                    break
                if pause:  # at least as long as the round took: catching up takes at most half the time
                    db.session.remove()  # no transaction or connection held while others run
                    time.sleep(max(pause, time.monotonic() - started))
            with write_intent():
                close_visitors(now)
                db.session.commit()
            with write_intent():
                close_months(now)
                db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
    return total


def _round(now: datetime, batch: int) -> int:
    mark = db.session.scalar(select(State.value).where(State.name == EVENTS_THROUGH)) or 0
    rows = db.session.execute(
        select(Event.id, Event.created_at, Event.actor_id, Event.verb, Event.key, Event.group_key,
               Event.community_id).where(Event.id > mark).order_by(Event.id).limit(batch)).all()
    cutoff = now - LAG
    ready = []
    for row in rows:
        if row.created_at > cutoff:
            break
        ready.append(row)
    if not ready:
        return 0
    moved = db.session.execute(update(State).where(State.name == EVENTS_THROUGH, State.value == mark)
                               .values(value=ready[-1].id)).rowcount
    if moved != 1:  # another process rolled these up
        db.session.rollback()
        return -1
    tools = registry.tool_of_type()
    daily: Counter = Counter()  # (day, scope, metric) -> n
    community: dict[str, int | None] = {}
    active: dict[tuple, list[int]] = {}  # (day, scope, user) -> [actions, posts]
    likes: Counter = Counter()  # (day, key) -> n
    like_community: dict[str, int | None] = {}
    for ev in ready:
        day = ev.created_at.date()
        scopes = [SITE] if ev.community_id is None else [SITE, scope_of(ev.community_id)]
        if ev.community_id is not None:
            community[scope_of(ev.community_id)] = ev.community_id
        for scope in scopes:
            if ev.verb == "joined":
                daily[(day, scope, "new_members")] += 1
                continue
            is_post = ev.verb in POST_VERBS
            slot = active.setdefault((day, scope, ev.actor_id), [0, 0])
            slot[0] += 1
            if is_post:
                slot[1] += 1
                tool = tools.get(ev.key.partition(":")[0], "other")
                daily[(day, scope, f"posts:{tool}")] += 1
                daily[(day, scope, "posts")] += 1
            if ev.verb == "liked":
                daily[(day, scope, "likes")] += 1
        if ev.verb == "liked":
            likes[(day, ev.group_key)] += 1
            like_community[ev.group_key] = ev.community_id
    if daily:
        upsert_add(DailyFigure, [
            {"day": d, "scope": s, "metric": m, "community_id": community.get(s), "value": n}
            for (d, s, m), n in sorted(daily.items())], ["day", "scope", "metric"], ["value"])
    if active:
        upsert_add(ActiveDaily, [
            {"day": d, "scope": s, "user_id": u, "week": monday(d), "community_id": community.get(s),
             "actions": a, "posts": p}
            for (d, s, u), (a, p) in sorted(active.items())], ["day", "scope", "user_id"], ["actions", "posts"])
    if active:
        monthly: dict[tuple, list[int]] = {}
        for (d, s, u), (a, p) in active.items():
            slot = monthly.setdefault((d.replace(day=1), s, u), [0, 0])
            slot[0] += a
            slot[1] += p
        upsert_add(ActiveMonthly, [
            {"month": m, "scope": s, "user_id": u, "community_id": community.get(s), "actions": a, "posts": p}
            for (m, s, u), (a, p) in sorted(monthly.items())], ["month", "scope", "user_id"], ["actions", "posts"])
        recount_active({d for d, _s, _u in active}, {s for _d, s, _u in active})
    if likes:
        add_content([{"day": d, "key": k, "community_id": like_community[k], "views": 0, "likes": n}
                     for (d, k), n in sorted(likes.items())], "likes")
    return len(ready)


def fill_once() -> None:
    """After the upgrade to 0021: make ``analytics_active_monthly`` and the ``active`` /
    ``active_week`` figures from the daily rows already there. It holds the roll-up watermark's
    row while it works, so no round runs meanwhile, and it recomputes from scratch, so it is
    right whichever process gets there first (the others find it done)."""
    db.session.execute(update(State).where(State.name == EVENTS_THROUGH).values(value=State.value))  # the lock
    if db.session.scalar(select(State.value).where(State.name == FILLED)):
        return
    if db.session.get_bind().dialect.name == "postgresql":
        month = "CAST(date_trunc('month', day) AS DATE)"
    else:
        month = "date(day, 'start of month')"
    run = db.session.execute
    run(delete(ActiveMonthly))
    run(text("INSERT INTO analytics_active_monthly (month, scope, user_id, community_id, actions, posts) "
             f"SELECT {month}, scope, user_id, min(community_id), sum(actions), sum(posts) FROM analytics_active "
             f"GROUP BY {month}, scope, user_id"))
    run(delete(DailyFigure).where(DailyFigure.metric.in_(["active", "active_week"])))
    run(text("INSERT INTO analytics_daily (day, scope, metric, community_id, value) "
             "SELECT day, scope, 'active', min(community_id), count(*) FROM analytics_active GROUP BY day, scope"))
    run(text("INSERT INTO analytics_daily (day, scope, metric, community_id, value) "
             "SELECT week, scope, 'active_week', min(community_id), count(DISTINCT user_id) FROM analytics_active "
             "GROUP BY week, scope"))
    run(update(State).where(State.name == FILLED).values(value=1))


def recount_active(days: set[date], scopes: set[str]) -> None:
    """Set the ``active`` figure (distinct people) of ``days`` and the ``active_week`` figure
    (distinct people of the week, on its Monday) of their weeks, for ``scopes``, from the daily
    rows. A count, not an addition: running it twice, or from two processes, gives the same."""
    weeks = {monday(d) for d in days}
    scopes_ = sorted(scopes)
    for start in range(0, len(scopes_), 500):
        chunk = scopes_[start:start + 500]
        per_day = db.session.execute(
            select(ActiveDaily.day, ActiveDaily.scope, func.min(ActiveDaily.community_id), func.count())
            .where(ActiveDaily.day.in_(sorted(days)), ActiveDaily.scope.in_(chunk))
            .group_by(ActiveDaily.day, ActiveDaily.scope)).all()
        per_week = db.session.execute(
            select(ActiveDaily.week, ActiveDaily.scope, func.min(ActiveDaily.community_id),
                   func.count(func.distinct(ActiveDaily.user_id)))
            .where(ActiveDaily.week.in_(sorted(weeks)), ActiveDaily.scope.in_(chunk))
            .group_by(ActiveDaily.week, ActiveDaily.scope)).all()
        rows = [{"day": d, "scope": s, "metric": "active", "community_id": c, "value": n} for d, s, c, n in per_day]
        rows += [{"day": w, "scope": s, "metric": "active_week", "community_id": c, "value": n}
                 for w, s, c, n in per_week]
        if rows:
            upsert_set(DailyFigure, sorted(rows, key=lambda r: (r["day"], r["scope"], r["metric"])),
                       ["day", "scope", "metric"], ["value"])


def close_visitors(now: datetime) -> None:
    """Count the visitors of every finished day (past the grace period), then forget the tokens
    and the salt that made them."""
    last = (now - VISITOR_GRACE).date() - timedelta(days=1)
    days = list(db.session.scalars(select(VisitorToken.day).where(VisitorToken.day <= last).distinct()))
    for day in sorted(days):
        counts = db.session.execute(
            select(VisitorToken.scope, func.min(VisitorToken.community_id), func.count())
            .where(VisitorToken.day == day).group_by(VisitorToken.scope)).all()
        upsert_set(DailyFigure, [{"day": day, "scope": s, "metric": "visitors", "community_id": c, "value": n}
                                 for s, c, n in counts], ["day", "scope", "metric"], ["value"])
        db.session.execute(delete(VisitorToken).where(VisitorToken.day == day))
    db.session.execute(delete(DailySalt).where(DailySalt.day <= last))
    through = db.session.scalar(select(State.value).where(State.name == VISITORS_THROUGH)) or 0
    if last.toordinal() > through:
        db.session.execute(update(State).where(State.name == VISITORS_THROUGH).values(value=last.toordinal()))


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def close_months(now: datetime) -> None:
    """Sum every finished month of ``analytics_content`` into ``analytics_content_monthly``, once
    its views are flushed (the grace period) and its events rolled up. Later additions to a summed
    month go to both tables (recorder.add_content)."""
    through = db.session.scalar(select(State.value).where(State.name == MONTHS_THROUGH)) or 0
    if through:
        month = next_month(date.fromordinal(through))
    else:
        first = db.session.scalar(select(func.min(ContentDaily.day)))
        if first is None:
            return
        month = first.replace(day=1)
    mark = db.session.scalar(select(State.value).where(State.name == EVENTS_THROUGH)) or 0
    done = None
    while True:
        end = next_month(month)
        if datetime.combine(end, datetime.min.time(), now.tzinfo) + VISITOR_GRACE > now:
            break
        pending = db.session.scalar(select(Event.id).where(
            Event.id > mark, Event.created_at < datetime.combine(end, datetime.min.time(), now.tzinfo)).limit(1))
        if pending is not None:
            break  # its likes are not all rolled up yet
        db.session.execute(ContentMonthly.__table__.insert().from_select(
            ["month", "key", "community_id", "views", "likes"],
            select(literal(month, Date()), ContentDaily.key, func.min(ContentDaily.community_id),
                   func.sum(ContentDaily.views), func.sum(ContentDaily.likes))
            .where(ContentDaily.day >= month, ContentDaily.day < end).group_by(ContentDaily.key)))
        done = month
        month = end
    if done is not None:
        db.session.execute(update(State).where(State.name == MONTHS_THROUGH).values(value=done.toordinal()))
