"""Where a page's time goes: requests through app.test_client() in this process, no server.

    .venv/bin/python bench/profile_pages.py --instance DIR [--requests 300] [--path /c/ ...] [--cprofile]

Signs in as ``bench`` (bench/datagen.py's account), then for each path: a few warm-up requests,
then --requests timed ones. Prints per request the wall time, the number of SQL statements and
the time spent in them (measured around the DB-API cursor), and with --cprofile the functions
that took the most time over all of that path's requests. --sql prints the statements of one
request. Without --path: the community list (pages 1 and 2), the biggest community's home and a
small community's home.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="csrf_token"')


class SqlMeter:
    """Counts statements and the time spent executing them, via engine events."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        self.seconds = 0.0
        self.statements: Counter | None = None
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, _cursor, statement, _params, _context, _many):
        conn.info.setdefault("bench_t0", []).append(time.perf_counter())
        if self.statements is not None:
            self.statements[" ".join(statement.split())[:300]] += 1

    def _after(self, conn, _cursor, _statement, _params, _context, _many):
        self.seconds += time.perf_counter() - conn.info["bench_t0"].pop()
        self.count += 1


class ErrorLog:
    """The exceptions requests raised (the app's own logging of them is silenced: it is noise here)."""

    def __init__(self, app):
        from flask import got_request_exception

        self.seen: Counter = Counter()
        app.logger.setLevel(logging.CRITICAL)
        got_request_exception.connect(self._record, app, weak=False)

    def _record(self, _sender, exception, **_extra):
        self.seen[f"{type(exception).__name__}: {exception}"[:200]] += 1


def sign_in(client, username: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    match = CSRF_RE.search(page)
    token = (match.group(1) or match.group(2)) if match else ""
    response = client.post("/login", data={"login": username, "password": password, "csrf_token": token})
    if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
        sys.exit(f"signing in as {username} failed: POST /login answered {response.status_code}")


def default_paths(app) -> list[str]:
    from sqlalchemy import select

    from collab.extensions import db
    from communities.models import Community

    with app.app_context():
        by_size = db.session.scalars(
            select(Community.slug).where(Community.access == "public", Community.is_archived.is_(False))
            .order_by(Community.member_count.desc())
        ).all()
        db.session.remove()
    if not by_size:
        sys.exit("no public community: prepare the instance with bench/datagen.py")
    return ["/c/", "/c/?page=2", f"/c/{by_size[0]}/", f"/c/{by_size[-1]}/"]


def measure(client, meter: SqlMeter, errors: ErrorLog, path: str, n: int, warmup: int, profile: bool,
            show_sql: bool, callees: list[str] | None = None) -> None:
    for _ in range(warmup):
        client.get(path)
    if show_sql:
        meter.statements = Counter()
        client.get(path)
        sample, meter.statements = meter.statements, None
    walls, statuses = [], Counter()
    errors.seen.clear()
    meter.count, meter.seconds = 0, 0.0
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(path)
        response.get_data()
        walls.append((time.perf_counter() - t0) * 1000)
        statuses[response.status_code] += 1
    if profiler:
        profiler.disable()
    mean = statistics.fmean(walls)
    print(f"\n{path}  ({n} requests, statuses {dict(statuses)})")
    print(f"  wall per request   mean {mean:.2f} ms, median {statistics.median(walls):.2f} ms"
          f"{'  (cProfile on: slower than real)' if profile else ''}")
    print(f"  SQL per request    {meter.count / n:.1f} statements, {meter.seconds * 1000 / n:.2f} ms "
          f"({100 * meter.seconds * 1000 / n / mean:.0f}% of wall)")
    for what, k in errors.seen.most_common(3):
        print(f"  raised             {k} x {what}")
    if show_sql:
        for statement, k in sample.most_common():
            print(f"    {k} x {statement}")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        for pattern in callees or ():
            stats.sort_stats("cumulative").print_callees(pattern) if not pattern.startswith("=") else stats.print_stats(pattern[1:])
        print("\n".join("  " + line for line in out.getvalue().splitlines() if line.strip()))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--instance", required=True, help="a prepared instance folder (bench/datagen.py)")
    p.add_argument("--requests", type=int, default=300, help="timed requests per path (default 300)")
    p.add_argument("--warmup", type=int, default=20, help="untimed requests per path first (default 20)")
    p.add_argument("--path", action="append", help="a path to request (repeatable)")
    p.add_argument("--cprofile", action="store_true", help="print the top functions per path")
    p.add_argument("--callees", action="append", metavar="REGEX",
                   help="with --cprofile: also what the functions matching REGEX called (repeatable)")
    p.add_argument("--sql", action="store_true", help="print the SQL statements of one request per path")
    args = p.parse_args(argv)

    instance = Path(args.instance).resolve()
    if not os.environ.get("DATABASE_URL") and not (instance / "collab.db").exists():
        sys.exit(f"{instance} has no collab.db: prepare it with bench/datagen.py")
    os.environ["COLLAB_INSTANCE_PATH"] = str(instance)
    os.environ["COLLAB_RATELIMIT"] = "0"
    from collab.app import create_app
    from collab.extensions import db

    app = create_app()
    with app.app_context():
        meter = SqlMeter(db.engine)
    errors = ErrorLog(app)
    client = app.test_client()
    client.environ_base.update({"HTTP_ACCEPT_LANGUAGE": "en", "HTTP_USER_AGENT": "collab-bench/1"})
    try:
        sign_in(client, "bench", "bench-password")
        for path in args.path or default_paths(app):
            measure(client, meter, errors, path, args.requests, args.warmup, args.cprofile, args.sql, args.callees)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
