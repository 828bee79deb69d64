"""Insights figures (issue 10): the metrics page of a community with 100,000 posts and 1,000,000
page views over a year, read by signed-in clients against the real server.

    .venv/bin/python bench/analytics_bench.py [--instance DIR] [--clients 4] [--duration 15] [--port 5097]

Without --instance, bench/datagen.py makes a fresh data set first (people, communities,
memberships) in a temporary folder. Then, in the community the ``bench`` account owns, this
script bulk-inserts a year of forum history: --posts posts (topics and replies, about 60 % of
topics questions, half of those with an accepted answer, likes) with their activity events, and
--views page views spread over the year (a Zipf-like popularity over the topics, more on weekdays)
written through the real flush code of collab.analytics in daily batches. Then it rolls the
activity stream up (the same roll-up the server runs every minute) and prints how long that took.

Cold first: --cold-rounds times, a fresh server process (nothing cached in it; one request for an
empty period long ago has loaded its code and templates) answers each period once, one request
after the other, twice over: with no top-list snapshot stored (the first
look ever at a period; worse than the first look after midnight, when the analytics thread has
moved the snapshots on) and after ``collab analytics rollup`` (snapshots stored).

Then warm, each for --duration seconds with --clients concurrent keep-alive clients:

    7 days       ?days=7
    30 days      /c/<slug>/insights (the default: the last 30 days by day)
    90 days      ?days=90
    90 by week   ?days=90&group=week
    year         ?days=365 (by week)
    year by day  ?days=365&group=day
    year csv     /c/<slug>/insights.csv?days=365&table=series
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clients import BenchError, Client, ClientPool, LoginError  # noqa: E402
from forums_bench import print_rows, summarise  # noqa: E402
from load import (  # noqa: E402
    HEADER, HOST, Server, app_info, bench_main, generate, git_revision, percentile, port_free, sign_in_check,
    venv_bin,
)

DAYS = 365


def _zipf_weights(n: int, s: float = 1.05) -> list[float]:
    return [1.0 / (i + 1) ** s for i in range(n)]


def seed_history(instance: Path, seed: int, posts: int, views: int) -> dict:
    """Bulk-insert a year of forum history and page views into the community bench owns."""
    os.environ["COLLAB_INSTANCE_PATH"] = str(instance)
    os.environ["COLLAB_NO_INDEXER"] = "1"
    from sqlalchemy import func, insert, select

    from collab.accounts.models import User
    from collab.activity.models import Event
    from collab.analytics import recorder as rec
    from collab.analytics.rollup import close_visitors, roll_up
    from collab.app import create_app
    from collab.db import write_intent
    from collab.extensions import db
    from communities.models import Community, Membership
    from forums.models import Forum, ForumPost, ForumTopic

    rng = random.Random(seed)
    app = create_app()
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    with app.app_context():
        bench = db.session.scalar(select(User).where(User.username == "bench"))
        row = db.session.execute(
            select(Community.id, Community.slug).join(Membership, Membership.community_id == Community.id)
            .where(Membership.user_id == bench.id, Membership.role == "owner", Community.is_archived.is_(False))
            .order_by(Community.member_count.desc()).limit(1)).first()
        if row is None:
            raise BenchError("the bench account owns no community")
        cid, slug = row
        members = list(db.session.scalars(select(Membership.user_id).where(Membership.community_id == cid)))
        authors = members + rng.sample(list(db.session.scalars(select(User.id))), 200)
        t0 = time.perf_counter()
        db.session.execute(insert(Forum.__table__), [{"community_id": cid, "name": "Bench: a year of questions",
                                                      "description": "", "position": 9,
                                                      "created_at": now, "updated_at": now}])
        forum = db.session.scalar(select(Forum.id).where(Forum.community_id == cid).order_by(Forum.id.desc()).limit(1))
        first_topic = (db.session.scalar(select(func.max(ForumTopic.id))) or 0) + 1
        first_post = (db.session.scalar(select(func.max(ForumPost.id))) or 0) + 1
        n_topics = posts // 5
        topics, post_rows, events = [], [], []
        pid = first_post
        for i in range(n_topics):
            tid = first_topic + i
            created = now - timedelta(seconds=rng.randint(3600, DAYS * 86400))
            question = rng.random() < 0.6
            author = rng.choice(authors)
            replies = 4
            first_reply = created + timedelta(minutes=rng.randint(3, 2000))
            answered = question and rng.random() < 0.5
            answered_at = first_reply + timedelta(minutes=rng.randint(5, 3000)) if answered else None
            if answered_at and answered_at > now:
                answered_at = None
            topic_post = pid
            post_rows.append({"id": pid, "topic_id": tid, "community_id": cid, "number": 1, "author_id": author,
                              "body": "Question", "body_html": "<p>Question</p>", "like_count": 0, "open_flags": 0,
                              "is_deleted": False, "created_at": created})
            events.append({"created_at": created, "actor_id": author, "verb": "created", "key": f"forum_topic:{tid}",
                           "group_key": f"forum_topic:{tid}", "community_id": cid, "title": f"Topic {i}",
                           "url": f"/c/{slug}/forums/t/{tid}", "summary": ""})
            pid += 1
            when = first_reply
            for n in range(replies):
                if when > now:
                    break
                who = rng.choice(authors)
                post_rows.append({"id": pid, "topic_id": tid, "community_id": cid, "number": n + 2, "author_id": who,
                                  "body": "Reply", "body_html": "<p>Reply</p>", "like_count": 0, "open_flags": 0,
                                  "is_deleted": False, "created_at": when})
                events.append({"created_at": when, "actor_id": who, "verb": "replied", "key": f"forum_post:{pid}",
                               "group_key": f"forum_topic:{tid}", "community_id": cid, "title": f"Topic {i}",
                               "url": f"/c/{slug}/forums/p/{pid}", "summary": ""})
                if rng.random() < 0.2:
                    liker = rng.choice(authors)
                    events.append({"created_at": when + timedelta(minutes=30), "actor_id": liker, "verb": "liked",
                                   "key": f"forum_like:{pid}:{liker}", "group_key": f"forum_post:{pid}",
                                   "community_id": cid, "title": f"Topic {i}", "url": f"/c/{slug}/forums/p/{pid}",
                                   "summary": ""})
                pid += 1
                when += timedelta(minutes=rng.randint(5, 600))
            if answered_at:
                events.append({"created_at": answered_at, "actor_id": author, "verb": "answered",
                               "key": f"forum_answer:{tid}", "group_key": f"forum_topic:{tid}", "community_id": cid,
                               "title": f"Topic {i}", "url": f"/c/{slug}/forums/t/{tid}", "summary": ""})
            topics.append({
                "id": tid, "community_id": cid, "forum_id": forum, "title": f"Topic {i}: how do I deploy service {i % 97}?",
                "tags": "", "author_id": author, "is_question": question, "is_pinned": False, "is_locked": False,
                "is_deleted": False, "first_post_id": topic_post, "accepted_post_id": topic_post + 1 if answered_at else None,
                "last_post_id": pid - 1, "last_number": pid - topic_post, "reply_count": pid - topic_post - 1,
                "view_count": 0, "last_post_at": when, "first_reply_at": first_reply if first_reply <= now else None,
                "answered_at": answered_at, "created_at": created, "updated_at": created})
        events.sort(key=lambda e: e["created_at"])
        for table, rows in ((ForumTopic.__table__, topics), (ForumPost.__table__, post_rows), (Event.__table__, events)):
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(table), rows[start:start + 5000])
        if db.engine.dialect.name == "postgresql":
            for table in ("forum_topics", "forum_posts", "activity_events"):
                db.session.execute(db.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        db.session.commit()
        insert_seconds = time.perf_counter() - t0

        # A year of page views through the flush code, one day at a time.
        t0 = time.perf_counter()
        weights = _zipf_weights(n_topics)
        order = list(range(n_topics))
        rng.shuffle(order)
        day_weights = [(0.45 if (today - timedelta(days=d)).weekday() >= 5 else 1.0) for d in range(DAYS)]
        scale = views / sum(day_weights)
        readers = members or [bench.id]
        written = 0
        for d in range(DAYS - 1, -1, -1):
            day = today - timedelta(days=d)
            n = int(round(day_weights[d] * scale)) if d else views - written
            n = max(0, min(n, views - written))
            picks = rng.choices(order, weights=weights, k=n)
            counts = Counter((day, f"forum_topic:{first_topic + t}", cid) for t in picks)
            visitors = {(day, cid, f"u{rng.choice(readers)}") for _ in range(max(1, n // 8))}
            with write_intent():
                rec._write(counts, visitors)
                db.session.commit()
            written += n
        with write_intent():
            close_visitors(datetime.combine(today, datetime.min.time(), UTC) + timedelta(minutes=30))
            db.session.commit()
        views_seconds = time.perf_counter() - t0
        db.session.remove()
        t0 = time.perf_counter()
        rolled = roll_up(app)
        rollup_seconds = time.perf_counter() - t0
        if db.engine.dialect.name == "sqlite":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        counts = {
            "posts": len(post_rows), "topics": len(topics), "events": len(events), "views": written,
            "content_rows": db.session.scalar(db.text("SELECT count(*) FROM analytics_content")),
            "daily_rows": db.session.scalar(db.text("SELECT count(*) FROM analytics_daily")),
            "active_rows": db.session.scalar(db.text("SELECT count(*) FROM analytics_active")),
        }
        db.session.remove()
        db.engine.dispose()
    return {"slug": slug, "community_id": cid, "insert_seconds": round(insert_seconds, 1),
            "views_seconds": round(views_seconds, 1), "rollup_seconds": round(rollup_seconds, 1),
            "rolled_events": rolled, **counts}


def _collab(instance: Path, *argv: str) -> str:
    import subprocess

    env = dict(os.environ, COLLAB_INSTANCE_PATH=str(instance), COLLAB_NO_INDEXER="1")
    done = subprocess.run([venv_bin("collab"), *argv], env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode:
        raise BenchError(f"collab {' '.join(argv)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _drop_snapshots(instance: Path) -> None:
    import subprocess

    code = ("from collab.app import create_app\nfrom collab.extensions import db\napp = create_app()\n"
            "with app.app_context():\n    db.session.execute(db.text('DELETE FROM analytics_top'))\n"
            "    db.session.commit()\n")
    env = dict(os.environ, COLLAB_INSTANCE_PATH=str(instance), COLLAB_NO_INDEXER="1")
    subprocess.run([venv_bin("python"), "-c", code], env=env, check=True, capture_output=True, timeout=300)


def cold_rounds(instance: Path, port: int, work: Path, cookie: str | None, pages: list[tuple[str, str]],
                rounds: int) -> dict:
    """Each page once from a fresh server process: without snapshots, then with them."""
    out: dict[str, dict[str, list[float]]] = {}
    for state in ("no snapshot", "snapshots"):
        if state == "snapshots":
            print(f"         {_collab(instance, 'analytics', 'rollup')}")
        for _ in range(rounds):
            if state == "no snapshot":
                _drop_snapshots(instance)
            server = Server(instance, port, work / "server-cold.log")
            try:
                server.wait_healthy()
                client = Client(HOST, port)
                client.sign_in(cookie)
                # The process's own first request (templates, code, connections): an empty period
                # long ago, which fills none of the caches the measured pages use.
                client.get(pages[1][1] + "?from=2001-01-01&to=2001-01-07")
                for name, path in pages:
                    t0 = time.perf_counter()
                    status, _body = client.get(path)
                    ms = (time.perf_counter() - t0) * 1000
                    if status != 200:
                        raise BenchError(f"GET {path} answered {status}")
                    out.setdefault(state, {}).setdefault(name, []).append(ms)
                client.close()
            finally:
                server.stop()
    return out


def run(args, work: Path) -> dict:
    report = {"when": datetime.now().isoformat(timespec="seconds"), "git": git_revision(),
              "cpus": os.cpu_count(), "loadavg_start": os.getloadavg(),
              "database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"}
    print(f"collab analytics benchmark  {report['when']}  git {report['git']}  {report['cpus']} CPUs  "
          f"{report['database']}  load average {report['loadavg_start'][0]:.2f}")
    instance = Path(args.instance).resolve() if args.instance else work / "instance"
    if not args.instance:
        generate(instance, args)
    seeded = instance / "analytics-bench.json"
    if seeded.exists():  # an instance this script filled before (--keep): measure it again
        data = json.loads(seeded.read_text())
    else:
        data = seed_history(instance, args.seed, args.posts, args.views)
        seeded.write_text(json.dumps(data))
    report["data"] = data
    print(f"data     {data['posts']:,} posts ({data['topics']:,} topics), {data['events']:,} events, "
          f"{data['views']:,} views over {DAYS} days in /c/{data['slug']}/")
    print(f"         insert {data['insert_seconds']} s, views through the flush {data['views_seconds']} s, "
          f"roll-up of {data['rolled_events']:,} events {data['rollup_seconds']} s")
    print(f"         aggregates: {data['content_rows']:,} content-day rows, {data['daily_rows']:,} daily figures, "
          f"{data['active_rows']:,} person-days")
    _collab(instance, "db", "upgrade")  # an instance kept from an older revision
    info = app_info(instance)
    if not port_free(args.port):
        raise BenchError(f"port {args.port} is in use: pass another --port")
    base = f"/c/{data['slug']}/insights"
    pages = [("7 days", base + "?days=7"), ("30 days", base), ("90 days", base + "?days=90"),
             ("90 by week", base + "?days=90&group=week"), ("year", base + "?days=365"),
             ("year by day", base + "?days=365&group=day"), ("year csv", base + ".csv?days=365&table=series")]
    cookie = None
    if args.cold_rounds:
        server = Server(instance, args.port, work / "server-cold.log")
        try:
            server.wait_healthy()
            try:
                sign_in_check(args.port)
            except LoginError:
                cookie = info["session_cookie"]
        finally:
            server.stop()
        print(f"\ncold: each page once from a fresh server process, {args.cold_rounds} rounds, ms "
              f"(load average {os.getloadavg()[0]:.2f})")
        cold = cold_rounds(instance, args.port, work, cookie, pages, args.cold_rounds)
        report["cold"] = cold
        for state, by_page in cold.items():
            for name, values in by_page.items():
                ordered = sorted(values)
                print(f"  {state:<12} {name:<12} median {percentile(ordered, 50):7.1f}  max {ordered[-1]:7.1f}  "
                      f"({', '.join(f'{v:.0f}' for v in values)})")
        print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    server = Server(instance, args.port, work / "server.log")
    pool = None
    finished = False
    mixes = {name: [(name, [path], 1.0)] for name, path in pages}
    try:
        server.wait_healthy()
        cookie = None
        try:
            sign_in_check(args.port)
        except LoginError:
            cookie = info["session_cookie"]
        pool = ClientPool(args.clients, args.procs, args.port, cookie)
        pool.wait_ready()
        pool.run([m for mix in mixes.values() for m in mix], args.warmup, args.seed)  # warm-up, not counted
        print(f"\n{args.duration:.0f} s per scenario, {args.clients} clients, latencies in ms\n")
        print(HEADER)
        report["scenarios"] = {}
        for i, (name, mix) in enumerate(mixes.items()):
            start_at, outs, _cpu = pool.run(mix, args.duration, args.seed + i + 1)
            rows, statuses = summarise(outs, start_at)
            report["scenarios"][name] = {"rows": rows, "statuses": dict(statuses)}
            print_rows(name, rows, statuses)
        print(f"\nload average      {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        finished = True
    finally:
        if pool is not None:
            pool.stop(now=not finished)
        server.stop(now=not finished)
    return report


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--instance", help="a prepared instance (bench/datagen.py), or one this script filled before "
                                      "(kept with --keep: measured again without seeding)")
    p.add_argument("--posts", type=int, default=100_000)
    p.add_argument("--views", type=int, default=1_000_000)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--duration", type=float, default=15.0)
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--cold-rounds", type=int, default=3, help="fresh server processes per cold measurement (0: none)")
    p.add_argument("--port", type=int, default=5097)
    p.add_argument("--procs", type=int, default=4)
    p.add_argument("--users", type=int, default=2000)
    p.add_argument("--communities", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", metavar="PATH", help="write the figures here (default bench/results/analytics-<time>.json)")
    p.add_argument("--no-json", action="store_true", help="print only")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return p.parse_args(argv)


def main(argv=None) -> int:
    return bench_main(parse_args(argv), run, "analytics")


if __name__ == "__main__":
    sys.exit(main())
