"""A mixed workload against the two documented shapes, from other processes:

    .venv/bin/python bench/mixed_bench.py --pg-url postgresql://postgres@127.0.0.1:55432/collab_bench \\
        --redis-url redis://127.0.0.1:56379/7 [--shapes sqlite,scaleout] [--levels 2,4,8,16,32]

Operations, by weight: 70% page reads (wiki pages, forum topics, community homes), 15% searches,
10% posts and edits (half forum replies, half wiki page edits: GET the edit form, POST it), 5%
chat (a Socket.IO ``send`` answered by its ack). Every client is a signed-in session in a closed
loop (the next operation starts when the previous one answered).

Shapes:
    sqlite     one `collab serve` on SQLite (its own indexer thread)
    scaleout   two `collab serve` on PostgreSQL + Redis behind nginx (deploy/nginx/collab.conf,
               sticky by its collab_lb cookie), one `collab indexer`. HTTP clients keep that
               cookie, which spreads them (and connect from distinct loopback addresses
               127.0.<n>.1); chat sockets go straight to the processes in turn.

For each shape the concurrency rises through --levels until the p99 of all operations passes
200 ms; the figures of that level (and the one before) are printed: requests/s and p99 per
operation type, and the CPU each part of the shape used (server workers, indexer, PostgreSQL
backends of the bench database, Redis, nginx, the driver) to show the bottleneck. The data comes
from bench/datagen.py plus a little content (pages, topics, a chat room) made in-process.
--pg-url names a database the bench may empty (it is dropped and filled).
"""
from __future__ import annotations

import argparse
import html
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

from clients import CLIENT_ERRORS, HOST, PASSWORD, USERNAME, Client
from load import (ROOT, BenchError, Server, bench_main, children_of, cpu_seconds, git_revision,
                  machine_busy_seconds, percentile, port_free, venv_bin)

OPS = (("read", 70), ("search", 15), ("post", 5), ("edit", 5), ("chat", 5))
WORDS = ("roadmap", "incident", "onboarding", "budget", "kubernetes", "design", "migration", "发布", "会议", "测试")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BASE_RE = re.compile(r'name="base_revision"[^>]*value="(\d+)"')
BODY_RE = re.compile(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>', re.S)


# ---------------------------------------------------------------- content (in-process, once)


def prepare_content() -> dict:
    """Pages, topics and a chat room for the bench account; printed as JSON by `_prepare`."""
    from sqlalchemy import select

    from collab import access
    from collab.accounts.models import User
    from collab.app import create_app
    from collab.chat import services as chat
    from collab.config import Config
    from collab.extensions import db
    from collab.search import flush
    from communities.models import Community, Membership
    from forums import services as forums
    from wiki import services as wiki

    config = Config()
    config.SEARCH_INDEXER = "manual"
    config.MAIL_SENDER = "manual"
    app = create_app(config)
    rng = random.Random(7)
    out = {"reads": [], "topics": [], "edit_pages": [], "rooms": []}
    with app.test_request_context("/"):
        bench = db.session.scalar(select(User).where(User.username == "bench"))
        mine = db.session.scalars(
            select(Community).join(Membership, Membership.community_id == Community.id)
            .where(Membership.user_id == bench.id, Community.is_archived.is_(False))
            .order_by(Community.member_count.desc()).limit(20)).all()
        mine = [c for c in mine if access.can_post(bench, c)
                and all(c.has_tool(t) for t in ("wiki", "forums", "chat"))]
        if not mine:
            raise SystemExit("the bench account may post in no community")
        mine = mine[:8]
        for n, community in enumerate(mine):
            out["reads"].append(f"/c/{community.slug}/")
            home = wiki.create_page(community, bench, title=f"Handbook {n}", body="The team handbook.")
            for i in range(4):
                words = " ".join(rng.sample(WORDS, 3))
                page = wiki.create_page(community, bench, title=f"Guide {n}-{i} {words}", parent_id=home.id,
                                        body=f"# {words}\n\n" + "Steps, owners and links for the quarter. " * 30)
                out["reads"].append(quote(f"/c/{community.slug}/wiki/{page.path}"))
            owner = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
                Membership.community_id == community.id, Membership.role == "owner").limit(1))
            forum = forums.create_forum(community, owner, name=f"Bench forum {n}")
            for i in range(4):
                words = " ".join(rng.sample(WORDS, 3))
                topic = forums.create_topic(forum, bench, title=f"Question {n}-{i} about {words}",
                                            body=f"How do we handle {words}? " * 20)
                path = f"/c/{community.slug}/forums/t/{topic.id}"
                out["reads"].append(path)
                out["topics"].append(path)
            room = chat.default_room(community)
            out["rooms"].append(room.id)
        first = mine[0]
        for i in range(64):  # one page per client to edit: concurrent edits of one page would conflict
            page = wiki.create_page(first, bench, title=f"Bench notes {i}", body="Notes.\n")
            out["edit_pages"].append(quote(f"/c/{first.slug}/wiki/{page.path}"))
        db.session.commit()
        flush()
        db.session.remove()
        db.engine.dispose()
    app.extensions["collab_search"].close()
    out["words"] = list(WORDS)
    return out


