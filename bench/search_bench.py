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
   filtered queries, a mix, ``new`` (3,000 different queries, so nearly every search is the
   first of its words: no kept ranking or page helps), and GET /search/suggest.
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
import os
import platform
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from clients import (
    CLIENT_ERRORS,
    HOST,
    USERNAME,
    BenchError,
    Client,
    ClientPool,
    LoginError,
)
from load import (
    HEADER,
    bench_main,
    Server,
    app_info,
    fmt_mem,
    git_revision,
    machine_busy_seconds,
    port_free,
    print_scenario,
    summarise,
    venv_bin,
)

from search_build import (  # noqa: E402
    CHINESE,
    COMMON_WORD,
    FILTER_TAG,
    FILTER_WORD,
    MARKER,
    PHRASES,
    RARE_WORD,
    ROOT,
    SCENARIOS,
    NEW_QUERIES,
    SUGGEST_PREFIXES,
    build,
)
from search_freshness import print_freshness, run_freshness


# ---------------------------------------------------------------- queries


def search_path(q: str, **params: str) -> str:
    return "/search?" + urlencode({"q": q, **params})


def new_queries(n: int = NEW_QUERIES, seed: int = 12) -> list[str]:
    """Different queries from the corpus's vocabulary (one or two words, English or Chinese, a
    few phrases): what people type when they are not repeating one another."""
    import random

    import search_corpus as corpus

    rng = random.Random(seed)
    en = [w for w in corpus.CONTENT_WORDS if len(w) > 3]
    zh = list(corpus.ZH_WORDS)
    out: set[str] = set()
    while len(out) < n:
        r = rng.random()
        if r < 0.3:
            out.add(rng.choice(en))
        elif r < 0.6:
            out.add(" ".join(rng.sample(en, 2)))
        elif r < 0.7:
            out.add('"%s"' % rng.choice(corpus.COLLOCATIONS))
        elif r < 0.85:
            out.add(rng.choice(zh))
        else:
            out.add(rng.choice(zh) + " " + rng.choice(en))
    return sorted(out)


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
    mixes["new"] = [("new queries", [search_path(q) for q in new_queries()], 1.0)]
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


def main(argv: list[str] | None = None) -> int:
    return bench_main(parse_args(argv), run, "search")


if __name__ == "__main__":
    sys.exit(main())
