"""Wiki figures for issue 3: a page with 1,000 revisions (history page, diff of two far-apart
revisions), a 2,000-page wiki (tree navigation render), page views under concurrent clients.

    .venv/bin/python bench/wiki_bench.py [--pages 2000] [--revisions 1000] [--clients 10]
                                         [--duration 15] [--repeat 60] [--port 5081]

1. Data: bench/datagen.py (--users people, --communities communities) into a fresh temporary
   instance. In a public community the ``bench`` account belongs to, a wiki of --pages pages
   (20 top-level pages, 10 children each, the rest grandchildren; Markdown bodies with headings,
   lists, a table and [[links]] to siblings) is bulk-inserted with each page rendered through the
   wiki's own renderer, and one page gets --revisions revisions through wiki.services.save_page
   (each revision edits one paragraph of a ~120-line page, as people do).
2. In process (app.test_client(), signed in as ``bench``), --repeat times each, median and p99:
   GET the history page (first 50 revisions, and the 10th page of 50), GET the diff of revision 1
   against the last (side by side and inline) and of two revisions 500 apart; the tree navigation
   (wiki.tree.navigation) cold (cache dropped) and warm; a full page GET in the 2,000-page wiki.
3. The real server (``collab serve`` via bench/load.py's Server): --clients signed-in ``bench``
   sessions (bench/clients.py, closed loops, keep-alive) GET random pages of the big wiki for
   --duration seconds (every view is counted: one small write per view). Median, p90, p99.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clients import HOST, PASSWORD, USERNAME, BenchError, Client, ClientPool, LoginError
from load import HEADER, Server, app_info, fmt_mem, percentile, port_free, print_scenario, summarise, venv_bin

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))

PARAGRAPH = ("The deployment pipeline builds, tests and signs every change; the canary takes five "
             "per cent of traffic for ten minutes. 部署流水线会构建、测试并签名每一次变更。")


def page_body(rng: random.Random, title: str, siblings: list[str]) -> str:
    links = " ".join(f"[[{s}]]" for s in rng.sample(siblings, min(3, len(siblings))))
    rows = "\n".join(f"| {rng.choice(['api', 'db', 'web', 'queue'])} | {rng.randint(1, 99)} ms | owner {n} |"
                     for n in range(4))
    return (f"# {title}\n\nSee also {links}.\n\n## Steps\n\n"
            + "\n".join(f"{n}. {PARAGRAPH[: rng.randint(40, len(PARAGRAPH))]}" for n in range(1, 6))
            + f"\n\n## Services\n\n| service | p99 | owner |\n|---|---|---|\n{rows}\n\n"
            "```python\ndef healthy(s):\n    return s.error_rate < 0.01\n```\n")


@contextlib.contextmanager
def app_env(instance: Path):
    saved = {k: os.environ.get(k) for k in ("COLLAB_INSTANCE_PATH", "COLLAB_SEARCH_INDEXER", "COLLAB_MAIL_SENDER")}
    os.environ["COLLAB_INSTANCE_PATH"] = str(instance)
    os.environ["COLLAB_SEARCH_INDEXER"] = "manual"
    os.environ["COLLAB_MAIL_SENDER"] = "manual"  # this process sends no mail (the server does)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def build_wiki(args) -> dict:
    """Bulk-insert the big wiki and grow the long-history page; returns what the figures need."""
    from sqlalchemy import insert, select

    from collab.accounts.models import User
    from collab.app import create_app
    from collab.db import utcnow, write_intent
    from collab.extensions import db
    from communities.models import Community, Membership
    from wiki import links, services
    from wiki.models import Wiki, WikiPage, WikiRevision, title_key

    app = create_app()
    rng = random.Random(args.seed)
    with app.app_context(), write_intent():
        bench = db.session.scalar(select(User).where(User.username == USERNAME))
        community = db.session.scalar(
            select(Community).join(Membership, Membership.community_id == Community.id)
            .where(Membership.user_id == bench.id, Community.access == "public")
            .order_by(Community.member_count.desc()).limit(1))
        slug, community_id = community.slug, community.id
        tops = 20
        kids = 10
        titles: list[tuple[str, int | None, int]] = []  # (title, parent index, depth)
        for t in range(tops):
            titles.append((f"Area {t + 1}", None, 0))
        for t in range(tops):
            for k in range(kids):
                titles.append((f"Topic {t + 1}.{k + 1}", t, 1))
        n_children = tops * kids
        i = 0
        while len(titles) < args.pages:
            parent = tops + (i % n_children)
            titles.append((f"Note {parent}-{i // n_children + 1}", parent, 2))
            i += 1
        t0 = time.monotonic()
        now = utcnow()
        ids: list[int] = []
        paths: list[str] = []
        positions: dict = {}
        for n, (title, parent, _depth) in enumerate(titles):
            page_slug = f"p{n}"
            path = page_slug if parent is None else f"{paths[parent]}/{page_slug}"
            siblings = [t for t, p, _ in titles[max(0, n - 5): n + 5] if t != title]
            body = page_body(rng, title, siblings)
            pos = positions[parent] = positions.get(parent, -1) + 1
            page_id = db.session.execute(insert(WikiPage).values(
                community_id=community.id, parent_id=ids[parent] if parent is not None else None, title=title,
                title_key=title_key(title), slug=page_slug, path=path, position=pos, revision_number=1, body=body,
                body_html="", created_by_id=bench.id, updated_by_id=bench.id, is_deleted=False,
                is_locked=False, created_at=now, updated_at=now).returning(WikiPage.id)).scalar_one()
            db.session.execute(insert(WikiRevision).values(
                page_id=page_id, community_id=community.id, number=1, title=title, body=body, summary="",
                kind="create", size=len(body), author_id=bench.id, created_at=now))
            ids.append(page_id)
            paths.append(path)
        db.session.add(Wiki(community_id=community.id, tree_version=1))
        db.session.commit()
        for start in range(0, len(ids), 200):  # render (links resolved) in batches
            for page in db.session.scalars(select(WikiPage).where(WikiPage.id.in_(ids[start:start + 200]))):
                links.render_page(page, community)
            db.session.commit()
        built = time.monotonic() - t0
        print(f"wiki     {len(ids)} pages in {community.slug} ({built:.1f} s)", flush=True)

        long_title = "Release checklist"
        lines = [f"Paragraph {n}: {PARAGRAPH}" for n in range(120)]
        with app.test_request_context("/", method="POST"):
            page = services.create_page(db.session.get(Community, community.id),
                                        db.session.get(User, bench.id), title=long_title,
                                        body="\n\n".join(lines))
            db.session.commit()
            long_id = page.id
            t0 = time.monotonic()
            for r in range(2, args.revisions + 1):
                lines[rng.randrange(len(lines))] = f"Paragraph edited in revision {r}: {PARAGRAPH[: rng.randint(30, 120)]}"
                page = db.session.get(WikiPage, long_id)
                services.save_page(page, db.session.get(User, bench.id), body="\n\n".join(lines),
                                   base_number=page.revision_number, summary=f"edit {r}")
                db.session.commit()
            print(f"history  {args.revisions} revisions of “{long_title}” through save_page "
                  f"({time.monotonic() - t0:.1f} s, {(time.monotonic() - t0) / max(1, args.revisions - 1) * 1000:.1f} ms a save)",
                  flush=True)
            long_path = db.session.get(WikiPage, long_id).path
        db.session.remove()
        db.engine.dispose()
    return {"slug": slug, "community_id": community_id, "paths": paths, "long_path": long_path}


def timed(fn, repeat: int) -> dict:
    """Median and p99 in ms of ``fn`` (or of what it returns, when it times itself)."""
    values = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        own = fn()
        values.append(own if own is not None else (time.perf_counter() - t0) * 1000.0)
    values.sort()
    return {"median": statistics.median(values), "p99": percentile(values, 99), "n": repeat}


def in_process(data: dict, args) -> list[tuple[str, dict]]:
    from collab.app import create_app
    from wiki import tree

    app = create_app()
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)  # this process signs in directly
    client = app.test_client()
    r = client.post("/login", data={"login": USERNAME, "password": PASSWORD})
    if r.status_code != 302:
        raise BenchError(f"sign-in failed: {r.status_code}")
    base = f"/c/{data['slug']}/wiki/"
    long_ = base + data["long_path"]
    n = args.revisions
    deep = next(p for p in data["paths"] if p.count("/") == 2)

    def get(path):
        def go():
            resp = client.get(path)
            if resp.status_code != 200:
                raise BenchError(f"GET {path}: {resp.status_code}")
        return go

    rows = [
        (f"history page 1 ({n} revisions)", timed(get(long_ + "/-/history"), args.repeat)),
        ("history page 10", timed(get(long_ + "/-/history?page=10"), args.repeat)),
        (f"diff 1 -> {n} side by side", timed(get(long_ + f"/-/diff?from=1&to={n}"), args.repeat)),
        (f"diff 1 -> {n} inline", timed(get(long_ + f"/-/diff?from=1&to={n}&view=inline"), args.repeat)),
        (f"diff {n // 2 - 250} -> {n // 2 + 250}",
         timed(get(long_ + f"/-/diff?from={n // 2 - 250}&to={n // 2 + 250}"), args.repeat)),
    ]
    with app.test_request_context("/"):
        from collab.db import write_intent
        from collab.extensions import db
        from wiki.models import Wiki

        def cold():
            db.session.rollback()  # end the last run's read: a write on its old snapshot would fail as "locked"
            with write_intent():
                w = db.session.get(Wiki, data["community_id"])
                w.tree_version += 1  # a new version: every cache of the tree is stale
                db.session.commit()
            t0 = time.perf_counter()
            tree.navigation(data["community_id"], deep)
            return (time.perf_counter() - t0) * 1000.0

        rows.append((f"tree navigation, cold ({len(data['paths'])} pages)", timed(cold, max(10, args.repeat // 3))))
        rows.append(("tree navigation, warm", timed(lambda: tree.navigation(data["community_id"], deep) and None,
                                                       args.repeat)))
    rows.append(("page view (in process)", timed(get(base + deep), args.repeat)))
    return rows


def existing_wiki() -> dict:
    """What the figures need, read back from a folder an earlier run built with --keep: the
    community with the most wiki pages, its live pages, and its page with the most revisions."""
    from sqlalchemy import false, func, select

    from collab.app import create_app
    from collab.extensions import db
    from communities.models import Community
    from wiki.models import WikiPage

    app = create_app()
    with app.app_context():
        community_id = db.session.scalar(select(WikiPage.community_id).group_by(WikiPage.community_id)
                                         .order_by(func.count().desc()).limit(1))
        if community_id is None:
            raise BenchError("no wiki pages in this instance: build one with --keep first")
        slug = db.session.get(Community, community_id).slug
        live = (WikiPage.community_id == community_id, WikiPage.is_deleted == false(), WikiPage.moderation.is_(None))
        paths = list(db.session.scalars(select(WikiPage.path).where(*live).order_by(WikiPage.id)))
        long_path, revisions = db.session.execute(
            select(WikiPage.path, WikiPage.revision_number).where(*live)
            .order_by(WikiPage.revision_number.desc()).limit(1)).one()
        db.session.remove()
        db.engine.dispose()
    return {"slug": slug, "community_id": community_id, "paths": paths, "long_path": long_path,
            "revisions": revisions}


def run(args, work: Path) -> None:
    instance = work / "instance"
    if args.reuse:
        with app_env(instance):
            data = existing_wiki()
            args.revisions = data["revisions"]
            rows = in_process(data, args)
        print(f"reusing  {instance}: {len(data['paths'])} pages in /c/{data['slug']}/wiki/", flush=True)
        serve(args, work, data, rows)
        return
    print(f"datagen  {args.users} people, {args.communities} communities into {instance} ...", flush=True)
    result = subprocess.run([venv_bin("python"), str(BENCH / "datagen.py"), "--instance", str(instance),
                             "--users", str(args.users), "--communities", str(args.communities),
                             "--seed", str(args.seed)], cwd=str(ROOT), stdin=subprocess.DEVNULL, check=False,
                            stdout=subprocess.DEVNULL)
    if result.returncode:
        raise BenchError(f"datagen failed with exit code {result.returncode}")
    with app_env(instance):
        data = build_wiki(args)
        rows = in_process(data, args)
    serve(args, work, data, rows)


def serve(args, work: Path, data: dict, rows) -> None:
    """Print the in-process figures, then run the clients against the real server."""
    instance = work / "instance"
    print(f"\nin process, {args.repeat} requests each (ms)")
    print(f"{'':44} {'median':>8} {'p99':>8}")
    for label, s in rows:
        print(f"{label:44} {s['median']:8.1f} {s['p99']:8.1f}")

    server = Server(instance, args.port, work / "server.log")
    pool = None
    finished = False
    try:
        server.wait_healthy(timeout=120)
        cookie = None
        try:
            probe = Client(HOST, args.port)
            probe.sign_in(None)
            probe.close()
        except LoginError:
            cookie = app_info(instance)["session_cookie"]
        pool = ClientPool(args.clients, args.procs, args.port, cookie)
        pool.wait_ready()
        paths = [f"/c/{data['slug']}/wiki/{p}" for p in data["paths"]]
        mix = [("page view", paths, 1.0)]
        pool.run(mix, args.warmup, args.seed)  # warm-up, not counted
        print(f"\nthe real server, {args.clients} clients, {args.duration:.0f} s of GET random pages of the "
              f"{len(paths)}-page wiki (latencies in ms)\n")
        print(HEADER)
        cpu0 = server.worker_cpu()  # not the start-up's and the warm-up's
        start_at, outs, driver_cpu = pool.run(mix, args.duration, args.seed + 1)
        summary = summarise("page view", start_at, outs, driver_cpu, server.worker_cpu() - cpu0, 0.0)
        print_scenario(summary)
        print(f"\nRSS {fmt_mem(server.memory())}")
        finished = True
    finally:
        if pool is not None:
            pool.stop(now=not finished)
        server.stop(now=not finished)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=2000)
    p.add_argument("--revisions", type=int, default=1000)
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--communities", type=int, default=40)
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--procs", type=int, default=2, help="client processes")
    p.add_argument("--duration", type=float, default=15.0)
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--repeat", type=int, default=60)
    p.add_argument("--port", type=int, default=5081)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", metavar="DIR", help="build in DIR (a new, empty folder) and keep it, for profiling "
                   "afterwards with bench/profile_pages.py --instance DIR/instance")
    p.add_argument("--reuse", metavar="DIR", help="measure again a folder an earlier --keep run built (no data "
                   "generation)")
    args = p.parse_args(argv)
    if args.revisions < 502:
        p.error("--revisions must be at least 502 (the far diff spans 500 revisions)")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if not port_free(args.port):
        print(f"port {args.port} is in use: pass another --port", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.ExitStack() as stack:
        if args.reuse:
            work = Path(args.reuse).resolve()
            if not (work / "instance").is_dir():
                print(f"{work} has no instance/ folder (build one with --keep)", file=sys.stderr)
                return 2
        elif args.keep:
            work = Path(args.keep).resolve()
            if work.exists() and any(work.iterdir()):
                print(f"{work} is not empty", file=sys.stderr)
                return 2
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="collab-wiki-bench-")))
        try:
            run(args, work)
        except BenchError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
