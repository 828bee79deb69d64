"""The search benchmark's freshness run: communities created through the served app at a
steady rate, searched for until found. Used by bench/search_bench.py."""
from __future__ import annotations

import argparse
import os
import queue
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
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
)
from load import (
    Server,
    machine_busy_seconds,
    percentile,
)


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