def prepare(instance: Path, env: dict[str, str], args) -> dict:
    """datagen, then the content above, in subprocesses (the data goes where env points)."""
    import json

    full = dict(os.environ, COLLAB_INSTANCE_PATH=str(instance), **env)
    cmd = [venv_bin("python"), str(ROOT / "bench" / "datagen.py"), "--instance", str(instance),
           "--users", str(args.users), "--communities", str(args.communities), "--force"]
    if subprocess.run(cmd, env=full, cwd=str(ROOT), stdin=subprocess.DEVNULL, check=False).returncode:
        raise BenchError("datagen failed")
    result = subprocess.run([venv_bin("python"), __file__, "_prepare"], env=full, cwd=str(ROOT),
                            capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    if result.returncode:
        raise BenchError(f"preparing content failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- one client


class SourceClient(Client):
    """bench/clients.py's keep-alive client, connecting from a chosen loopback address."""

    def __init__(self, host: str, port: int, source: str):
        super().__init__(host, port)
        self.source = source

    def _connect(self):
        import http.client
        import socket

        self.close()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout,
                                          source_address=(self.source, 0))
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn, self.used = conn, 0
        return conn


def client_loop(n: int, port: int, chat_ports: list[int], content: dict, duration: float, start_at: float,
                results: list, seed: int) -> None:
    import socketio

    rng = random.Random(seed)
    source = f"127.0.{n % 250 + 1}.1"
    http = SourceClient(HOST, port, source)
    http.login(USERNAME, PASSWORD)
    status, page = http.get(content["topics"][0])
    token = CSRF_RE.search(page.decode()).group(1)
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    sio = socketio.Client(reconnection=False)
    chat_port = chat_ports[n % len(chat_ports)]
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    sio.connect(f"http://{HOST}:{chat_port}", headers={"Cookie": cookie, "User-Agent": "collab-bench/1"},
                namespaces=["/chat"], transports=["websocket"], wait_timeout=20)
    room = content["rooms"][n % len(content["rooms"])]
    sio.call("join", {"room": room}, namespace="/chat", timeout=20)
    my_page = content["edit_pages"][n % len(content["edit_pages"])]
    lat: dict[str, list[float]] = {op: [] for op, _w in OPS}
    errors: dict[str, int] = {}
    weights = [w for _op, w in OPS]
    names = [op for op, _w in OPS]
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    end_at = start_at + duration
    try:
        while time.monotonic() < end_at:
            op = rng.choices(names, weights)[0]
            t0 = time.perf_counter()
            status = None
            try:
                if op == "read":
                    status = http.get(rng.choice(content["reads"]))[0]
                    ok = status == 200
                elif op == "search":
                    status = http.get("/search?" + urlencode({"q": rng.choice(content["words"])}))[0]
                    ok = status == 200
                elif op == "post":
                    body = urlencode({"csrf_token": token, "token": uuid.uuid4().hex,
                                      "body": f"A reply with details on {rng.choice(content['words'])}."})
                    status = http.request("POST", rng.choice(content["topics"]), body, form_headers)[0]
                    ok = status == 302
                elif op == "edit":
                    status, form = http.get(my_page + "/-/edit")
                    text = form.decode()
                    base, old = BASE_RE.search(text), BODY_RE.search(text)
                    ok = status == 200 and bool(base and old)
                    if ok:
                        new_body = html.unescape(old.group(1))[-2000:] + f"\nEdit {uuid.uuid4().hex[:8]}.\n"
                        body = urlencode({"csrf_token": token, "base_revision": base.group(1),
                                          "body": new_body, "summary": "bench"})
                        status = http.request("POST", my_page + "/-/edit", body, form_headers)[0]
                        ok = status == 302
                else:
                    ack = sio.call("send", {"room": room, "body": "bench message", "client_id": uuid.uuid4().hex},
                                   namespace="/chat", timeout=30)
                    ok = bool(ack and ack.get("ok"))
                    status = "ack" if ok else f"nack {ack and ack.get('error')}"
            except (*CLIENT_ERRORS, socketio.exceptions.TimeoutError) as e:
                ok, status = False, type(e).__name__
            if ok:
                lat[op].append((time.perf_counter() - t0) * 1000.0)
            else:
                key = f"{op}: {status}"
                errors[key] = errors.get(key, 0) + 1
    finally:
        results.append({"lat": lat, "errors": errors, "end": time.monotonic()})
        http.close()
        sio.disconnect()


def worker_process(conn, clients: list[int], port, chat_ports, content, duration, start_at, seed) -> None:
    results: list = []
    threads = [threading.Thread(target=client_loop, args=(n, port, chat_ports, content, duration, start_at,
                                                          results, seed * 1000 + n)) for n in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conn.send(results)
    conn.close()


def run_level(clients: int, procs: int, port: int, chat_ports: list[int], content: dict, duration: float,
              seed: int) -> tuple[list[dict], float, float]:
    """Run `clients` closed loops for `duration` s; returns their results, the seconds and driver CPU."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    procs = max(1, min(procs, clients))
    start_at = time.monotonic() + 8.0  # sign-in and socket connect happen before the clock starts
    pipes, workers = [], []
    for i in range(procs):
        ours, theirs = ctx.Pipe(duplex=False)
        mine = list(range(i, clients, procs))
        p = ctx.Process(target=worker_process, args=(theirs, mine, port, chat_ports, content, duration,
                                                     start_at, seed), daemon=True)
        p.start()
        pipes.append(ours)
        workers.append(p)
    results = []
    for pipe, p in zip(pipes, workers, strict=True):
        if not pipe.poll(duration + 120):
            raise BenchError("a driver process did not report")
        results += pipe.recv()
        p.join(10)
    if len(results) != clients:
        raise BenchError(f"only {len(results)} of {clients} clients reported (see stderr)")
    return results, duration, 0.0


# ---------------------------------------------------------------- CPU of each part


class Parts:
    """CPU seconds of every process of a shape, by part, sampled around a level."""

    def __init__(self, servers: list[Server], indexer_pid: int | None, nginx_pid: int | None,
                 redis_pid: int | None, pg_db: str | None):
        self.servers, self.indexer_pid, self.nginx_pid, self.redis_pid, self.pg_db = \
            servers, indexer_pid, nginx_pid, redis_pid, pg_db

    def _pg_backends(self) -> list[int]:
        pids = []
        if not self.pg_db:
            return pids
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    cmd = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
                except OSError:
                    continue
                if cmd.startswith("postgres: ") and f" {self.pg_db} " in cmd.replace("\0", " "):
                    pids.append(int(entry))
        return pids

    def sample(self) -> dict[str, float]:
        out = {"servers": sum(s.worker_cpu() for s in self.servers)}
        if self.indexer_pid:
            out["indexer"] = cpu_seconds(self.indexer_pid)
        if self.nginx_pid:
            out["nginx"] = cpu_seconds(self.nginx_pid) + sum(cpu_seconds(p) for p in children_of(self.nginx_pid))
        if self.redis_pid:
            out["redis"] = cpu_seconds(self.redis_pid)
        if self.pg_db:
            out["postgres"] = {pid: cpu_seconds(pid) for pid in self._pg_backends()}
        out["machine"] = machine_busy_seconds()
        return out

    @staticmethod
    def delta(a: dict, b: dict, seconds: float) -> dict[str, float]:
        d = {}
        for key, value in b.items():
            if key == "postgres":  # backends come and go: count those seen at both ends, plus new ones
                d[key] = sum(v - a.get(key, {}).get(pid, 0.0) for pid, v in value.items())
            else:
                d[key] = value - a.get(key, 0.0)
        return {k: 100.0 * v / seconds for k, v in d.items()}


def summarise(results: list[dict], seconds: float) -> dict:
    out = {}
    every = []
    for op, _w in OPS:
        values = sorted(v for r in results for v in r["lat"][op])
        every += values
        errors = sum(n for r in results for k, n in r["errors"].items() if k.split(":")[0] == op)
        out[op] = {"ops": len(values), "rps": len(values) / seconds, "p50": percentile(values, 50),
                   "p99": percentile(values, 99), "errors": errors}
    every.sort()
    kinds: dict[str, int] = {}
    for r in results:
        for k, n in r["errors"].items():
            kinds[k] = kinds.get(k, 0) + n
    out["error_kinds"] = kinds
    out["all"] = {"ops": len(every), "rps": len(every) / seconds, "p50": percentile(every, 50),
                  "p99": percentile(every, 99), "errors": sum(out[op]["errors"] for op, _w in OPS)}
    return out


def print_level(clients: int, s: dict, cpu: dict[str, float]) -> None:
    cells = "  ".join(f"{op} {s[op]['rps']:6.1f}/s p99 {s[op]['p99']:6.0f}" for op, _w in OPS)
    print(f"{clients:>4} clients  all {s['all']['rps']:6.1f}/s p50 {s['all']['p50']:5.0f} p99 {s['all']['p99']:6.0f} ms"
          f"  errors {s['all']['errors']}\n              {cells}")
    if s.get("error_kinds"):
        print("              errors: " + ", ".join(f"{n} x {k}" for k, n in s["error_kinds"].items()))
    parts = ", ".join(f"{k} {v:.0f}%" for k, v in cpu.items() if k != "machine")
    print(f"              CPU (% of one core): {parts}; whole machine {cpu['machine']:.0f}% of 200%; "
          f"load average {os.getloadavg()[0]:.2f}")
    sys.stdout.flush()


class Profiler:
    """py-spy (when installed) sampling every server worker during a level: where their time goes."""

    def __init__(self, servers: list[Server], work: Path):
        self.servers, self.work = servers, work
        self.tool = next((p for p in (ROOT / ".venv" / "bin" / "py-spy",) if p.exists()), None)
        self.procs: list[tuple[subprocess.Popen, Path]] = []

    def start(self, seconds: float, tag: str) -> None:
        if self.tool is None:
            return
        for i, s in enumerate(self.servers):
            out = self.work / f"profile-{tag}-{i}.txt"
            proc = subprocess.Popen([str(self.tool), "record", "--nonblocking", "-r", "40", "-d", str(int(seconds)),
                                     "-f", "raw", "-o", str(out), "-p", str(s.worker_pid())],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.procs.append((proc, out))

    def finish(self, top: int = 10) -> list[tuple[str, float]]:
        """The functions of ours (and the database/search/template calls) with the most samples."""
        inclusive: dict[str, int] = {}
        total = 0
        for proc, out in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
            if not out.exists():
                continue
            for line in out.read_text(errors="replace").splitlines():
                stack, _, count = line.rpartition(" ")
                if not count.isdigit():
                    continue
                n = int(count)
                total += n
                seen = set()
                for frame in stack.split(";"):
                    name = _frame_label(frame)
                    if name and name not in seen:
                        seen.add(name)
                        inclusive[name] = inclusive.get(name, 0) + n
        self.procs = []
        ranked = sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]
        return [(name, 100.0 * n / total) for name, n in ranked] if total else []


_OURS = {"collab", "wiki", "forums", "blogs", "communities"}
_LIBS = {"psycopg": "psycopg", "whoosh": "whoosh (search)", "jinja2": "jinja2 (templates)",
         "markdown": "markdown", "socketio": "socket.io", "engineio": "socket.io", "redis": "redis client",
         "flask_sqlalchemy": "sqlalchemy", "sqlalchemy": "sqlalchemy", "flask_babel": "babel", "babel": "babel"}


def _frame_label(frame: str) -> str | None:
    """py-spy raw frames: "function (package/file.py:123)"; ours by function, libraries by name."""
    fn, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    top = path.split("/", 1)[0]
    if path in ("engineio/middleware.py", "flask_socketio/__init__.py"):
        return None  # the WSGI wrapper every HTTP request passes through
    if fn in ("do_execute", "do_executemany") and top == "sqlalchemy":
        return "SQL statements in the driver (do_execute)"
    if top in _OURS:
        return f"{fn} ({path})"
    return _LIBS.get(top)


def sweep(name: str, args, port: int, chat_ports: list[int], content: dict, parts: Parts,
          profiler: Profiler | None = None) -> dict:
    print(f"\n== {name}: levels {args.levels}, {args.duration:.0f} s each, latencies in ms", flush=True)
    levels = []
    for i, clients in enumerate(args.levels):
        before = parts.sample()
        t0 = time.monotonic()
        if profiler is not None:
            threading.Timer(8.5, profiler.start, args=(max(2, args.duration - 1), f"{clients}")).start()
        results, seconds, _ = run_level(clients, args.procs, port, chat_ports, content, args.duration, args.seed + i)
        cpu = Parts.delta(before, parts.sample(), time.monotonic() - t0)
        s = summarise(results, seconds)
        s["clients"], s["cpu"], s["loadavg"] = clients, cpu, os.getloadavg()
        if profiler is not None:
            s["profile"] = profiler.finish()
        levels.append(s)
        print_level(clients, s, cpu)
        if s.get("profile"):
            print("              server time (py-spy, % of samples, inclusive): "
                  + "; ".join(f"{n} {p:.0f}%" for n, p in s["profile"]))
        if s["all"]["p99"] > 200.0 and not args.all_levels:
            break
    crossing = next((lv for lv in levels if lv["all"]["p99"] > 200.0), None)
    return {"levels": levels, "crossing": crossing}


# ---------------------------------------------------------------- the shapes


def shape_sqlite(args, work: Path) -> dict:
    instance = work / "sqlite"
    content = prepare(instance, {}, args)
    port = args.port
    if not port_free(port):
        raise BenchError(f"port {port} is in use")
    env = {"COLLAB_CHAT_RATE_LIMIT": "1000000 per 1 second", "DATABASE_URL": "", "REDIS_URL": ""}
    server = Server(instance, port, work / "sqlite-server.log", env)
    try:
        server.wait_healthy()
        return sweep("one process, SQLite", args, port, [port], content, Parts([server], None, None, None, None),
                     Profiler([server], work))
    finally:
        server.stop()


def shape_scaleout(args, work: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.scaleout.cluster import Nginx, _stop_group

    instance = work / "scaleout"
    pg_db = args.pg_url.rsplit("/", 1)[1]
    _create_database(args.pg_url)
    env = {"DATABASE_URL": args.pg_url, "REDIS_URL": args.redis_url, "COLLAB_SEARCH_INDEXER": "external",
           "COLLAB_SOCKETIO_CHANNEL": f"collab-bench-{uuid.uuid4().hex[:8]}",
           "COLLAB_CHAT_RATE_LIMIT": "1000000 per 1 second"}
    content = prepare(instance, env, args)
    ports = [args.port + 1, args.port + 2]
    servers, nginx, indexer = [], None, None
    try:
        for i, port in enumerate(ports):
            servers.append(Server(instance, port, work / f"server-{i}.log", env))
        for s in servers:
            s.wait_healthy()
        log = open(work / "indexer.log", "wb")  # noqa: SIM115
        indexer = subprocess.Popen([venv_bin("collab"), "indexer"], cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                                   env=dict(os.environ, COLLAB_INSTANCE_PATH=str(instance), **env),
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        nginx = Nginx(ports)
        redis_pid = _redis_pid(args.redis_url)
        parts = Parts(servers, indexer.pid, nginx.proc.pid, redis_pid, pg_db)
        return sweep("two processes, PostgreSQL + Redis, nginx", args, nginx.port, ports, content, parts,
                     Profiler(servers, work))
    finally:
        if nginx is not None:
            nginx.stop()
        for s in servers:
            s.stop()
        if indexer is not None:
            _stop_group(indexer)


def _create_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _redis_pid(url: str) -> int | None:
    port = re.search(r":(\d+)", url.split("//", 1)[1])
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if cmd.startswith("redis-server") and port and port.group(1) in cmd:
                return int(entry)
    return None


def run(args, work: Path) -> dict:
    report = {"git": git_revision(), "cpus": os.cpu_count(), "loadavg_start": os.getloadavg(),
              "args": {k: v for k, v in vars(args).items() if k not in ("json", "no_json", "keep")}}
    print(f"collab mixed benchmark  git {report['git']}  {report['cpus']} CPUs  "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}  mix "
          + ", ".join(f"{w}% {op}" for op, w in OPS), flush=True)
    report["shapes"] = {}
    for shape in args.shapes:
        report["shapes"][shape] = (shape_sqlite if shape == "sqlite" else shape_scaleout)(args, work)
    crossings = {k: v["crossing"] for k, v in report["shapes"].items() if v["crossing"]}
    print("\n== where p99 first passes 200 ms")
    for k, c in crossings.items():
        print(f"{k:<10} {c['clients']:>3} clients: {c['all']['rps']:.1f} ops/s, p99 {c['all']['p99']:.0f} ms; "
              + ", ".join(f"{op} {c[op]['rps']:.1f}/s p99 {c[op]['p99']:.0f}" for op, _w in OPS))
    best = {k: max(lv["all"]["rps"] for lv in v["levels"]) for k, v in report["shapes"].items()}
    if len(best) == 2:
        print(f"best throughput: sqlite {best['sqlite']:.1f} ops/s, scaleout {best['scaleout']:.1f} ops/s: "
              f"ratio scaleout/sqlite {best['scaleout'] / best['sqlite']:.2f}")
    report["best_rps"] = best
    report["loadavg_end"] = os.getloadavg()
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return report


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", default="sqlite,scaleout")
    p.add_argument("--levels", default="1,2,4,8,16,32", help="client counts to try, ascending")
    p.add_argument("--duration", type=float, default=15.0, help="seconds per level")
    p.add_argument("--all-levels", action="store_true", help="go on after p99 passes 200 ms (to see the peak)")
    p.add_argument("--procs", type=int, default=4, help="driver processes")
    p.add_argument("--users", type=int, default=2000)
    p.add_argument("--communities", type=int, default=100)
    p.add_argument("--port", type=int, default=5110, help="first of three ports")
    p.add_argument("--pg-url", default=None, help="a PostgreSQL database the bench may drop and fill")
    p.add_argument("--redis-url", default=None)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--no-json", action="store_true")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    args.shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    args.levels = [int(x) for x in args.levels.split(",")]
    if "scaleout" in args.shapes and not (args.pg_url and args.redis_url):
        p.error("the scaleout shape needs --pg-url and --redis-url")
    return args


if __name__ == "__main__":
    if sys.argv[1:] == ["_prepare"]:
        import json

        print(json.dumps(prepare_content()))
        sys.exit(0)
    sys.exit(bench_main(parse_args(), run, "mixed"))

