"""Blog figures from issue #6, against a real server: the blog index and a post page with 200
comments under concurrent clients (median and p99), and 100 people voting on one idea at the same
moment (final count exact? time taken).

    .venv/bin/python bench/blogs_bench.py [--clients 10] [--duration 15] [--voters 100] [--port 5098]

A data set is generated into a temporary folder (bench/datagen.py: --users people, --communities
communities), blog content is written through the blog's own services (40 posts, one of them with
200 comments, an idea campaign), then ``collab serve`` runs it (bench/load.py's Server) and
bench/clients.py's signed-in keep-alive clients drive it. Everything is removed at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from clients import CSRF_RE, HOST, PASSWORD, VALUE_RE, BenchError, Client, ClientPool  # noqa: E402
from load import HEADER, Server, generate, port_free, print_scenario, summarise, venv_bin  # noqa: E402


def seed(voters: int) -> dict:
    """Runs inside the instance (COLLAB_INSTANCE_PATH): blog content through the services."""
    import random
    from datetime import timedelta

    from sqlalchemy import func, select

    from blogs import ideas, services
    from blogs.models import BlogPost
    from blogs.services import Blog, PostInput
    from collab.accounts.models import User
    from collab.app import create_app
    from collab.db import utcnow
    from collab.extensions import db
    from communities.models import Community, Membership

    app = create_app()
    rng = random.Random(6)
    with app.app_context(), app.test_request_context("/", method="POST"):
        bench = db.session.scalar(select(User).where(User.username == "bench"))
        community = db.session.scalar(
            select(Community).join(Membership, Membership.community_id == Community.id)
            .where(Membership.user_id == bench.id, Community.access == "public", Community.is_archived.is_(False))
            .order_by(Community.member_count.desc()))
        community.tools = "wiki,blog,forums,chat"
        members = set(db.session.scalars(select(Membership.user_id).where(Membership.community_id == community.id)))
        people = db.session.scalars(select(User).where(User.username.not_in(["admin"])).order_by(User.id)
                                    .limit(voters + 50)).all()
        for person in people:
            if person.id not in members:
                db.session.add(Membership(community_id=community.id, user_id=person.id, role="member"))
        db.session.flush()
        blog = Blog(community=community)
        writers = [p for p in people if p.username != "bench"][:voters]
        paragraph = ("We moved the build to the new runners and cut the median time by a third. "
                     "有几个问题：缓存命中率、并发和日志。") * 6
        posts = []
        for n in range(40):
            author = rng.choice(writers)
            post = services.create_post(blog, author, PostInput(
                title=f"Release notes {n}: what changed", body=f"## Summary\n\n{paragraph}\n\n- one\n- two\n",
                summary="What changed and why.", tags=rng.choice(["release", "retro", "infra"]), action="publish"))
            post.published_at = utcnow() - timedelta(hours=40 - n)
            posts.append(post)
        target = posts[-1]
        for n in range(200):
            services.add_comment(blog, target, rng.choice(writers), f"Comment {n}: {paragraph[:160]}",
                                 parent_id=None)
        campaign = ideas.open_campaign(community, db.session.get(User, community.created_by_id) or bench,
                                       "What next?", "Vote for the ideas you want.")
        idea = ideas.submit_idea(campaign, writers[0], "Faster builds", "Cache more.")
        db.session.commit()
        count = db.session.scalar(select(func.count()).select_from(BlogPost))
        base = f"/c/{community.slug}/blog/"
        return {"slug": community.slug, "posts": count, "index": base, "post": f"{base}{target.id}",
                "idea": f"{base}ideas/idea/{idea.id}", "idea_id": idea.id,
                "voters": [p.username for p in writers]}


def vote_storm(port: int, info: dict) -> dict:
    """Every voter signs in and loads the idea page; then all POST their vote at once."""
    voters = info["voters"]
    clients, tokens = [], []
    t0 = time.monotonic()
    for name in voters:
        c = Client(HOST, port)
        c.login(name, PASSWORD)
        status, page = c.get(info["idea"])
        if status != 200:
            raise BenchError(f"{name} cannot open the idea: HTTP {status}")
        field = CSRF_RE.search(page.decode("utf-8", "replace"))
        tokens.append(VALUE_RE.search(field.group(0)).group(1))
        clients.append(c)
    signed_in = time.monotonic() - t0
    barrier = threading.Barrier(len(clients) + 1)
    results: list = [None] * len(clients)

    def vote(i):
        body = urlencode({"csrf_token": tokens[i]})
        barrier.wait()
        t = time.perf_counter()
        status, _h, _b = clients[i].request("POST", info["idea"] + "/vote", body=body,
                                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        results[i] = (status, (time.perf_counter() - t) * 1000.0)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    status, page = clients[0].get(info["idea"])
    m = re.search(rf'data-testid="votes-{info["idea_id"]}">(\d+)<', page.decode())
    for c in clients:
        c.close()
    lat = sorted(r[1] for r in results)
    return {"voters": len(clients), "final_count": int(m.group(1)) if m else None,
            "statuses": sorted({r[0] for r in results}), "wall_s": wall, "sign_in_s": signed_in,
            "median_ms": lat[len(lat) // 2], "max_ms": lat[-1]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--procs", type=int, default=2)
    p.add_argument("--duration", type=float, default=15.0)
    p.add_argument("--voters", type=int, default=100)
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--communities", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--port", type=int, default=5098)
    p.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.seed_only:
        print(json.dumps(seed(args.voters)))
        return 0
    if not port_free(args.port):
        raise BenchError(f"port {args.port} is in use: pass another --port")
    with tempfile.TemporaryDirectory(prefix="collab-blogs-bench-") as tmp:
        work = Path(tmp)
        instance = work / "instance"
        generate(instance, args)
        env = dict(os.environ, COLLAB_INSTANCE_PATH=str(instance), COLLAB_SEARCH_INDEXER="manual")
        out = subprocess.run([venv_bin("python"), __file__, "--seed-only", "--voters", str(args.voters)],
                             env=env, cwd=str(ROOT), capture_output=True, text=True, check=False)
        if out.returncode:
            raise BenchError(f"seeding the blog failed:\n{out.stderr[-3000:]}")
        info = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"blog     /c/{info['slug']}/blog/: {info['posts']} posts, {info['post']} has 200 comments")
        server = Server(instance, args.port, work / "server.log")
        pool = None
        try:
            server.wait_healthy()
            pool = ClientPool(args.clients, args.procs, args.port, None)
            pool.wait_ready()
            mixes = {
                "blog index": [("index", [info["index"]], 1.0), ("index page 2", [info["index"] + "?page=2"], 1.0)],
                "post+200 comments": [("post page", [info["post"]], 1.0)],
            }
            pool.run(mixes["blog index"], 3, args.seed)  # warm-up
            print(f"\n{args.duration:.0f} s per scenario, {args.clients} clients, latencies in ms\n")
            print(HEADER)
            for i, (name, mix) in enumerate(mixes.items()):
                start_at, outs, driver_cpu = pool.run(mix, args.duration, args.seed + i)
                print_scenario(summarise(name, start_at, outs, driver_cpu, 0.0, 0.0))
            pool.stop()
            pool = None
            v = vote_storm(args.port, info)
            exact = "exact" if v["final_count"] == v["voters"] + 0 else "WRONG"
            print(f"\nvotes    {v['voters']} people voted on one idea at once: final count {v['final_count']} "
                  f"({exact}), statuses {v['statuses']}, all done in {v['wall_s'] * 1000:.0f} ms "
                  f"(per vote median {v['median_ms']:.0f} ms, max {v['max_ms']:.0f} ms)")
        except Exception:
            print(server.log_tail(40), file=sys.stderr)
            raise
        finally:
            if pool is not None:
                pool.stop(now=True)
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
