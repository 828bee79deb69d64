"""Insights from roll-ups: the figures read from daily, weekly and monthly aggregates and top-list
snapshots are exactly those computed from the raw activity events and daily view rows, for every
period (presets, custom ones with partial weeks, day and week grouping), before and after the
snapshots are stored and with today still growing; and roll-ups from several processes at once
count everything once."""
from __future__ import annotations

import heapq
import random
import threading
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select

from collab import analytics
from collab.activity.models import Event
from collab.analytics import metrics, toplists
from collab.analytics import recorder as rec
from collab.analytics import rollup
from collab.analytics.models import ActiveDaily, ActiveMonthly, DailyFigure, TopSnapshot, scope_of
from collab.db import utcnow, write_intent
from collab.extensions import db

VERBS = ["created", "replied", "replied", "commented", "liked", "answered", "joined", "edited"]
TYPES = ["forum_topic", "forum_post", "blog_post", "wiki_page"]
DAYS = 80


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), timezone.utc)


def insert_events(app, events: list[dict], views: Counter | None = None) -> None:
    """The activity events (and daily views) as stored, oldest first, in one transaction."""
    with app.app_context():
        with write_intent():
            db.session.execute(insert(Event.__table__), sorted(events, key=lambda e: e["created_at"]))
            if views:
                rec._write(views, set())
            db.session.commit()
        db.session.remove()


@pytest.fixture
def history(app, make_user, make_community):
    """Two communities, eight people, ~500 events over 80 days and views of 60 items."""
    rng = random.Random(10)
    users = [make_user(f"p{i}") for i in range(8)]
    places = [make_community(users[0], name="Ops"), make_community(users[1], name="Docs")]
    today = utcnow().date()
    events, views = [], Counter()
    for _ in range(500):
        day = today - timedelta(days=rng.randrange(DAYS))
        c = rng.choice(places)
        verb = rng.choice(VERBS)
        key = f"{rng.choice(TYPES)}:{rng.randrange(1, 40)}"
        hour = rng.randrange(0, 23) if day < today else 0
        events.append({"created_at": at(day, hour), "actor_id": rng.choice(users).id, "verb": verb,
                       "key": key if verb != "liked" else f"like:{rng.random()}", "group_key": key,
                       "community_id": c.id, "title": "t", "url": "/x", "summary": ""})
    for _ in range(900):
        day = today - timedelta(days=rng.randrange(DAYS))
        c = rng.choice(places)
        views[(day, f"forum_topic:{c.id}{rng.randrange(60):02d}", c.id)] += rng.randrange(1, 4)
    insert_events(app, events, views)
    analytics.roll_up(app, now=utcnow() + timedelta(minutes=1))
    return {"users": users, "places": places, "today": today}


def raw_people(app, cid: int, period: metrics.Period):
    """Active people per bucket, distinct active, posts per bucket and top contributors, straight
    from the activity events."""
    with app.app_context():
        rows = db.session.execute(select(Event.created_at, Event.actor_id, Event.verb).where(
            Event.community_id == cid)).all()
    active, posts, people, everyone = defaultdict(set), Counter(), defaultdict(lambda: [0, 0]), set()
    for created, actor, verb in rows:
        day = created.date()
        if not (period.start <= day <= period.end) or verb == "joined":
            continue
        bucket = period.bucket_of(day)
        active[bucket].add(actor)
        everyone.add(actor)
        people[actor][1] += 1
        if verb in rollup.POST_VERBS:
            people[actor][0] += 1
            posts[bucket] += 1
    top = sorted(people.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:metrics.TOP]
    return ([len(active[b]) for b in period.buckets()], len(everyone), [posts[b] for b in period.buckets()],
            [(u, p, a) for u, (p, a) in top])


