"""Activity benchmark: the home stream over a million events, and live notification latency.

    .venv/bin/python bench/activity_bench.py --instance /tmp/collab-activity-bench [--events 1000000]

1. bench/datagen.py builds people and communities (unless the instance exists and --reuse).
2. The bench account joins 30 communities and follows 100 people; 1,000,000 stream events are
   bulk-inserted (actors and communities drawn from the data set, 10 % personal, a few grouped),
   then rolled up into the analytics aggregates (as `collab analytics rollup` would), so the server
   measured is not catching up on them.
3. The query plans of the home stream's per-source scans are printed (SQLite or PostgreSQL).
4. `collab serve` runs; 10 signed-in clients fetch the home stream's first page and a deep page
   (?before= an event ~2,000 events down the person's stream) for --seconds each: median, p99.
5. A python-socketio client signed in as the bench account listens on /notify while another
   account saves wiki pages that @mention it: time from sending the save to the bell event
   (an upper bound of commit -> bell: it includes the save request itself), median and p99.
With DATABASE_URL set the data goes to PostgreSQL (datagen's --force empties it first).
"""
from __future__ import annotations

import argparse
import os
import random
import re
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import datagen  # noqa: E402
from clients import Client  # noqa: E402
from load import Server, percentile, port_free  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TYPES = (("wiki_page", "edited"), ("wiki_page", "created"), ("blog_post", "published"), ("forum_post", "replied"),
         ("blog_comment", "commented"), ("forum_topic", "created"), ("blog_post", "liked"))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--instance", required=True)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--users", type=int, default=3000)
    p.add_argument("--communities", type=int, default=300)
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--mentions", type=int, default=50)
    p.add_argument("--port", type=int, default=5099)
    p.add_argument("--reuse", action="store_true", help="keep an instance made before (skip data generation)")
    return p.parse_args(argv)


def build(args) -> dict:
    instance = Path(args.instance).resolve()
    if not args.reuse:
        datagen.generate(datagen.parse_args(["--instance", str(instance), "--users", str(args.users),
                                             "--communities", str(args.communities), "--force"]))
    os.environ["COLLAB_INSTANCE_PATH"] = str(instance)
    from sqlalchemy import func, insert, select

    from collab.accounts.models import Follow, User
    from collab.activity.models import Event
    from collab.app import create_app
    from collab.config import Config
    from collab.extensions import db
    from communities.models import Community, Membership

    config = Config()
    config.SEARCH_INDEXER = "manual"
    config.MAIL_SENDER = "manual"
    app = create_app(config)
    rng = random.Random(7)
    with app.app_context():
        bench = db.session.scalar(select(User).where(User.username == datagen.BENCH_USERNAME))
        users = list(db.session.scalars(select(User.id)))
        communities = list(db.session.scalars(select(Community.id)))
        slug = None
        if not args.reuse:
            mine = set(db.session.scalars(select(Membership.community_id).where(Membership.user_id == bench.id)))
            for cid in rng.sample([c for c in communities if c not in mine], max(0, 30 - len(mine))):
                db.session.add(Membership(community_id=cid, user_id=bench.id, role="member"))
            others = [u for u in users if u != bench.id]
            for uid in rng.sample(others, 100):
                db.session.add(Follow(follower_id=bench.id, followed_id=uid))
            db.session.commit()
            t0 = time.perf_counter()
            start = datetime.now(UTC) - timedelta(days=365)
            chunk = 20_000
            for base in range(0, args.events, chunk):
                rows = []
                for i in range(base, min(base + chunk, args.events)):
                    kind, verb = rng.choice(TYPES)
                    thing = rng.randrange(1, 200_000)
                    rows.append({
                        "created_at": start + timedelta(seconds=i * 31_536_000 / args.events),
                        "actor_id": rng.choice(users), "verb": verb, "key": f"{kind}:{thing}",
                        "group_key": f"{kind}:{thing // 3}" if verb in ("replied", "commented") else f"{kind}:{thing}",
                        "community_id": None if rng.random() < 0.1 else rng.choice(communities),
                        "title": f"Thing {thing}", "url": f"/x/{thing}", "summary": "",
                    })
                db.session.execute(insert(Event), rows)
                db.session.commit()
            print(f"inserted {args.events:,} events in {time.perf_counter() - t0:.0f} s", flush=True)
        # Roll the bulk-inserted events up now (collab analytics rollup does the same): a server
        # would catch up on them in small rounds for minutes, and the figures would be that.
        from collab.analytics.rollup import roll_up

        db.session.commit()  # end this session's transaction: the roll-up writes in its own
        t0 = time.perf_counter()
        rolled = roll_up(app)
        if rolled:
            print(f"analytics roll-up of {rolled:,} events in {time.perf_counter() - t0:.0f} s", flush=True)
        total = db.session.scalar(select(func.count(Event.id)))
        from collab.activity import stream

        ids = stream.home_event_ids(bench, limit=2000)
        deep = ids[-1] if ids else None
        slug = db.session.scalar(select(Community.slug).join(Membership, Membership.community_id == Community.id)
                                 .where(Membership.user_id == bench.id, Community.access == "public",
                                        Community.is_archived.is_(False)).limit(1))
        explain(db, stream, bench, deep)
        # time the stream itself in-process (no HTTP, no template): a fresh app and request context
        # each time, so the reader's sources (communities, followees) are read as a page view does
        for label, before in (("first page", None), ("deep page", deep)):
            times = []
            for _ in range(30):
                with app.app_context(), app.test_request_context("/"):
                    t = time.perf_counter()
                    stream.home_page(bench, before=before)
                    times.append((time.perf_counter() - t) * 1000)
            times.sort()
            print(f"in-process home stream {label}: median {percentile(times, 50):.1f} ms, "
                  f"p99 {percentile(times, 99):.1f} ms", flush=True)
        db.session.remove()
    return {"instance": instance, "deep": deep, "events": total, "slug": slug}


