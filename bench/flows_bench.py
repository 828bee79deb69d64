"""What knowledge flows add to a page view (issue 12): the provenance lines and the related-content
list on a wiki page, a forum topic and a blog post.

    .venv/bin/python bench/flows_bench.py [--items 400] [--requests 200] [--database-url URL]

Builds a temporary instance (SQLite unless --database-url): one community with --items wiki
pages, forum topics and blog posts each (mixed English and Chinese text from a shared
vocabulary, so related items exist), a provenance link on every tenth item, and the search index.
Then, through app.test_client() in this process, signed in as a member, it requests the pages
alternately with the flows parts switched on and off (the template globals replaced by empty
ones) and prints per page type the median and 95th percentile of both and the difference:

    warm   related list served from its short cache (what most page views see)
    cold   cache emptied before every request (the search runs each time)
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ("deploy rollback canary cluster kubernetes helm cache pipeline build nightly incident on-call "
         "database pool timeout latency backup restore migration schema index search queue worker "
         "部署 回滚 集群 缓存 数据库 连接池 超时 备份 迁移 索引 搜索 队列").split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def build(app, items: int) -> dict:
    from flask import g

    from blogs import services as blogs
    from collab import flows
    from collab.accounts.services import create_user
    from collab.extensions import db
    from collab.search import flush
    from communities import services as communities
    from forums import services as forums
    from wiki import services as wiki

    rng = random.Random(12)
    with app.test_request_context("/", method="POST"):
        create_user("siteadmin", "siteadmin@example.com", "correct-horse", display_name="Admin")
        owner = create_user("owner", "owner@example.com", "correct-horse", display_name="Owner")
        reader = create_user("reader", "reader@example.com", "correct-horse", display_name="Reader")
        db.session.commit()
        c = communities.create_community(owner, name="Platform", access_level="public")
        communities._add_member(c, reader)
        forum = forums.create_forum(c, owner, name="Help")
        db.session.commit()
        ids = {"wiki": [], "topic": [], "post": []}
        for i in range(items):
            g.pop("_roles", None)
            page = wiki.create_page(c, owner, title=f"{sentence(rng, 3)} {i}", body=sentence(rng, 80))
            topic = forums.create_topic(forum, owner, title=f"{sentence(rng, 4)} {i}?", body=sentence(rng, 60),
                                        tags=",".join(rng.sample(WORDS[:12], 2)))
            post = blogs.create_post(blogs.Blog(community=c), owner, blogs.PostInput(
                title=f"{sentence(rng, 4)} {i}", body=sentence(rng, 120), action="publish"))
            db.session.flush()
            ids["wiki"].append(page.path)
            ids["topic"].append(topic.id)
            ids["post"].append(post.id)
            if i % 10 == 0:
                flows.record_link("copy", f"blog_post:{post.id}", f"forum_topic:{topic.id}", owner)
            if i % 50 == 49:
                db.session.commit()
        db.session.commit()
        flush(app)
        return {"slug": c.slug, **ids}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=400)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args(argv)
    os.environ.setdefault("COLLAB_SECRET_KEY", "bench-secret")
    os.environ["COLLAB_NO_INDEXER"] = "1"
    from markupsafe import Markup

    from collab.app import create_app
    from collab.cache import app_cache
    from collab.config import TestConfig

    with tempfile.TemporaryDirectory(prefix="collab-flows-bench-") as tmp:
        config = TestConfig(Path(tmp), args.database_url)
        app = create_app(config)
        if args.database_url:
            from collab.extensions import db

            with app.app_context():
                db.drop_all()
                db.create_all()
        else:
            from collab.extensions import db

            with app.app_context():
                db.create_all()
        t0 = time.perf_counter()
        data = build(app, args.items)
        print(f"built {args.items} pages, topics and posts each and indexed them in {time.perf_counter() - t0:.0f} s")
        client = app.test_client()
        assert client.post("/login", data={"login": "reader", "password": "correct-horse"}).status_code == 302
        slug = data["slug"]
        urls = {
            "wiki page": [f"/c/{slug}/wiki/{p}" for p in data["wiki"]],
            "forum topic": [f"/c/{slug}/forums/t/{t}" for t in data["topic"]],
            "blog post": [f"/c/{slug}/blog/{p}" for p in data["post"]],
        }
        env = app.jinja_env.globals
        on = {name: env[name] for name in ("flow_provenance", "flow_related")}
        off = {name: (lambda *a, **k: Markup("")) for name in on}
        cache = None
        rng = random.Random(3)
        print(f"{'page':<12} {'mode':<5} {'off median':>10} {'on median':>10} {'added':>8} {'off p95':>9} {'on p95':>9}")
        for label, pages in urls.items():
            sample = [rng.choice(pages[:50]) for _ in range(args.requests)]  # repeat views: a warm cache
            for mode in ("warm", "cold"):
                times = {"on": [], "off": []}
                for url in (set(sample) if mode == "warm" else sample[:10]):
                    client.get(url)  # warm: every page of the sample seen once (its related list cached)
                for i, url in enumerate(sample):
                    for state in (("on", "off") if i % 2 else ("off", "on")):
                        env.update(on if state == "on" else off)
                        if mode == "cold" and state == "on":
                            with app.app_context():
                                cache = cache or app_cache("flows_related", 120, max_items=4096)
                                cache.clear()
                        started = time.perf_counter()
                        r = client.get(url)
                        times[state].append((time.perf_counter() - started) * 1000)
                        assert r.status_code == 200, (url, r.status_code)
                env.update(on)
                m_off, m_on = statistics.median(times["off"]), statistics.median(times["on"])
                print(f"{label:<12} {mode:<5} {m_off:>8.1f}ms {m_on:>8.1f}ms {m_on - m_off:>+6.1f}ms "
                      f"{pct(times['off'], 95):>7.1f}ms {pct(times['on'], 95):>7.1f}ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
