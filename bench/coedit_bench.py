"""Wiki live co-editing figures: how long one editor's keystroke takes to reach the others, and
the server memory an open document costs.

    .venv/bin/python bench/coedit_bench.py [--scenarios one-page,many-pages,memory] [--seconds 20]
        [--editors 10] [--pages 50] [--page-editors 2] [--rate 3] [--procs 4] [--docs 200]

one-page    --editors people on one page, each typing --rate keystrokes a second
many-pages  --pages pages edited at once, --page-editors people on each, same rate
memory      in this process: --docs documents (a 5,000-character page and 300 live edits each)
            opened in the server's document cache; RSS growth per document

The server is the real thing (``collab serve --no-migrate``: gunicorn, one threaded worker) on a
fresh SQLite instance, rate limits and the search indexer off. Each editor is a python-socketio
client signed in as its own person, in --procs client processes (all editors of a page in the
same process). It syncs its own pycrdt copy, then types: each keystroke is one Yjs update sent
with the `update` event. Latency is measured from the moment the keystroke's update is emitted to
the moment another editor of the page receives it (the server stores it first, then broadcasts),
over every receiving editor. Prints median, p90, p99 and max, updates per second, and the worker's
RSS and CPU.
"""
from __future__ import annotations

import argparse
import base64
import multiprocessing as mp
import os
import random
import resource
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from load import BenchError, Server, bench_main, percentile, port_free  # noqa: E402

USER_AGENT = "collab-coedit-bench/1"
SCENARIOS = ("one-page", "many-pages", "memory")
BODY = ("# Runbook 运行手册\n\n" + "Step: deploy the service, check the dashboards, 检查监控。\n" * 90)[:5000]


# ---------------------------------------------------------------- data