def raw_top(app, cid: int, period: metrics.Period):
    """The top lists by summing every daily content row of the period (the old way)."""
    from collab.analytics.models import ContentDaily

    with app.app_context():
        rows = db.session.execute(select(ContentDaily.key, func.sum(ContentDaily.views), func.sum(ContentDaily.likes))
                                  .where(ContentDaily.community_id == cid, ContentDaily.day >= period.start,
                                         ContentDaily.day <= period.end).group_by(ContentDaily.key)).all()
    return _ranked([(k, int(v), int(lk)) for k, v, lk in rows])


def _ranked(sums):
    return (heapq.nsmallest(toplists.CANDIDATES, ((-v, k) for k, v, _l in sums if v > 0)),
            heapq.nsmallest(toplists.CANDIDATES, ((-lk, k) for k, _v, lk in sums if lk > 0)))


def periods(today: date) -> list[metrics.Period]:
    wednesday = today - timedelta(days=today.weekday() + 5)
    return [metrics.default_period(today, 7), metrics.default_period(today, 30), metrics.default_period(today, 90),
            metrics.default_period(today, 90, metrics.WEEK), metrics.default_period(today, 365),
            metrics.default_period(today, 30, metrics.WEEK),
            metrics.Period(wednesday - timedelta(days=40), wednesday, metrics.WEEK),  # ends mid-week, in the past
            metrics.Period(wednesday - timedelta(days=33), wednesday - timedelta(days=2), metrics.DAY)]


def check(app, history, c):
    today = history["today"]
    with app.test_request_context("/"):
        for period in periods(today):
            report = metrics.build(c, period)
            sums = toplists.candidates(f"c{c.id}", c.id, period.start, period.end)
            active, everyone, posts, top = raw_people(app, c.id, period)
            assert report.series["active"] == active, period
            assert report.totals.get("active", 0) == everyone, period
            assert report.series["posts"] == posts, period
            assert [(u.id, p, a) for u, p, a in report.contributors] == top, period
            assert _ranked(sums) == raw_top(app, c.id, period), period


def test_figures_from_aggregates_equal_the_raw_answers(app, history):
    for c in history["places"]:
        check(app, history, c)
    # Snapshots stored (as the thread does after a request, or the command), caches cold.
    cids = [(f"c{c.id}", c.id) for c in history["places"]]
    analytics.warm(app, scopes=cids, days=(7, 30, 90, 365))  # the requests' snapshots, and the presets
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TopSnapshot)) >= 8
    app.extensions.pop("collab_caches", None)
    # Today grows: a new item climbs into the top lists from nowhere; an old one gains.
    c = history["places"][0]
    today = history["today"]
    with app.app_context():
        with write_intent():
            rec._write(Counter({(today, f"forum_topic:{c.id}99", c.id): 500,
                                (today, f"forum_topic:{c.id}05", c.id): 3}), set())
            db.session.commit()
        db.session.remove()
    with app.test_request_context("/"):
        sums = dict((k, v) for k, v, _l in toplists.candidates(f"c{c.id}", c.id, today - timedelta(days=364), today))
    assert sums[f"forum_topic:{c.id}99"] == 500
    for place in history["places"]:
        check(app, history, place)


def test_a_snapshot_moves_on_a_day_after_midnight(app, history):
    c = history["places"][1]
    scope = f"c{c.id}"
    # Noon: in the first half hour after midnight yesterday is not settled yet (toplists.SETTLE),
    # and the period would have a day less whenever the suite happens to run then.
    now = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    assert analytics.warm(app, now=now, scopes=[(scope, c.id)], days=(30,)) == 1
    tomorrow = now + timedelta(days=1)
    assert analytics.warm(app, now=tomorrow) == 1  # the same period, one day on
    assert analytics.warm(app, now=tomorrow) == 0  # already there
    with app.app_context():
        rows = db.session.execute(select(TopSnapshot.first_day, TopSnapshot.last_day).where(TopSnapshot.scope == scope)
                                  .order_by(TopSnapshot.last_day)).all()
    assert len(rows) == 2 and rows[1][0] - rows[0][0] == timedelta(days=1) == rows[1][1] - rows[0][1]
    assert (rows[0][1] - rows[0][0]).days == 28  # 30 days ending today: 29 settled days


