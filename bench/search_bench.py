"""Search figures for issue 8: indexing throughput and index size, query latency, freshness.

    .venv/bin/python bench/search_bench.py [--docs 200000] [--clients 10] [--duration 15]
                                           [--instance DIR] [--keep] [--py-spy]

1. Data: bench/datagen.py (5,000 people, 300 communities) into a fresh instance; the ``bench``
   account is made a member of 20 communities (5 of them restricted). Then
   collab.search.indexer.rebuild() indexes the people and communities the app knows (the real
   ``collab reindex`` path, timed), and --docs synthetic forum posts, wiki pages and blog posts
   (bench/search_corpus.py) are written into the same Whoosh index through the app's own schema
   and analyzer (SearchIndex(path).writer(), fields as indexer.document_fields() makes them),
   timed: documents/s for adding + committing, index size on disk. A smaller sample compares the
   single writer with Whoosh's procs=2 writers in scratch folders.
2. Query latency: the real server (``collab serve`` via bench/load.py's Server, COLLAB_RATELIMIT=0),
   --clients signed-in ``bench`` sessions (bench/clients.py) in closed loops against
   GET /search?q=... : one common word, a rarer word, a phrase, a Chinese two-character query,
   filtered queries, a mix, and GET /search/suggest.
3. Freshness: while the server runs (its in-process indexer thread on), other accounts create
   communities through POST /c/new at --rate per second (open loop), each with a unique made-up
   word in its name and description; a ``bench`` session polls /search for the words it has not
   found yet. Freshness = time from the POST's 302 (the database commit) to the first search
   answer that lists the community.

The index build is slow (pure-Python Whoosh, about 75 documents/s on one core): the defaults take
about an hour, 50 minutes of it indexing (and about 10 GB of temporary disk in the index folder).
``--docs 20000`` runs in about 10 minutes; ``--instance DIR`` keeps the built instance and re-runs
only the server phases next time (about 10 minutes).
See bench/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from clients import (
    CLIENT_ERRORS,
    CSRF_RE,
    HOST,
    PASSWORD,
    USERNAME,
    VALUE_RE,
    BenchError,
    Client,
    ClientPool,
    LoginError,
)
from load import (
    HEADER,
    Server,
    app_info,
    fmt_mem,
    git_revision,
    machine_busy_seconds,
    percentile,
    port_free,
    print_scenario,
    summarise,
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
SCENARIOS = ("word", "rare", "phrase", "chinese", "filtered", "mixed", "suggest")


# ---------------------------------------------------------------- the app, in this process


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
    from collab.search.indexer import rebuild, total_objects

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


# ---------------------------------------------------------------- queries


def search_path(q: str, **params: str) -> str:
    return "/search?" + urlencode({"q": q, **params})


def build_mixes(info: dict) -> tuple[dict, dict]:
    """Scenario name -> [(label, [paths], weight)], and the community used as a filter."""
    mine = sorted((c for c in info["bench_communities"] if not c["archived"]), key=lambda c: -c["members"])
    home = mine[0]
    restricted = [c for c in mine if c["access"] == "restricted"]
    mixes = {
        "word": [(f"word {COMMON_WORD}", [search_path(COMMON_WORD)], 1.0)],
        "rare": [(f"word {RARE_WORD}", [search_path(RARE_WORD)], 1.0)],
        "phrase": [(f"phrase {p}", [search_path(p)], 1.0) for p in PHRASES],
        "chinese": [(f"zh {w}", [search_path(w)], 1.0) for w in CHINESE],
        "filtered": [
            (f"{FILTER_WORD} &community=", [search_path(FILTER_WORD, community=str(home["id"]))], 1.0),
            (f"type:wiki tag:{FILTER_TAG}", [search_path(f"{FILTER_WORD} type:wiki tag:{FILTER_TAG}")], 1.0),
            (f"{FILTER_WORD} tag:{FILTER_TAG}", [search_path(f"{FILTER_WORD} tag:{FILTER_TAG}")], 1.0),
        ],
        "suggest": [("suggest", ["/search/suggest?" + urlencode({"q": p}) for p in SUGGEST_PREFIXES], 1.0)],
    }
    if restricted:
        mixes["filtered"].append((f"{FILTER_WORD} &community=restr.",
                                  [search_path(FILTER_WORD, community=str(restricted[0]["id"]))], 1.0))
    mixes["mixed"] = [m for name in ("word", "rare", "phrase", "chinese", "filtered") for m in mixes[name]]
    used = {"community": {k: home[k] for k in ("id", "slug", "access", "members")},
            "restricted": {k: restricted[0][k] for k in ("id", "slug", "access", "members")} if restricted else None}
    return mixes, used


COUNT_RE = re.compile(r'data-testid="result-count">\s*([\d,]+)\s+results?(?:\s*·\s*(\d+)\s*ms)?')
NOTICE_RE = re.compile(r'<p class="flash flash-info">(.*?)</p>', re.DOTALL)


def probe_queries(port: int, mixes: dict, cookie: str | None, repeat: int = 3) -> list[dict]:
    """Each query `repeat` times from one client, nothing else running: how many results bench
    gets, the app's own search() timer (shown on the page) and the whole request's time."""
    client = Client(HOST, port)
    client.sign_in(cookie)
    rows = []
    seen = set()
    try:
        for name in SCENARIOS:
            for label, paths, _w in mixes.get(name, []):
                for path in paths[:1]:
                    if path in seen:
                        continue
                    seen.add(path)
                    times, search_times = [], []
                    for _ in range(repeat):
                        t0 = time.perf_counter()
                        status, body = client.get(path)
                        times.append((time.perf_counter() - t0) * 1000)
                        text = body.decode("utf-8", "replace")
                        m = COUNT_RE.search(text)
                        if m and m.group(2):
                            search_times.append(int(m.group(2)))
                    row = {"label": label, "path": path, "status": status, "ms_all": times,
                           "ms": sorted(times)[len(times) // 2]}
                    if search_times:
                        row["search_ms"] = sorted(search_times)[len(search_times) // 2]
                    if path.startswith("/search/suggest"):
                        with contextlib.suppress(ValueError):
                            row["results"] = len(json.loads(text).get("suggestions", []))
                    elif m:
                        row["results"] = int(m.group(1).replace(",", ""))
                    notices = [re.sub(r"<[^>]+>|\s+", " ", n).strip() for n in NOTICE_RE.findall(text)]
                    if notices:
                        row["notices"] = notices
                    rows.append(row)
    finally:
        client.close()
    return rows


def print_probes(rows: list[dict]) -> None:
    n = len(rows[0]["ms_all"]) if rows else 0
    print(f"\nqueries  one client alone, each query {n} times (medians), signed in as {USERNAME}; search() is the "
          "app's own timer on the page:")
    print(f"  {'label':<26}{'results':>9}{'search()':>10}{'request':>9}  path")
    for r in rows:
        res = f"{r['results']:,}" if "results" in r else "?"
        sms = f"{r['search_ms']} ms" if r.get("search_ms") is not None else ""
        print(f"  {r['label']:<26}{res:>9}{sms:>10}{r['ms']:>6.0f} ms  {r['path']}"
              + (f"  [HTTP {r['status']}]" if r["status"] != 200 else ""))
        for n in r.get("notices", []):
            print(f"  {'':<26}notice: {n}")


# ---------------------------------------------------------------- py-spy


class Profiler:
    """py-spy record on the server worker for one scenario (raw collapsed stacks), summarised."""

    def __init__(self, pid: int, seconds: float, out: Path):
        self.out = out
        self.proc = subprocess.Popen(
            [venv_bin("py-spy"), "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))),
             "--rate", "100", "--format", "raw", "--output", str(out), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)

    def finish(self, top: int = 8) -> dict | None:
        try:
            _out, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None
        if not self.out.exists():
            return {"error": (err or b"").decode(errors="replace")[-300:]}
        own: Counter = Counter()
        incl: Counter = Counter()
        total = 0
        for line in self.out.read_text(errors="replace").splitlines():
            stack, _, n = line.rpartition(" ")
            if not n.isdigit():
                continue
            n = int(n)
            frames = stack.split(";")
            if not any("collab" in f or "whoosh" in f or "jinja" in f or "sqlalchemy" in f for f in frames):
                continue  # idle threads, gunicorn's loop
            total += n
            own[_short(frames[-1])] += n
            for f in {_short(f) for f in frames}:
                incl[f] += n
        return {"samples": total, "own": own.most_common(top),
                "inclusive": [(f, n) for f, n in incl.most_common(60) if _interesting(f)][:top]}


def _short(frame: str) -> str:
    m = re.match(r"(.*) \((.*?):(\d+)\)$", frame)
    if not m:
        return frame
    fn, path, _line = m.groups()
    for marker in ("site-packages/", "/work/main/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{fn} ({path})"


def _interesting(frame: str) -> bool:
    return ("collab/" in frame or "whoosh/" in frame or "communities/" in frame) and not any(
        x in frame for x in ("handle_request", "wsgi_app", "full_dispatch", "dispatch_request", "__call__ (flask"))


def print_profile(p: dict | None) -> None:
    if not p or "own" not in p:
        print(f"{'':<22}py-spy: {p.get('error') if p else 'no profile'}")
        return
    n = max(1, p["samples"])
    print(f"{'':<22}py-spy ({p['samples']} busy samples): own time "
          + ", ".join(f"{f} {100 * c / n:.0f}%" for f, c in p["own"][:5]))
    print(f"{'':<22}  inclusive: " + ", ".join(f"{f} {100 * c / n:.0f}%" for f, c in p["inclusive"][:6]))


# ---------------------------------------------------------------- freshness


WORD_LETTERS = "bcdfghjklmnpqrtvwxz"  # no vowels, s or y: the stemmer leaves the word alone


def fresh_word(rng: random.Random) -> str:
    # 32 letters: longer than "did you mean" looks at (4-30), so the poller's searches stay cheap.
    return "fresh" + "".join(rng.choice(WORD_LETTERS) for _ in range(27))


class Poster:
    """A signed-in session that creates communities through the real form."""

    def __init__(self, port: int, username: str):
        self.client = Client(HOST, port, timeout=60)
        self.client.login(username, PASSWORD)
        status, page = self.client.get("/c/new")
        field = CSRF_RE.search(page.decode("utf-8", "replace")) if status == 200 else None
        token = VALUE_RE.search(field.group(0)) if field else None
        if token is None:
            raise BenchError(f"GET /c/new as {username} answered {status} without a csrf_token")
        self.token = token.group(1)

    def post(self, word: str, n: int) -> tuple[int, str]:
        form = urlencode({"name": f"Fresh {word}", "slug": "", "access": "public", "tags": "",
                          "description": f"Freshness probe number {n}: **{word}** was just written.",
                          "csrf_token": self.token})
        status, headers, _body = self.client.request(
            "POST", "/c/new", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
        return status, headers.get("location", "")


def index_replaced(index_dir: Path, known: set[Path]) -> bool:
    """The app moved the index aside or marked it for a rebuild from the database (the synthetic
    documents are then gone and freshness waits for the rebuild)."""
    if (index_dir / "collab-rebuild-needed").exists():
        return True
    return any(p not in known for p in index_dir.parent.glob(index_dir.name + ".broken-*"))


def _fresh_stats(values_ms: list[float]) -> dict:
    v = sorted(values_ms)
    return {"n": len(v), "median": percentile(v, 50), "p90": percentile(v, 90), "p99": percentile(v, 99),
            "max": v[-1] if v else float("nan"), "min": v[0] if v else float("nan")}


def run_freshness(server: Server, port: int, posters: list[str], args: argparse.Namespace,
                  index_dir: Path) -> dict:
    rng = random.Random(args.seed * 7919)
    n_posters = min(args.posters, len(posters))
    chosen = rng.sample(posters, n_posters)
    sessions = [Poster(port, name) for name in chosen]
    poller = Client(HOST, port, timeout=60)
    poller.login(USERNAME, PASSWORD)

    total = int(args.rate * args.fresh_seconds)
    fresh_rng = random.Random()  # not seeded: a reused instance keeps the communities of earlier runs
    words = [fresh_word(fresh_rng) for _ in range(total)]
    lock = threading.Lock()
    committed: dict[str, float] = {}  # word -> monotonic time of the 302
    found: dict[str, float] = {}  # word -> seconds from commit to the first answer listing it
    expired: list[str] = []
    posts: list[dict] = []
    failures: Counter = Counter()
    polls: list[float] = []
    posting_done = threading.Event()
    stop_polling = threading.Event()
    known_broken = set(index_dir.parent.glob(index_dir.name + ".broken-*"))
    replaced: list[float] = []  # when the app was first seen replacing the index

    def poll_loop() -> None:
        while not stop_polling.is_set():
            tick = time.monotonic()
            if not replaced and index_replaced(index_dir, known_broken):
                replaced.append(tick)
            with lock:
                now = time.monotonic()
                for w, t in list(committed.items()):
                    if w not in found and w not in expired and now - t > args.fresh_timeout:
                        expired.append(w)
                pending = [w for w in committed if w not in found and w not in expired]
            if not pending and posting_done.is_set():
                break
            for i in range(0, len(pending), 10):
                chunk = pending[i:i + 10]
                t0 = time.perf_counter()
                try:
                    status, body = poller.get("/search?q=" + quote(" OR ".join(chunk)))
                except CLIENT_ERRORS as e:
                    failures[f"poll: {type(e).__name__}"] += 1
                    continue
                got = time.monotonic()
                polls.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    failures[f"poll: HTTP {status}"] += 1
                    continue
                text = body.decode("utf-8", "replace")
                with lock:
                    for w in chunk:
                        if w not in found and f"/c/fresh-{w}/" in text:
                            found[w] = got - committed[w]
            delay = args.poll_interval - (time.monotonic() - tick)
            if delay > 0:
                time.sleep(delay)

    free: queue.Queue = queue.Queue()
    for s in sessions:
        free.put(s)

    def do_post(i: int, session: Poster, scheduled: float) -> None:
        started = time.monotonic()
        try:
            status, location = session.post(words[i], i)
        except CLIENT_ERRORS as e:
            status, location = 0, type(e).__name__
        done = time.monotonic()
        free.put(session)
        ok = status == 302 and "/login" not in location
        with lock:
            if ok:
                committed[words[i]] = done
            else:
                failures[f"POST /c/new: {status or location}"] += 1
            posts.append({"lag": started - scheduled, "ms": (done - started) * 1000, "ok": ok,
                          "start": started, "done": done})

    cpu0, busy0 = server.worker_cpu(), machine_busy_seconds()
    poll_thread = threading.Thread(target=poll_loop, name="fresh-poller", daemon=True)
    poll_thread.start()
    t_start = time.monotonic() + 0.2
    with ThreadPoolExecutor(max_workers=n_posters, thread_name_prefix="fresh-poster") as pool:
        for i in range(total):
            scheduled = t_start + i / args.rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            session = free.get()  # all posters busy: this post starts late (counted as lag)
            pool.submit(do_post, i, session, scheduled)
    posting_done.set()
    t_posted = time.monotonic()
    poll_thread.join(args.fresh_timeout + 30)
    stop_polling.set()
    seconds = time.monotonic() - t_start
    server_cpu = server.worker_cpu() - cpu0
    machine = machine_busy_seconds() - busy0
    for s in sessions:
        s.client.close()
    poller.close()

    ok_posts = [p for p in posts if p["ok"]]
    span = (max(p["done"] for p in ok_posts) - min(p["start"] for p in ok_posts)) if len(ok_posts) > 1 else 0
    fresh_ms = sorted(v * 1000 for v in found.values())
    cut = replaced[0] if replaced else float("inf")
    before = [w for w, t in committed.items() if t < cut]
    post_ms = sorted(p["ms"] for p in posts)
    lags = sorted(p["lag"] * 1000 for p in posts)
    polls.sort()
    return {
        "posters": n_posters, "planned": total, "rate_planned": args.rate,
        "posted_ok": len(ok_posts), "rate_achieved": len(ok_posts) / span if span else 0.0,
        "posting_seconds": t_posted - t_start,
        "post_ms": {"median": percentile(post_ms, 50), "p99": percentile(post_ms, 99), "max": post_ms[-1] if post_ms else 0},
        "start_lag_ms": {"median": percentile(lags, 50), "p99": percentile(lags, 99), "max": lags[-1] if lags else 0},
        "found": len(fresh_ms), "never_found": len(expired),
        "not_checked": len(ok_posts) - len(fresh_ms) - len(expired),
        "freshness_ms": _fresh_stats(fresh_ms),
        "index_replaced_after_s": (cut - t_start) if replaced else None,
        "before_replacement": {"posted": len(before), "never_found": sum(1 for w in before if w in expired),
                               "freshness_ms": _fresh_stats([found[w] * 1000 for w in before if w in found])},
        "polls": len(polls), "poll_ms": {"median": percentile(polls, 50), "p99": percentile(polls, 99)},
        "failures": dict(failures.most_common(10)),
        "server_cpu_pct": 100 * server_cpu / seconds, "machine_cpu_pct": 100 * machine / seconds,
        "seconds": seconds,
    }


def print_freshness(f: dict, args: argparse.Namespace) -> None:
    fm = f["freshness_ms"]
    print(f"posting  {f['posted_ok']}/{f['planned']} communities created by {f['posters']} accounts, planned "
          f"{f['rate_planned']:.0f}/s, achieved {f['rate_achieved']:.1f}/s; POST /c/new median "
          f"{f['post_ms']['median']:.0f} ms, p99 {f['post_ms']['p99']:.0f} ms; start lag p99 "
          f"{f['start_lag_ms']['p99']:.0f} ms")
    print(f"found    {f['found']} found, {f['never_found']} never found within {args.fresh_timeout:.0f} s"
          + (f", {f['not_checked']} not checked" if f["not_checked"] else ""))
    print(f"freshness from the 302 to the first search answer listing it, ms: median {fm['median']:.0f}, "
          f"p90 {fm['p90']:.0f}, p99 {fm['p99']:.0f}, min {fm['min']:.0f}, max {fm['max']:.0f}")
    print(f"polling  {f['polls']} searches (every {1000 * args.poll_interval:.0f} ms, up to 10 words OR-ed), "
          f"each median {f['poll_ms']['median']:.0f} ms, p99 {f['poll_ms']['p99']:.0f} ms (the resolution)")
    print(f"CPU      server worker {f['server_cpu_pct']:.0f} % of one core, whole machine "
          f"{f['machine_cpu_pct']:.0f} % (of {100 * (os.cpu_count() or 1)})")
    if f["index_replaced_after_s"] is not None:
        b = f["before_replacement"]
        bm = b["freshness_ms"]
        print(f"REPLACED the app moved the index aside / marked it for a rebuild from the database "
              f"{f['index_replaced_after_s']:.1f} s after posting began (see the server log); the posts committed "
              f"before that: {b['posted']}, {bm['n']} found (median {bm['median']:.0f} ms, p99 {bm['p99']:.0f} ms), "
              f"{b['never_found']} never found")
    for what, n in f["failures"].items():
        print(f"errors   {n} x {what}")


def server_log_problems(server: Server) -> list[str]:
    try:
        lines = server.log_path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    keys = ("Traceback", "Error", "failed", "rebuil", "locked", "WARNING", "CRITICAL")
    return [ln for ln in lines if any(k in ln for k in keys)]


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, default=200_000, help="synthetic documents to index (default 200000)")
    p.add_argument("--clients", type=int, default=10, help="concurrent signed-in clients (default 10)")
    p.add_argument("--duration", type=float, default=15.0, help="seconds per query scenario (default 15)")
    p.add_argument("--warmup", type=float, default=5.0, help="seconds of unreported mixed searching first (default 5)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated, from: " + ", ".join(SCENARIOS))
    p.add_argument("--instance", help="keep the instance here; if it was built by this script with the same "
                                      "--docs and --seed, reuse it (no data, no indexing)")
    p.add_argument("--writer", choices=("single", "procs2"), default="single",
                   help="writer for the bulk documents: the app's single writer (default) or Whoosh's "
                        "procs=2 multisegment writer (about twice as fast, two segments)")
    p.add_argument("--compare-docs", type=int, default=5000,
                   help="documents for the single vs procs=2 writer comparison in scratch folders (0: skip)")
    p.add_argument("--rate", type=float, default=20.0, help="posts per second in the freshness phase (default 20)")
    p.add_argument("--fresh-seconds", type=float, default=20.0, help="seconds of posting (default 20)")
    p.add_argument("--fresh-timeout", type=float, default=10.0, help="a post not found this long after its "
                                                                     "commit counts as never found (default 10)")
    p.add_argument("--poll-interval", type=float, default=0.05, help="seconds between the poller's searches")
    p.add_argument("--posters", type=int, default=8, help="accounts posting in parallel (default 8)")
    p.add_argument("--no-freshness", action="store_true", help="skip the freshness phase")
    p.add_argument("--py-spy", action="store_true", help="profile the server worker with py-spy in each scenario")
    p.add_argument("--port", type=int, default=5099)
    p.add_argument("--procs", type=int, default=16, help="client processes at most (default 16)")
    p.add_argument("--users", type=int, default=5000)
    p.add_argument("--communities", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", metavar="PATH", help="default bench/results/search-<time>.json")
    p.add_argument("--no-json", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (instance, server log)")
    args = p.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if args.docs < 0 or args.clients < 1 or args.duration <= 0 or args.rate <= 0:
        p.error("--docs must be >= 0, --clients >= 1, --duration and --rate positive")
    if os.environ.get("DATABASE_URL") and not args.instance:
        p.error("with DATABASE_URL, pass --instance (the index lives there)")
    return args


def reusable(instance: Path, args: argparse.Namespace) -> dict | None:
    marker = instance / MARKER
    if not marker.exists():
        return None
    try:
        data = json.loads(marker.read_text())
    except ValueError:
        return None
    if data.get("docs") != args.docs or data.get("seed") != args.seed or data.get("users") != args.users \
            or data.get("communities") != args.communities:
        return None
    try:  # the server may have replaced the index since (then the synthetic documents are gone)
        from whoosh import index as whoosh_index

        count = whoosh_index.open_dir(str(instance / "index")).doc_count()
    except Exception as e:
        raise BenchError(f"cannot open the index in {instance}: {e}; remove the folder to rebuild") from e
    if count < args.docs:
        raise BenchError(f"the index in {instance} holds {count:,} documents, fewer than --docs {args.docs:,}: "
                         "the server replaced it meanwhile; remove the folder to rebuild")
    return data


def run(args: argparse.Namespace, work: Path) -> dict:
    report: dict = {
        "when": datetime.now().isoformat(timespec="seconds"), "git": git_revision(),
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite",
        "args": {k: v for k, v in vars(args).items() if k not in ("json", "no_json", "keep")},
        "loadavg_start": os.getloadavg(),
    }
    print(f"collab search benchmark  {report['when']}  git {report['git']}  Python {report['python']}  "
          f"{report['cpus']} CPUs  {report['database']}  load average {report['loadavg_start'][0]:.2f}", flush=True)
    if not port_free(args.port):
        raise BenchError(f"port {args.port} is in use: pass another --port")

    # 1. data and index
    instance = Path(args.instance).resolve() if args.instance else work / "instance"
    previous = reusable(instance, args) if args.instance else None
    if args.instance and previous is None and instance.exists() and any(instance.iterdir()):
        raise BenchError(f"{instance} exists but was not built by this script with these --docs/--seed: "
                         "remove it or pass another --instance")
    t0 = time.monotonic()
    info, figures = build(instance, args, fresh=previous is None)
    if previous is None:
        report["indexing"] = figures
        report["build_seconds"] = round(time.monotonic() - t0, 1)
        (instance / MARKER).write_text(json.dumps(
            {"docs": args.docs, "seed": args.seed, "users": args.users, "communities": args.communities,
             "built": report["when"], "indexing": figures}, indent=2, default=str))
        print(f"data     ready in {report['build_seconds'] / 60:.1f} min")
    else:
        report["indexing"] = previous.get("indexing")
        report["reused_from"] = previous.get("built")
        print(f"data     reusing {instance} (built {previous.get('built')}; its indexing figures are in the JSON)")
    mixes, used = build_mixes(info)
    mine = info["bench_communities"]
    kinds = Counter(c["access"] for c in mine)
    report["bench_communities"] = {"count": len(mine), "access": dict(kinds)}
    report["filter_community"] = used
    print(f"bench    member of {len(mine)} communities (" + ", ".join(f"{n} {a}" for a, n in sorted(kinds.items()))
          + f"); filter community {used['community']['slug']} (id {used['community']['id']}, "
            f"{used['community']['members']} members)")

    # 2. server, clients, queries
    server = Server(instance, args.port, work / "server.log")
    pool: ClientPool | None = None
    finished = False
    try:
        server.wait_healthy(timeout=120)
        print(f"server   {' '.join(server.command)}  (gunicorn master pid {server.proc.pid}, "
              f"worker pid {server.worker_pid()}; log {server.log_path})")
        report["rss_start"] = server.memory()
        print(f"RSS at start      {fmt_mem(report['rss_start'])}", flush=True)
        cookie = None
        try:
            probe = Client(HOST, args.port)
            probe.sign_in(None)
            probe.close()
            report["sign_in"] = "POST /login"
        except LoginError as e:
            print(f"WARNING  {e}; the clients use a minted session cookie (bench/appinfo.py) instead")
            cookie = app_info(instance)["session_cookie"]
            report["sign_in"] = f"minted cookie ({e})"
        pool = ClientPool(args.clients, args.procs, args.port, cookie)
        pool.wait_ready()
        print(f"clients  {args.clients} signed-in {USERNAME} sessions in {len(pool.procs)} processes, keep-alive")
        if args.warmup > 0:
            t0 = time.monotonic()
            _s, outs, _c = pool.run(mixes["mixed"], args.warmup, args.seed)
            done = sum(len(v) for o in outs for v in o["latencies"].values())
            print(f"warm-up  {args.warmup:.0f} s mixed, {done} requests (not counted), "
                  f"{time.monotonic() - t0:.0f} s", flush=True)
        report["queries"] = probe_queries(args.port, mixes, cookie)
        print_probes(report["queries"])
        expected = (args.docs or 0) // 20
        common = next((r for r in report["queries"] if r["label"] == f"word {COMMON_WORD}"), None)
        if args.docs and common and common.get("results", 0) < expected:
            print(f"WARNING  only {common.get('results')} results for {COMMON_WORD!r}: the server may have "
                  "rebuilt the index from the database (synthetic documents gone); see the server log")

        print(f"\n{args.duration:.0f} s per scenario, {args.clients} clients, latencies in ms\n")
        print(HEADER, flush=True)
        report["scenarios"] = {}
        for i, name in enumerate(args.scenarios):
            prof = None
            if args.py_spy and server.worker_pid():
                prof = Profiler(server.worker_pid(), args.duration, work / f"py-spy-{name}.txt")
            cpu0, busy0 = server.worker_cpu(), machine_busy_seconds()
            start_at, outs, driver_cpu = pool.run(mixes[name], args.duration, args.seed + i + 1)
            summary = summarise(name, start_at, outs, driver_cpu, server.worker_cpu() - cpu0,
                                machine_busy_seconds() - busy0)
            summary["rss_after"] = server.memory()
            if prof is not None:
                summary["py_spy"] = prof.finish()
            report["scenarios"][name] = summary
            print_scenario(summary)
            if prof is not None:
                print_profile(summary["py_spy"])
        report["rss_after_queries"] = server.memory()
        print(f"\nRSS after queries {fmt_mem(report['rss_after_queries'])}", flush=True)
        pool.stop()
        pool = None

        # 3. freshness
        if not args.no_freshness:
            print(f"\nfreshness: {args.rate:.0f} new communities/s for {args.fresh_seconds:.0f} s through "
                  f"POST /c/new; {USERNAME} polls /search until each is found\n", flush=True)
            try:
                report["freshness"] = run_freshness(server, args.port, info["posters"], args, instance / "index")
                print_freshness(report["freshness"], args)
            except (BenchError, *CLIENT_ERRORS) as e:
                report["freshness_error"] = f"{type(e).__name__}: {e}"
                print(f"freshness failed: {type(e).__name__}: {e}\n{server.log_tail(8)}")
            before = next((r.get("results") for r in report["queries"] if r["label"] == f"word {COMMON_WORD}"), None)
            after = probe_queries(args.port, {"word": mixes["word"]}, cookie, repeat=1)[0].get("results")
            report["common_word_results_after"] = after
            if before is not None and after is not None and after < before:
                print(f"WARNING  {COMMON_WORD!r} found {after:,} documents after the freshness phase, {before:,} "
                      "before: the server replaced or rebuilt the index meanwhile (see the server log)")
        report["rss_end"] = server.memory()
        print(f"\nRSS at the end    {fmt_mem(report['rss_end'])}")
        problems = server_log_problems(server)
        report["server_log_problems"] = problems[-50:]
        if problems:
            print(f"server log: {len(problems)} lines with errors or warnings, the last ones:")
            for line in problems[-5:]:
                print("         " + line[:200])
        print(f"load average      {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        finished = True
    finally:
        if pool is not None:
            pool.stop(now=not finished)
        server.stop(now=not finished)
    return report


def write_json(report: dict, args: argparse.Namespace) -> None:
    if args.no_json:
        return
    path = Path(args.json) if args.json else BENCH / "results" / f"search-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"figures written to {path}")


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix="collab-search-bench-"))
    code = 0
    try:
        report = run(args, work)
        write_json(report, args)
    except KeyboardInterrupt:
        print("\ninterrupted: everything the benchmark started is stopped", file=sys.stderr)
        code = 130
    except BenchError as e:
        print(f"\nbenchmark failed: {e}", file=sys.stderr)
        code = 1
    finally:
        if args.keep or code == 1:
            print(f"kept {work}", file=sys.stderr if code else sys.stdout)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