def prepare(instance: Path, pages: int, per_page: int) -> list[dict]:
    """People, a community, pages; one entry per editor: page id, session cookie."""
    os.environ["COLLAB_INSTANCE_PATH"] = str(instance)
    os.environ["COLLAB_SEARCH_INDEXER"] = "manual"
    from flask import session
    from flask_login import login_user
    from flask_migrate import upgrade

    from collab.accounts.services import create_user
    from collab.app import create_app
    from collab.extensions import db
    from communities import services as communities
    from wiki import services as wiki

    app = create_app()
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"  # nobody signs in with these (cookies are minted)
    plan = []
    with app.app_context():
        upgrade()
        people = [create_user(f"editor{i}", f"editor{i}@example.com", "bench-password-1",
                              display_name=f"Editor {i}") for i in range(per_page * pages + 1)]
        db.session.commit()
        owner = people[0]
        with app.test_request_context("/", method="POST"):
            c = communities.create_community(owner, name="Co-editing bench")
            for p in people[1:]:
                communities._add_member(c, p)
            db.session.commit()
            page_ids = []
            for n in range(pages):
                page = wiki.create_page(c, owner, title=f"Page {n}", body=BODY)
                db.session.commit()
                page_ids.append(page.id)
        serializer = app.session_interface.get_signing_serializer(app)
        for i, person in enumerate(people[1:]):
            with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                          headers={"User-Agent": USER_AGENT}):
                login_user(person)
                cookie = f"{app.config['SESSION_COOKIE_NAME']}={serializer.dumps(dict(session))}"
            plan.append({"page": page_ids[i // per_page], "cookie": cookie})
        db.session.remove()
        db.engine.dispose()
    return plan


# ---------------------------------------------------------------- client processes


def client_process(conn, url: str, entries: list[dict], rate: float) -> None:
    import socketio
    from pycrdt import Doc, Text

    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    refused: dict[str, int] = {}
    lock = threading.Lock()
    editors = []
    errors = []

    def make(entry):
        c = socketio.Client(reconnection=False)

        def on_update(msg):
            now = time.perf_counter()
            with lock:
                t = sent_at.get(msg["update"])
                if t is not None:
                    latencies.append(now - t)

        c.on("update", on_update, namespace="/wiki")
        c.connect(url, headers={"Cookie": entry["cookie"], "User-Agent": USER_AGENT}, namespaces=["/wiki"],
                  transports=["websocket"], wait_timeout=30)
        doc = Doc()
        text = doc.get("body", type=Text)
        answer = c.call("sync", {"page": entry["page"], "sv": None, "generation": None}, namespace="/wiki",
                        timeout=30)
        if not answer or not answer.get("ok"):
            raise RuntimeError(f"sync failed: {answer}")
        doc.apply_update(base64.b64decode(answer["update"]))
        return {"client": c, "doc": doc, "text": text, "page": entry["page"], "generation": answer["generation"]}

    for entry in entries:
        try:
            editors.append(make(entry))
        except Exception as e:  # noqa: BLE001 - counted and reported
            errors.append(repr(e))
    conn.send({"connected": len(editors), "errors": errors[:5]})
    start_at, end_at = conn.recv()  # once every process has connected its editors

    def on_ack(answer):
        if not answer or not answer.get("ok"):
            with lock:
                key = (answer or {}).get("error", "?")
                refused[key] = refused.get(key, 0) + 1

    def typist(ed, seed):
        rng = random.Random(seed)
        n = 0
        next_at = start_at + rng.random() / rate
        while True:
            delay = next_at - time.time()
            if delay > 0:
                time.sleep(delay)
            if time.time() >= end_at:
                return
            before = ed["doc"].get_state()
            ch = rng.choice("abcdefghij 中文字")
            ed["text"].insert(len(ed["text"]), ch)
            update = base64.b64encode(ed["doc"].get_update(before)).decode()
            with lock:
                sent_at[update] = time.perf_counter()
            try:
                ed["client"].emit("update", {"page": ed["page"], "update": update, "generation": ed["generation"]},
                                  namespace="/wiki", callback=on_ack)
            except Exception:  # noqa: BLE001
                with lock:
                    refused["emit failed"] = refused.get("emit failed", 0) + 1
            n += 1
            next_at += rng.expovariate(rate)  # keystrokes arrive unevenly, like typing

    threads = [threading.Thread(target=typist, args=(ed, i), daemon=True) for i, ed in enumerate(editors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(2)  # the last deliveries
    with lock:
        conn.send({"latencies": latencies, "sent": len(sent_at), "refused": refused})
    for ed in editors:
        try:
            ed["client"].disconnect()
        except Exception:  # noqa: BLE001
            pass


def run_sockets(name: str, work: Path, pages: int, per_page: int, args) -> dict:
    instance = work / name
    t0 = time.perf_counter()
    plan = prepare(instance, pages, per_page)
    print(f"\n[{name}] data ready in {time.perf_counter() - t0:.1f} s: {pages} page(s), {len(plan)} editors")
    os.environ.update(COLLAB_INSTANCE_PATH=str(instance), COLLAB_WIKI_UPDATE_RATE_LIMIT="1000000 per 1 second",
                      COLLAB_WIKI_CURSOR_RATE_LIMIT="1000000 per 1 second", COLLAB_SEARCH_INDEXER="external",
                      COLLAB_THREADS=str(len(plan) + 50))
    port = args.port
    if not port_free(port):
        raise BenchError(f"port {port} is taken")
    server = Server(instance, port, work / f"{name}-server.log")
    try:
        server.wait_healthy()
        mem0 = server.memory()
        by_page: dict[int, list[dict]] = {}
        for e in plan:
            by_page.setdefault(e["page"], []).append(e)
        groups = list(by_page.values())
        procs_n = max(1, min(args.procs, len(groups)))
        shares = [[e for g in groups[i::procs_n] for e in g] for i in range(procs_n)]
        procs, pipes = [], []
        for share in shares:
            parent, child = mp.Pipe()
            p = mp.Process(target=client_process, args=(child, f"http://127.0.0.1:{port}", share, args.rate))
            p.start()
            procs.append(p)
            pipes.append(parent)
        connected = sum(pipe.recv()["connected"] for pipe in pipes)
        if connected < len(plan):
            raise BenchError(f"only {connected} of {len(plan)} editors connected:\n{server.log_tail()}")
        start_at = time.time() + 1
        end_at = start_at + args.seconds
        for pipe in pipes:
            pipe.send((start_at, end_at))
        while time.time() < start_at:
            time.sleep(0.05)
        cpu0 = server.worker_cpu()
        mem_open = server.memory()
        results = [pipe.recv() for pipe in pipes]
        cpu1 = server.worker_cpu()
        mem1 = server.memory()
        for p in procs:
            p.join(30)
        lat = sorted(x for r in results for x in r["latencies"])
        sent = sum(r["sent"] for r in results)
        refused: dict[str, int] = {}
        for r in results:
            for k, v in r["refused"].items():
                refused[k] = refused.get(k, 0) + v
        expected = sent * (per_page - 1)
        figures = {
            "pages": pages, "editors": len(plan), "rate_per_editor": args.rate, "seconds": args.seconds,
            "updates_sent": sent, "updates_per_second": sent / args.seconds,
            "deliveries": len(lat), "deliveries_expected": expected,
            "median_ms": percentile(lat, 50) * 1000, "p90_ms": percentile(lat, 90) * 1000,
            "p99_ms": percentile(lat, 99) * 1000, "max_ms": (lat[-1] * 1000) if lat else float("nan"),
            "refused": refused, "worker_rss_mib_idle": mem0["worker"], "worker_rss_mib_open": mem_open["worker"],
            "worker_rss_mib_end": mem1["worker"], "worker_cpu_percent": (cpu1 - cpu0) / (args.seconds + 2) * 100,
        }
        print(f"[{name}] {len(plan)} editors on {pages} page(s), {sent / args.seconds:.0f} updates/s for "
              f"{args.seconds:.0f} s; delivered {len(lat)} of {expected}; refused {refused or 'none'}")
        print(f"[{name}] keystroke -> other editor: median {figures['median_ms']:.1f} ms, p90 {figures['p90_ms']:.1f} ms,"
              f" p99 {figures['p99_ms']:.1f} ms, max {figures['max_ms']:.1f} ms")
        print(f"[{name}] worker RSS {mem0['worker']:.0f} MiB idle -> {mem_open['worker']:.0f} MiB with the documents "
              f"open -> {mem1['worker']:.0f} MiB at the end; CPU {figures['worker_cpu_percent']:.0f} % of one core")
        return figures
    finally:
        server.stop(now=True)


# ---------------------------------------------------------------- memory


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_memory(work: Path, args) -> dict:
    """Open --docs documents in the cache of an app in this process; RSS growth per document."""
    from pycrdt import Doc, Text

    from wiki import live

    # Documents as the server holds them: seeded from a 5,000-character page, then 300 single
    # keystrokes from 3 people spread over the text (their history is part of the state).
    def grown() -> bytes:
        seed = Doc()
        seed.get("body", type=Text).insert(0, BODY)
        state = seed.get_update()
        rng = random.Random(1)
        people = []
        for _ in range(3):
            d = Doc()
            d.apply_update(state)
            people.append(d)
        for n in range(300):
            d = people[n % 3]
            t = d.get("body", type=Text)
            before = d.get_state()
            t.insert(rng.randrange(len(t) + 1), rng.choice("abc中文"))
            u = d.get_update(before)
            for other in people:
                if other is not d:
                    other.apply_update(u)
        return people[0].get_update()

    state = grown()
    cache = live.Cache()
    import gc

    gc.collect()
    before = rss_kib()
    for page_id in range(args.docs):
        cache.put(page_id, live.Entry(doc=live._new_doc(state), generation="g", version=0))
    gc.collect()
    after = rss_kib()
    per_doc = (after - before) / args.docs
    print(f"\n[memory] {args.docs} open documents (5,000 characters + 300 live edits; state {len(state)} bytes): "
          f"RSS +{(after - before) / 1024:.1f} MiB, {per_doc:.0f} KiB per document")
    return {"docs": args.docs, "state_bytes": len(state), "rss_kib_per_doc": per_doc}


# ---------------------------------------------------------------- main


def run(args, work: Path) -> dict:
    report = {}
    for scenario in args.scenarios:
        if scenario == "one-page":
            report[scenario] = run_sockets(scenario, work, 1, args.editors, args)
        elif scenario == "many-pages":
            report[scenario] = run_sockets(scenario, work, args.pages, args.page_editors, args)
        else:
            report[scenario] = run_memory(work, args)
    return report


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--seconds", type=float, default=20.0, help="typing time per scenario")
    p.add_argument("--editors", type=int, default=10, help="editors on the one page")
    p.add_argument("--pages", type=int, default=50, help="pages edited at once (many-pages)")
    p.add_argument("--page-editors", type=int, default=2, help="editors on each page (many-pages)")
    p.add_argument("--rate", type=float, default=3.0, help="keystrokes per second per editor")
    p.add_argument("--procs", type=int, default=4, help="client processes")
    p.add_argument("--docs", type=int, default=200, help="documents opened for the memory figure")
    p.add_argument("--port", type=int, default=5098)
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--no-json", action="store_true")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return args


if __name__ == "__main__":
    sys.exit(bench_main(parse_args(), run, "coedit"))