def test_rollups_from_several_processes_count_everything_once(app, make_user, make_community, monkeypatch):
    users = [make_user(f"q{i}") for i in range(4)]
    c = make_community(users[0], name="Busy")
    today = utcnow().date()
    rng = random.Random(3)
    events = [{"created_at": at(today - timedelta(days=rng.randrange(20)), rng.randrange(1, 23)) if i % 5 else
               at(today, 0), "actor_id": rng.choice(users).id, "verb": rng.choice(VERBS[:6]),
               "key": f"forum_post:{i}", "group_key": f"forum_topic:{i % 7}", "community_id": c.id, "title": "t",
               "url": "/x", "summary": ""} for i in range(300)]
    insert_events(app, events)
    monkeypatch.setattr(rollup, "BATCH", 25)  # many small rounds, so the processes interleave
    # The roll-up's clock: after every event (some are made for later today, whatever the hour now).
    now = at(today, 23) + rollup.LAG + timedelta(minutes=1)
    errors = []

    def run():
        try:
            analytics.roll_up(app, now=now)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    analytics.roll_up(app, now=now)  # a later round finds nothing left: nothing counted twice
    with app.app_context():
        posts = dict(db.session.execute(select(DailyFigure.day, DailyFigure.value).where(
            DailyFigure.scope == f"c{c.id}", DailyFigure.metric == "posts")).all())
        active = dict(db.session.execute(select(DailyFigure.day, DailyFigure.value).where(
            DailyFigure.scope == f"c{c.id}", DailyFigure.metric == "active")).all())
        per_day = dict(db.session.execute(select(ActiveDaily.day, func.count()).where(
            ActiveDaily.scope == f"c{c.id}").group_by(ActiveDaily.day)).all())
        monthly = db.session.execute(select(func.sum(ActiveMonthly.posts), func.sum(ActiveMonthly.actions)).where(
            ActiveMonthly.scope == f"c{c.id}")).one()
        daily = db.session.execute(select(func.sum(ActiveDaily.posts), func.sum(ActiveDaily.actions)).where(
            ActiveDaily.scope == f"c{c.id}")).one()
    expected = Counter(e["created_at"].date() for e in events if e["verb"] in rollup.POST_VERBS)
    assert posts == dict(expected)
    assert active == per_day
    assert tuple(monthly) == tuple(daily) == (sum(expected.values()), 300)

    # Two processes warming the same snapshots: one row each, no error.
    results = []
    warmers = [threading.Thread(target=lambda: results.append(
        analytics.warm(app, scopes=[(f"c{c.id}", c.id)], days=(7, 365)))) for _ in range(2)]
    for t in warmers:
        t.start()
    for t in warmers:
        t.join(60)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TopSnapshot)) == 2
    assert sum(results) >= 2


def test_a_serving_process_catches_up_in_small_rounds_with_rests_between(app, make_user, make_community,
                                                                        monkeypatch):
    """The server's roll-up (collab.analytics.recorder) takes small rounds and rests between them,
    so requests get in while it catches up on many events; everything is still counted once."""
    users = [make_user(f"r{i}") for i in range(3)]
    c = make_community(users[0], name="Catching up")
    today = utcnow().date()
    events = [{"created_at": at(today - timedelta(days=i % 9), 1), "actor_id": users[i % 3].id, "verb": "replied",
               "key": f"forum_post:{i}", "group_key": f"forum_topic:{i % 4}", "community_id": c.id, "title": "t",
               "url": "/x", "summary": ""} for i in range(50)]
    insert_events(app, events)
    rests = []
    monkeypatch.setattr(rollup.time, "sleep", rests.append)
    assert analytics.roll_up(app, now=at(today, 23) + timedelta(hours=1), batch=8, pause=0.01) == 50
    assert len(rests) == 6 and all(r >= 0.01 for r in rests)  # 50 events: six full rounds, then the rest
    with app.app_context():
        posts = db.session.scalar(select(func.sum(DailyFigure.value)).where(
            DailyFigure.scope == scope_of(c.id), DailyFigure.metric == "posts"))
    assert posts == 50


