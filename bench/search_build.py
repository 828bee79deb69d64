"""The search benchmark's data: the instance (bench/datagen.py), the bench account's
memberships, and the index built in this process (the real reindex path plus synthetic documents).
Used by bench/search_bench.py."""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from clients import (
    USERNAME,
    BenchError,
    Client,
)
from load import (
    venv_bin,
)

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))

# Searches over 200,000 documents can queue for longer than clients.py's 30 s socket timeout at
# 10 clients; a timed-out request keeps running in the server and skews the next scenario. The
# client processes (multiprocessing "spawn") import this module too, so this reaches them as well.
CLIENT_TIMEOUT = float(os.environ.setdefault("COLLAB_BENCH_CLIENT_TIMEOUT", "300"))
Client.__init__.__defaults__ = (CLIENT_TIMEOUT,)

MARKER = "bench-search.json"  # in the instance folder: what was built, so --instance can reuse it
MEMBER_OF = 20
RESTRICTED_MEMBER_OF = 5

# The queries. Words come from bench/search_corpus.py's vocabulary (rank decides frequency).
COMMON_WORD = "team"
RARE_WORD = "lighthouse"
PHRASES = ('"code review"', '"canary release"')
CHINESE = ("数据", "會議")  # the second in Traditional: found through Simplified folding (会议)
FILTER_WORD = "release"
FILTER_TAG = "python"
SUGGEST_PREFIXES = ("te", "rel", "co", "dep", "pro", "lig", "数据", "会议")
SCENARIOS = ("word", "rare", "phrase", "chinese", "filtered", "mixed", "new", "suggest")
NEW_QUERIES = 3000  # the "new" scenario: this many different queries, so nearly every search is a first




@contextlib.contextmanager
def app_env(instance: Path):
    """Environment for the app built in this process (and datagen): this instance, no indexer
    thread. Restored afterwards so the server started later gets its normal indexer."""
    saved = {k: os.environ.get(k) for k in ("COLLAB_INSTANCE_PATH", "COLLAB_SEARCH_INDEXER")}
    os.environ["COLLAB_INSTANCE_PATH"] = str(instance)
    os.environ["COLLAB_SEARCH_INDEXER"] = "manual"
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_datagen(instance: Path, args: argparse.Namespace) -> None:
    print(f"datagen  {args.users} people, {args.communities} communities into {instance} ...", flush=True)
    cmd = [venv_bin("python"), str(BENCH / "datagen.py"), "--instance", str(instance),
           "--users", str(args.users), "--communities", str(args.communities), "--seed", str(args.seed)]
    result = subprocess.run(cmd, cwd=str(ROOT), check=False, stdin=subprocess.DEVNULL)
    if result.returncode:
        raise BenchError(f"datagen failed with exit code {result.returncode}")


