"""How long the server stops answering while its in-process search indexer works.

    .venv/bin/python bench/hub_stall.py --instance DIR [--worker gevent|gthread] [--docs 5000]

Copies nothing: run it on a copy of a bench/datagen.py instance (it indexes into that instance).
Starts ``collab serve --worker W --no-migrate`` with the search indexer in the server process,
probes ``/healthz`` every 10 ms from a thread of this process, queues --docs people for
re-indexing (rows in search_outbox, SQLite), and prints the probe latency (median, p99, max)
while the indexer drains them, beside the same figures before, and the time the drain took.
Under the gevent worker the indexer is a greenlet: a long stretch of pure-Python work (building
documents, Whoosh's commit) holds the hub, and every socket and request waits for it.
"""
from __future__ import annotations

import argparse
import http.client
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from load import Server  # noqa: E402


def percentile(ordered, p):
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def probe(port, stop, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while not stop.is_set():
        t = time.perf_counter()
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):  # counted as a probe that took this long
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        out.append((time.perf_counter(), time.perf_counter() - t))
        time.sleep(0.01)
    conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--instance", required=True)
    p.add_argument("--worker", choices=("gevent", "gthread"), default="gevent")
    p.add_argument("--docs", type=int, default=5000)
    p.add_argument("--port", type=int, default=5097)
    args = p.parse_args()
    instance = Path(args.instance).resolve()
    db = instance / "collab.db"
    os.environ.update(COLLAB_WORKER=args.worker, COLLAB_SEARCH_INDEXER="thread")
    server = Server(instance, args.port, instance / "hub_stall.log")
    try:
        server.wait_healthy()
        samples: list[tuple[float, float]] = []
        stop = threading.Event()
        t = threading.Thread(target=probe, args=(args.port, stop, samples), daemon=True)
        t.start()
        time.sleep(3)
        queued_at = time.perf_counter()
        con = sqlite3.connect(db, timeout=30)
        ids = [r[0] for r in con.execute("SELECT id FROM users ORDER BY id LIMIT ?", (args.docs,))]
        with con:
            con.executemany("INSERT INTO search_outbox (doc_type, doc_pk, created_at) VALUES ('person', ?, "
                            "datetime('now'))", [(str(i),) for i in ids])
        while con.execute("SELECT count(*) FROM search_outbox").fetchone()[0]:
            time.sleep(0.05)
        drained_at = time.perf_counter()
        time.sleep(1)
        stop.set()
        t.join()
        con.close()
        before = sorted(d for at, d in samples if at < queued_at)
        during = sorted(d for at, d in samples if queued_at <= at <= drained_at + 0.5)
        print(f"{args.worker} worker: {len(ids)} documents indexed in {drained_at - queued_at:.1f} s")
        for name, xs in (("idle", before), ("while indexing", during)):
            print(f"  /healthz {name:15s} median {percentile(xs, 50) * 1000:7.1f} ms  p99 "
                  f"{percentile(xs, 99) * 1000:7.1f} ms  max {xs[-1] * 1000 if xs else float('nan'):7.1f} ms  "
                  f"({len(xs)} probes)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
