"""Forum figures (issue 5): a 5,000-reply topic and a 50,000-topic forum, read and written by
signed-in clients against the real server.

    .venv/bin/python bench/forums_bench.py [--instance DIR | --reuse DIR] [--clients 10] [--duration 15] [--port 5098]

Without --instance, bench/datagen.py makes a fresh data set first (people, communities,
memberships) in a temporary folder. Then this script adds, with bulk inserts, to a community the
``bench`` account belongs to: a forum with 50,000 topics (about 60 % questions, half of them
answered, tags from a vocabulary of 30, 1 % by bench, activity spread over a year) and, in a
second forum, a topic with 5,000 replies. The forum rows bypass the search outbox (the server's
indexer would otherwise spend the run indexing them).

Scenarios, each for --duration seconds with --clients concurrent keep-alive clients (the client
processes and server of bench/load.py and bench/clients.py):

    thread   the 5,000-reply topic: first page, last page, a deep link (/p/<id>: the redirect to
             the right page) and the page a deep link lands on
    list     the 50,000-topic forum: all, questions, unanswered, answered, mine, tag
    post     the same list load, while one more client posts replies (POST, one per loop) into a
             topic of the big forum; its latencies are printed as "reply (POST)"

Every topic page view also records the reader's position and the view count (a small write).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clients import CSRF_RE, HOST, VALUE_RE, BenchError, Client, ClientPool, LoginError  # noqa: E402
from load import (  # noqa: E402
    bench_main,
    HEADER, Server, app_info, fmt_row, generate, git_revision, port_free, sign_in_check, stats,
)

ROOT = Path(__file__).resolve().parent.parent
TOPICS = 50_000
REPLIES = 5_000
TAGS = [f"tag{n:02d}" for n in range(30)]


# ---------------------------------------------------------------- data


def seed_forums(instance: Path, seed: int) -> dict:
    """Bulk-insert the forums, topics and posts; return the ids the scenarios use."""
    os.environ["COLLAB_INSTANCE_PATH"] = str(instance)
    os.environ["COLLAB_NO_INDEXER"] = "1"
    from sqlalchemy import insert, select

    from collab.accounts.models import User
    from collab.app import create_app
    from collab.config import Config
    from collab.extensions import db
    from collab.text import render_markdown
    from communities.models import Community, Membership
    from forums.models import Forum, ForumPost, ForumTopic, ForumTopicTag

    rng = random.Random(seed)
    config = Config()
    config.MAIL_SENDER = "manual"  # the server sends the mail (a sender here fought the index build for the database)
    app = create_app(config)
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    with app.app_context():
        bench = db.session.scalar(select(User).where(User.username == "bench"))
        row = db.session.execute(
            select(Community.id, Community.slug).join(Membership, Membership.community_id == Community.id)
            .where(Membership.user_id == bench.id, Community.is_archived.is_(False))
            .order_by(Community.member_count.desc()).limit(1)).first()
        if row is None:
            raise BenchError("the bench account is a member of no community")
        cid, slug = row
        existing = db.session.scalar(select(Forum.id).where(Forum.community_id == cid, Forum.name == "Bench: big forum"))
        if existing:
            raise BenchError(f"{instance} already has the bench forums: use a fresh instance")
        authors = list(db.session.scalars(select(Membership.user_id).where(Membership.community_id == cid)))
        body = "A question about **deployments**, with some `code` and a list:\n\n- one\n- two\n"
        html = render_markdown(body)
        reply_body = "Try restarting the worker; see the runbook for details."
        reply_html = render_markdown(reply_body)
        t0 = time.perf_counter()
        db.session.execute(insert(Forum.__table__), [
            {"community_id": cid, "name": "Bench: big forum", "description": "50,000 topics", "position": 1,
             "created_at": now, "updated_at": now},
            {"community_id": cid, "name": "Bench: long thread", "description": "", "position": 2,
             "created_at": now, "updated_at": now}])
        big, thread_forum = db.session.scalars(select(Forum.id).where(Forum.community_id == cid)
                                               .order_by(Forum.position)).all()[-2:]
        first_topic = (db.session.scalar(select(ForumTopic.id).order_by(ForumTopic.id.desc()).limit(1)) or 0) + 1
        first_post = (db.session.scalar(select(ForumPost.id).order_by(ForumPost.id.desc()).limit(1)) or 0) + 1
        topics, posts, tags = [], [], []
        for i in range(TOPICS):
            tid, pid = first_topic + i, first_post + i
            created = now - timedelta(seconds=rng.randint(0, 365 * 86400))
            question = rng.random() < 0.6
            answered = question and rng.random() < 0.5
            author = bench.id if rng.random() < 0.01 else rng.choice(authors)
            chosen = rng.sample(TAGS, rng.randint(0, 3))
            topics.append({
                "id": tid, "community_id": cid, "forum_id": big, "title": f"Topic {i}: how do I deploy service {i % 97}?",
                "tags": ",".join(chosen), "author_id": author, "is_question": question, "is_pinned": i < 3,
                "is_locked": False, "is_deleted": False, "first_post_id": pid, "accepted_post_id": pid if answered else None,
                "last_post_id": pid, "last_number": 1, "reply_count": rng.randint(0, 30),
                "view_count": rng.randint(0, 500), "last_post_at": created + timedelta(hours=rng.randint(0, 48)),
                "first_reply_at": created + timedelta(minutes=rng.randint(5, 600)) if question else None,
                "answered_at": created + timedelta(hours=rng.randint(1, 72)) if answered else None,
                "created_at": created, "updated_at": created})
            posts.append({"id": pid, "topic_id": tid, "community_id": cid, "number": 1, "author_id": author,
                          "body": body, "body_html": html, "like_count": 0, "is_deleted": False,
                          "created_at": created})
            tags.extend({"topic_id": tid, "tag": t, "forum_id": big} for t in chosen)
        long_tid = first_topic + TOPICS
        topics.append({
            "id": long_tid, "community_id": cid, "forum_id": thread_forum, "title": "The 5,000-reply thread",
            "tags": "", "author_id": bench.id, "is_question": False, "is_pinned": False, "is_locked": False,
            "is_deleted": False, "first_post_id": first_post + TOPICS, "accepted_post_id": None,
            "last_post_id": first_post + TOPICS + REPLIES, "last_number": REPLIES + 1, "reply_count": REPLIES,
            "view_count": 0, "last_post_at": now, "first_reply_at": now - timedelta(days=30),
            "answered_at": None, "created_at": now - timedelta(days=30), "updated_at": now})
        for n in range(REPLIES + 1):
            posts.append({"id": first_post + TOPICS + n, "topic_id": long_tid, "community_id": cid, "number": n + 1,
                          "author_id": rng.choice(authors), "body": body if n == 0 else reply_body,
                          "body_html": html if n == 0 else reply_html, "like_count": rng.randint(0, 5),
                          "is_deleted": False,
                          "created_at": now - timedelta(days=30) + timedelta(minutes=n)})
        for table, rows in ((ForumTopic.__table__, topics), (ForumPost.__table__, posts),
                            (ForumTopicTag.__table__, tags)):
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(table), rows[start:start + 5000])
        if db.engine.dialect.name == "postgresql":
            for table in ("forum_topics", "forum_posts"):
                db.session.execute(db.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        seconds = time.perf_counter() - t0
        db.session.remove()
        db.engine.dispose()
    return {"slug": slug, "big": big, "long_topic": long_tid, "long_first_post": first_post + TOPICS,
            "post_topic": first_topic + 10, "seed_seconds": round(seconds, 1), "tags": TAGS}


def existing_forums(instance: Path) -> dict:
    """The ids seed_forums returned, read back from a folder an earlier --keep run built."""
    os.environ["COLLAB_INSTANCE_PATH"] = str(instance)
    os.environ["COLLAB_NO_INDEXER"] = "1"
    from sqlalchemy import func, select

    from collab.app import create_app
    from collab.extensions import db
    from communities.models import Community
    from forums.models import Forum, ForumPost, ForumTopic

    if not (instance / "collab.db").exists() and not os.environ.get("DATABASE_URL"):
        raise BenchError(f"no instance in {instance}: build one with --keep first")
    app = create_app()
    with app.app_context():
        big = db.session.scalar(select(Forum).where(Forum.name == "Bench: big forum"))
        long_forum = db.session.scalar(select(Forum.id).where(Forum.name == "Bench: long thread"))
        if big is None or long_forum is None:
            raise BenchError(f"{instance} has no bench forums: build one with --keep first")
        slug = db.session.get(Community, big.community_id).slug
        long_topic = db.session.scalar(select(ForumTopic.id).where(ForumTopic.forum_id == long_forum))
        first_topic = db.session.scalar(select(func.min(ForumTopic.id)).where(ForumTopic.forum_id == big.id))
        long_first_post = db.session.scalar(select(ForumPost.id).where(ForumPost.topic_id == long_topic,
                                                                       ForumPost.number == 1))
        ids = {"slug": slug, "big": big.id, "long_topic": long_topic, "long_first_post": long_first_post,
               "post_topic": first_topic + 10, "seed_seconds": 0.0, "tags": TAGS}
        db.session.remove()
        db.engine.dispose()
    return ids


# ---------------------------------------------------------------- scenarios


def mixes(ids: dict) -> dict:
    base = f"/c/{ids['slug']}/forums"
    per_page = 20
    pages = (REPLIES + 1 + per_page - 1) // per_page
    long_t = f"{base}/t/{ids['long_topic']}"
    deep = [f"{base}/p/{ids['long_first_post'] + n}" for n in range(100, REPLIES, 97)]
    landing = [f"{long_t}?page={p}" for p in range(2, pages)]
    f = f"{base}/f/{ids['big']}"
    listing = [(f"list {name}", [f"{f}{q}"], 1.0) for name, q in (
        ("all", ""), ("questions", "?show=questions"), ("unanswered", "?show=unanswered"),
        ("answered", "?show=answered"), ("mine", "?show=mine"))]
    listing.append(("list tag", [f"{f}?tag={t}" for t in ids["tags"]], 1.0))
    return {
        "thread": [("first page", [long_t], 1.0), ("last page", [f"{long_t}?page={pages}"], 1.0),
                   ("deep link (302)", deep, 1.0), ("deep link landing", landing, 1.0)],
        "list": listing,
    }


def poster(port: int, cookie: str | None, path: str, stop_at: float, start_at: float, out: dict) -> None:
    """One more client posting replies in a closed loop (each with a fresh client token)."""
    client = Client(HOST, port)
    latencies, statuses = [], Counter()
    try:
        client.sign_in(cookie)
        status, page = client.get(path)
        field = CSRF_RE.search(page.decode("utf-8", "replace"))
        csrf = VALUE_RE.search(field.group(0)).group(1) if field else ""
        delay = start_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            form = urlencode({"csrf_token": csrf, "body": f"Bench reply {n}: restart the worker.",
                              "token": f"bench-{os.getpid()}-{time.time_ns()}-{n}", "reply_to": ""})
            t0 = time.perf_counter()
            status, _headers, _body = client.request(
                "POST", path, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
            latencies.append((time.perf_counter() - t0) * 1000.0)
            statuses[str(status)] += 1
    except Exception as e:  # noqa: BLE001 (reported by the driver)
        out["error"] = f"{type(e).__name__}: {e}"
    finally:
        client.close()
    out.update(latencies=latencies, statuses=dict(statuses))


def summarise(outs: list[dict], start_at: float) -> tuple[dict, Counter]:
    seconds = max(o["last_end"] for o in outs) - start_at
    by_label: dict[str, list[float]] = {}
    statuses: Counter = Counter()
    for o in outs:
        for label, values in o["latencies"].items():
            by_label.setdefault(label, []).extend(values)
        statuses.update(o["statuses"])
    return {label: stats(values, seconds) for label, values in sorted(by_label.items())}, statuses


def print_rows(name: str, rows: dict, statuses: Counter) -> None:
    bad = sum(n for s, n in statuses.items() if s not in ("200", "302"))
    print(f"{name}  (answers: {', '.join(f'{n} x {s}' for s, n in sorted(statuses.items()))})")
    for label, s in rows.items():
        print(fmt_row(f"  {label}", s))
    if bad:
        print(f"  WARNING: {bad} answers were neither 200 nor 302")
    sys.stdout.flush()


def run(args, work: Path) -> dict:
    report = {"when": datetime.now().isoformat(timespec="seconds"), "git": git_revision(),
              "cpus": os.cpu_count(), "loadavg_start": os.getloadavg(),
              "database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"}
    print(f"collab forums benchmark  {report['when']}  git {report['git']}  {report['cpus']} CPUs  "
          f"{report['database']}  load average {report['loadavg_start'][0]:.2f}")
    if args.reuse:
        work = Path(args.reuse).resolve()
        instance = work / "instance"
        ids = existing_forums(instance)
        print(f"reusing  {instance}: the bench forums in /c/{ids['slug']}/forums")
    else:
        if args.instance:
            instance = Path(args.instance).resolve()
        else:
            instance = work / "instance"
            generate(instance, args)
        ids = seed_forums(instance, args.seed)
        print(f"data     {TOPICS} topics and a {REPLIES}-reply topic in /c/{ids['slug']}/forums "
              f"(bulk insert {ids['seed_seconds']} s)")
    report["data"] = ids
    info = app_info(instance)
    if not port_free(args.port):
        raise BenchError(f"port {args.port} is in use: pass another --port")
    server = Server(instance, args.port, work / "server.log")
    pool = None
    finished = False
    try:
        server.wait_healthy()
        cookie = None
        try:
            sign_in_check(args.port)
        except LoginError:
            cookie = info["session_cookie"]
        pool = ClientPool(args.clients, args.procs, args.port, cookie)
        pool.wait_ready()
        m = mixes(ids)
        pool.run(m["thread"] + m["list"], args.warmup, args.seed)  # warm-up, not counted
        print(f"\n{args.duration:.0f} s per scenario, {args.clients} clients, latencies in ms\n")
        print(HEADER)
        report["scenarios"] = {}
        for i, name in enumerate(("thread", "list")):
            start_at, outs, _cpu = pool.run(m[name], args.duration, args.seed + i + 1)
            rows, statuses = summarise(outs, start_at)
            report["scenarios"][name] = {"rows": rows, "statuses": dict(statuses)}
            print_rows(name, rows, statuses)
        # Posting under the list load.
        out: dict = {}
        start_at = time.monotonic() + 0.5
        path = f"/c/{ids['slug']}/forums/t/{ids['post_topic']}"
        thread = threading.Thread(target=poster, args=(args.port, cookie, path, start_at + 0.3 + args.duration,
                                                       start_at + 0.3, out), daemon=True)
        thread.start()
        time.sleep(max(0.0, start_at - time.monotonic()))
        start_at, outs, _cpu = pool.run(m["list"], args.duration, args.seed + 9)
        thread.join(args.duration + 60)
        rows, statuses = summarise(outs, start_at)
        if out.get("latencies"):
            rows["reply (POST)"] = stats(out["latencies"], args.duration)
            statuses.update(out["statuses"])
        if out.get("error"):
            print(f"  poster failed: {out['error']}")
        report["scenarios"]["post"] = {"rows": rows, "statuses": dict(statuses)}
        print_rows("post", rows, statuses)
        print(f"\nload average      {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        finished = True
    finally:
        if pool is not None:
            pool.stop(now=not finished)
        server.stop(now=not finished)
    return report


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--instance", help="a prepared instance (bench/datagen.py) without the bench forums yet")
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--duration", type=float, default=15.0)
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--port", type=int, default=5098)
    p.add_argument("--procs", type=int, default=16)
    p.add_argument("--users", type=int, default=2000)
    p.add_argument("--communities", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", metavar="PATH", help="write the figures here (default bench/results/forums-<time>.json)")
    p.add_argument("--no-json", action="store_true", help="print only")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--reuse", metavar="DIR", help="measure again a folder an earlier --keep run built (no data "
                   "generation, no index build; the posting scenario adds its replies to that data)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    return bench_main(parse_args(argv), run, "forums")


if __name__ == "__main__":
    sys.exit(main())