def join_communities(target: int, restricted: int) -> list[str]:
    """Make bench a member of `target` communities, `restricted` of them restricted; returns what
    was added. Plain inserts (the memberships are not searchable; a rebuild follows anyway)."""
    from sqlalchemy import insert, select, update

    from collab.accounts.models import User
    from collab.extensions import db
    from communities.models import MEMBER, RESTRICTED, Community, Membership

    bench_id = db.session.scalar(select(User.id).where(User.username == USERNAME))
    mine = set(db.session.scalars(select(Membership.community_id).where(Membership.user_id == bench_id)))
    rows = db.session.execute(
        select(Community.id, Community.slug, Community.access)
        .where(Community.is_archived.is_(False)).order_by(Community.member_count.desc(), Community.id)
    ).all()
    have_restricted = sum(1 for cid, _s, a in rows if cid in mine and a == RESTRICTED)
    add: list[tuple[int, str]] = []
    free_r = [(cid, s) for cid, s, a in rows if cid not in mine and a == RESTRICTED]
    add += free_r[:max(0, restricted - have_restricted)]
    others = [(cid, s) for cid, s, a in rows if cid not in mine and a != RESTRICTED]
    want = max(0, target - len(mine) - len(add))
    if want and others:  # spread over sizes: some big, some middling, some small communities
        step = max(1, len(others) // want)
        add += others[::step][:want]
    now = datetime.now(UTC).replace(tzinfo=None)
    if add:
        db.session.execute(insert(Membership), [
            {"community_id": cid, "user_id": bench_id, "role": MEMBER, "created_at": now, "updated_at": now}
            for cid, _s in add])
        db.session.execute(update(Community).where(Community.id.in_([cid for cid, _s in add]))
                           .values(member_count=Community.member_count + 1))
    db.session.commit()
    return [s for _cid, s in add]


def read_instance() -> dict:
    """What the benchmark needs to know from the database (reads only)."""
    from sqlalchemy import select

    from collab.accounts.models import User
    from collab.extensions import db
    from communities.models import Community, CommunityTag, Membership

    tags: dict[int, list[str]] = {}
    for cid, tag in db.session.execute(select(CommunityTag.community_id, CommunityTag.tag)):
        tags.setdefault(cid, []).append(tag)
    communities = [
        {"id": cid, "slug": slug, "access": acc, "members": n, "archived": bool(arch), "tags": tags.get(cid, [])}
        for cid, slug, acc, n, arch in db.session.execute(
            select(Community.id, Community.slug, Community.access, Community.member_count, Community.is_archived)
            .order_by(Community.id))
    ]
    people = db.session.execute(
        select(User.username, User.is_admin).where(User.is_deactivated.is_(False)).order_by(User.id)).all()
    bench_id = db.session.scalar(select(User.id).where(User.username == USERNAME))
    mine = set(db.session.scalars(select(Membership.community_id).where(Membership.user_id == bench_id)))
    db.session.rollback()
    return {
        "communities": communities,
        "authors": [u for u, _a in people],
        "posters": [u for u, admin in people if not admin and u != USERNAME and u.isascii()],
        "bench_communities": [c for c in communities if c["id"] in mine],
    }


def index_figures(index) -> dict:
    ix = index.ix
    with ix.searcher() as s:
        docs = s.doc_count()
    segments = len(ix._segments()) if hasattr(ix, "_segments") else None
    return {"documents": docs, "bytes": index.size_on_disk(), "segments": segments}


def timed_bulk(writer, docs, total: int, progress_every: int, label: str) -> dict:
    """Add docs (an iterator) to writer and commit; times adding and committing, not generating."""
    add = 0.0
    gen = 0.0
    n = 0
    t_gen = time.perf_counter()
    started = time.monotonic()
    for doc in docs:
        t0 = time.perf_counter()
        gen += t0 - t_gen
        writer.add_document(**doc)
        t_gen = time.perf_counter()
        add += t_gen - t0
        n += 1
        if progress_every and n % progress_every == 0 and n < total:
            print(f"         {label}: {n:,}/{total:,} added, {n / add:.0f} docs/s so far "
                  f"({time.monotonic() - started:.0f} s)", flush=True)
    if progress_every:
        print(f"         {label}: committing {n:,} documents ...", flush=True)
    t0 = time.perf_counter()
    writer.commit(merge=False)
    commit = time.perf_counter() - t0
    return {"docs": n, "add_s": add, "commit_s": commit, "generate_s": gen,
            "docs_per_s": n / (add + commit) if add + commit else 0.0}


def build(instance: Path, args: argparse.Namespace, fresh: bool) -> tuple[dict, dict]:
    """Data and index phase, in this process. Returns (instance info, indexing figures)."""
    with app_env(instance):
        if fresh:
            run_datagen(instance, args)
        from flask_migrate import upgrade

        from collab.app import create_app
        from collab.extensions import db

        # "no search index; starting a new one" for every new (scratch) index is noise here.
        logging.getLogger("collab.search.index").setLevel(logging.ERROR)
        app = create_app()
        figures: dict = {}
        with app.app_context():
            upgrade()  # a reused instance may predate a tool's migration (the server runs --no-migrate)
            if fresh:
                added = join_communities(MEMBER_OF, RESTRICTED_MEMBER_OF)
                print(f"bench    joined {len(added)} more communities: {', '.join(added)}")
            info = read_instance()
            if fresh:
                figures = index_everything(app, info, args)
            db.session.remove()
            db.engine.dispose()
        index = app.extensions.get("collab_search")
        if index is not None:
            index.close()
    return info, figures


def index_everything(app, info: dict, args: argparse.Namespace) -> dict:
    from search_corpus import Corpus

    from collab.search.index import SearchIndex
    from collab.search.indexer import keep_postings, rebuild, total_objects

    index = app.extensions["collab_search"]
    figures: dict = {}

    # The real rebuild path (collab reindex): people and communities from the database.
    objects = total_objects()
    t0 = time.perf_counter()
    count = rebuild(index)
    dt = time.perf_counter() - t0
    figures["rebuild"] = {"objects": objects, "docs": count, "seconds": dt, "docs_per_s": count / dt if dt else 0,
                          "bytes": index.size_on_disk()}
    print(f"index    rebuild (collab.search.indexer.rebuild: people + communities): {count:,} documents "
          f"from {objects:,} objects in {dt:.1f} s = {count / dt:,.0f} docs/s; "
          f"{index.size_on_disk() / 1e6:.1f} MB", flush=True)

    comms = [(c["id"], c["slug"], float(c["members"]), c["tags"]) for c in info["communities"]]
    corpus = Corpus(args.seed, comms, info["authors"])
    if args.docs:
        label = "single writer" if args.writer == "single" else "procs=2 multisegment writer"
        print(f"index    adding {args.docs:,} synthetic documents with the {label} (index.writer() schema "
              f"and analyzer; roughly {args.docs / (75 if args.writer == 'single' else 120) / 60:.0f} min) ...",
              flush=True)
        if args.writer == "single":
            writer = index.writer(timeout=120.0)
        else:
            writer = index.ix.writer(procs=2, multisegment=True, compound=False, timeout=120.0)
        try:
            bulk = timed_bulk(writer, corpus.documents(0, args.docs), args.docs, max(1000, args.docs // 10),
                              label)
        except BaseException:
            writer.cancel()
            raise
        bulk["writer"] = label
        figures["bulk"] = bulk
        # What the server's indexer does next in the background (collab reindex does it at once):
        # the big segments' postings laid out as flat arrays (collab.search.postings_store).
        t0 = time.perf_counter()
        laid = keep_postings(index)
        bulk["lay_out_s"] = time.perf_counter() - t0
        print(f"index    postings of {laid} big segment(s) laid out in {bulk['lay_out_s']:.0f} s", flush=True)
        figures["index"] = index_figures(index)
        idx = figures["index"]
        print(f"index    {bulk['docs']:,} documents: add {bulk['add_s']:.0f} s + commit {bulk['commit_s']:.0f} s "
              f"= {bulk['docs_per_s']:.1f} docs/s ({label}; generating the text took {bulk['generate_s']:.0f} s, "
              f"not counted)")
        print(f"index    on disk {idx['bytes'] / 1e6:,.0f} MB for {idx['documents']:,} documents "
              f"({idx['bytes'] / max(1, idx['documents']) / 1024:.1f} KiB/document), {idx['segments']} segments",
              flush=True)

    if args.compare_docs:
        sample = list(corpus.documents(0, args.compare_docs))
        chars = sum(len(d["title"]) + len(d["body"]) for d in sample) / len(sample)
        figures["compare"] = {"docs": len(sample), "mean_chars": chars, "writers": {}}
        print(f"index    comparing writers on the first {len(sample):,} documents (mean {chars:.0f} characters of "
              f"title + body), each into an empty scratch index:", flush=True)
        scratch_root = Path(tempfile.mkdtemp(prefix="collab-search-cmp-"))
        try:
            for name, kwargs in (("single writer", None), ("procs=2", {"procs": 2}),
                                 ("procs=2 multisegment", {"procs": 2, "multisegment": True})):
                sx = SearchIndex(str(scratch_root / re.sub(r"\W+", "-", name)))
                w = sx.writer() if kwargs is None else sx.ix.writer(compound=False, **kwargs)
                try:
                    r = timed_bulk(w, iter(sample), len(sample), 0, name)
                except BaseException:
                    w.cancel()
                    raise
                r["bytes"] = sx.size_on_disk()
                sx.close()
                figures["compare"]["writers"][name] = r
                print(f"           {name:<22} add {r['add_s']:6.1f} s + commit {r['commit_s']:6.1f} s = "
                      f"{r['docs_per_s']:6.1f} docs/s, {r['bytes'] / 1e6:.0f} MB", flush=True)
        finally:
            shutil.rmtree(scratch_root, ignore_errors=True)
    return figures