def test_the_rollup_command(app, history):
    result = app.test_cli_runner().invoke(args=["analytics", "rollup"])
    assert result.exit_code == 0, result.output
    assert "Rolled up 0 activity event(s); made 12 top-list snapshot(s)." in result.output  # site + 2, x 4
    again = app.test_cli_runner().invoke(args=["analytics", "rollup"])
    assert "made 0 top-list snapshot(s)" in again.output


def test_the_snapshot_of_the_day_before_serves_until_the_new_one_is_made(app, history):
    """Just after midnight: the stored snapshot ends a day early; the day it lacks is read live."""
    c = history["places"][0]
    scope, today = f"c{c.id}", history["today"]
    end = toplists.settled_through()
    start = today - timedelta(days=60)
    with app.app_context():
        old = toplists.Snapshot.of(toplists.content_sums(c.id, start, end - timedelta(days=1)))
        with write_intent():
            db.session.add(TopSnapshot(scope=scope, first_day=start, last_day=end - timedelta(days=1),
                                       community_id=c.id, payload=old.dumps()))
            db.session.commit()
        db.session.remove()
    app.extensions.pop("collab_caches", None)
    with app.test_request_context("/"):
        _snap, covered = toplists.snapshot(scope, c.id, start, end)
        sums = toplists.candidates(scope, c.id, start, today)
    assert covered == end - timedelta(days=1)
    assert _ranked(sums) == raw_top(app, c.id, metrics.Period(start, today))


def test_the_first_round_after_the_upgrade_fills_the_new_rollups(app, history):
    from collab.analytics.models import State

    def rollups():
        with app.app_context():
            monthly = sorted(db.session.execute(select(ActiveMonthly.month, ActiveMonthly.scope, ActiveMonthly.user_id,
                                                       ActiveMonthly.posts, ActiveMonthly.actions)).all())
            active = sorted(db.session.execute(select(DailyFigure.day, DailyFigure.scope, DailyFigure.metric,
                                                      DailyFigure.value).where(
                DailyFigure.metric.in_(["active", "active_week"]))).all())
            db.session.remove()
        return monthly, active

    made_by_rounds = rollups()
    assert made_by_rounds[0] and made_by_rounds[1]
    with app.app_context():  # the database as 0021 leaves it: new tables empty
        with write_intent():
            db.session.execute(ActiveMonthly.__table__.delete())
            db.session.execute(DailyFigure.__table__.delete().where(DailyFigure.metric.in_(["active", "active_week"])))
            db.session.execute(State.__table__.update().where(State.name == rollup.FILLED).values(value=0))
            db.session.commit()
        db.session.remove()
    analytics.roll_up(app)
    assert rollups() == made_by_rounds


def test_reports_are_built_once_per_period_however_many_readers_ask():
    import time as time_

    builds = []

    def build():
        builds.append(1)
        time_.sleep(0.5)
        return len(builds)

    reports = metrics._Reports(1.0)

    def ask_together(n=5):
        out = []
        threads = [threading.Thread(target=lambda: out.append(reports.get("30 days", build))) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        return sorted(out)

    assert ask_together() == [1] * 5 and len(builds) == 1  # the first readers wait for one build
    time_.sleep(1.1)
    assert ask_together() == [1, 1, 1, 1, 2] and len(builds) == 2  # stale: one rebuilds, the rest get the old one
    assert reports.get("30 days", build) == 2 and len(builds) == 2