def explain(db, stream, bench, deep) -> None:
    """The plan of the id query the home stream really sends (SQLite or PostgreSQL)."""
    from sqlalchemy import event

    dialect = db.engine.dialect.name
    for label, before in (("first page", None), ("deep page", deep)):
        sent = []

        def grab(conn, cursor, statement, parameters, context, executemany):
            sent.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            stream.home_event_ids(bench, before=before, limit=stream.PAGE_EVENTS + 1)
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
        statement, params = sent[-1]
        cursor = db.session.connection().connection.driver_connection.cursor()
        if dialect == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
            steps = [str(r[-1]) for r in cursor.fetchall()]
        else:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params)
            steps = [r[0].strip() for r in cursor.fetchall()]
        cursor.close()
        # one line per distinct step, with how many branches share it
        counts: dict[str, int] = {}
        for step in steps:
            step = re.sub(r"\b\d+\b", "N", step) if dialect == "sqlite" else step
            counts[step] = counts.get(step, 0) + 1
        shown = [f"{n} x {step}" if n > 1 else step for step, n in counts.items()]
        if dialect != "sqlite":
            shown = [s for s in shown if not s.startswith("->  Index Only Scan") or "x" in s][:8] + \
                    [s for s in shown if s.startswith(("Planning", "Execution"))]
        print(f"plan ({dialect}) of the home stream's id query, {label}, {len(steps)} steps:\n  "
              + "\n  ".join(shown[:14]), flush=True)


def run_clients(args, deep: int | None) -> None:
    paths = {"first page": "/", "deep page": f"/?before={deep}" if deep else "/"}
    for label, path in paths.items():
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        end = time.monotonic() + args.seconds

        def worker():
            c = Client("127.0.0.1", args.port)
            c.login(datagen.BENCH_USERNAME, datagen.BENCH_PASSWORD)
            mine = []
            while time.monotonic() < end:
                t = time.perf_counter()
                status, _ = c.get(path)
                mine.append((time.perf_counter() - t) * 1000)
                if status != 200:
                    errors[0] += 1
            with lock:
                latencies.extend(mine)
            c.close()

        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        latencies.sort()
        print(f"HTTP home stream {label} ({args.clients} clients, {len(latencies)} requests, {errors[0]} errors): "
              f"median {percentile(latencies, 50):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, "
              f"{len(latencies) / args.seconds:.0f} req/s", flush=True)


def notification_latency(args, slug: str) -> None:
    import socketio

    bench = Client("127.0.0.1", args.port)
    bench.login(datagen.BENCH_USERNAME, datagen.BENCH_PASSWORD)
    cookie = "; ".join(f"{k}={v}" for k, v in bench.cookies.items())
    got = threading.Event()
    sio = socketio.Client()
    sio.on("notification", lambda data: got.set(), namespace="/notify")
    sio.connect(f"http://127.0.0.1:{args.port}", namespaces=["/notify"], headers={"Cookie": cookie},
                transports=["websocket"])
    # a member of the community writes the wiki pages
    writer = _writer(args, slug)
    latencies = []
    for i in range(args.mentions):
        status, page = writer.get(f"/c/{slug}/wiki/-/new")
        token = CSRF.search(page.decode("utf-8", "replace")).group(1)
        form = urlencode({"csrf_token": token, "title": f"Bench note {time.time_ns()}",
                          "body": f"Please look, @{datagen.BENCH_USERNAME}.", "summary": "", "action": "save"})
        got.clear()
        t = time.perf_counter()
        status, _h, _b = writer.request("POST", f"/c/{slug}/wiki/-/new", body=form,
                                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302 or not got.wait(10):
            print(f"mention {i}: save answered {status}, no bell event", flush=True)
            continue
        latencies.append((time.perf_counter() - t) * 1000)
    sio.disconnect()
    latencies.sort()
    if latencies:
        print(f"live notification (save sent -> bell event), {len(latencies)} mentions: "
              f"median {percentile(latencies, 50):.1f} ms, p99 {percentile(latencies, 99):.1f} ms", flush=True)


def _writer(args, slug: str) -> Client:
    """Sign in as an owner of the community (every generated account has the bench password)."""
    from sqlalchemy import select

    from collab.accounts.models import User
    from collab.app import create_app
    from collab.config import Config
    from collab.extensions import db
    from communities.models import Community, Membership

    config = Config()
    config.SEARCH_INDEXER = "manual"
    config.MAIL_SENDER = "manual"
    app = create_app(config)
    with app.app_context():
        username = db.session.scalar(select(User.username).join(Membership, Membership.user_id == User.id)
                                     .join(Community, Community.id == Membership.community_id)
                                     .where(Community.slug == slug, User.username != datagen.BENCH_USERNAME)
                                     .limit(1))
        db.session.remove()
    c = Client("127.0.0.1", args.port)
    c.login(username, datagen.BENCH_PASSWORD)
    return c


def main(argv=None) -> int:
    args = parse_args(argv)
    info = build(args)
    print(f"events in the database: {info['events']:,}; deep page before={info['deep']}", flush=True)
    if not port_free(args.port):
        sys.exit(f"port {args.port} is busy")
    server = Server(info["instance"], args.port, info["instance"] / "bench-server.log")
    try:
        server.wait_healthy()
        run_clients(args, info["deep"])
        notification_latency(args, info["slug"])
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
