"""Drive a real collab server from other processes and print throughput and latency figures.

    .venv/bin/python bench/load.py [--instance DIR] [--clients 10] [--duration 20] [--port 5099]

Without --instance a data set is generated first (bench/datagen.py, 5,000 people and 300
communities by default) into a temporary folder that is removed at the end. The server is the
real thing: ``collab serve --no-migrate`` (gunicorn master + one worker, gevent unless COLLAB_WORKER says gthread), started in its
own process group with COLLAB_RATELIMIT=0 and always stopped at the end, Ctrl-C included.

Each client is a signed-in ``bench`` session on its own keep-alive connection (http.client), in a
closed loop: send a request, read the whole response, send the next. Clients run in separate
processes (one per client up to --procs), so neither the GIL of the driver nor the server's
process is shared. Scenarios, each for --duration seconds after one short warm-up:

    list    GET /c/ and /c/?page=2, half each
    home    GET /c/<slug>/: half over the 10 biggest communities, half over every community
            the bench account can see (the app's own visibility query, via bench/appinfo.py)
    mixed   half list, half home, as above

See bench/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from clients import CLIENT_ERRORS, HOST, USER_AGENT, USERNAME, BenchError, Client, ClientPool, LoginError

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SCENARIOS = ("list", "home", "mixed")


# ---------------------------------------------------------------- the server


def venv_bin(name: str) -> str:
    path = ROOT / ".venv" / "bin" / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise BenchError(f"cannot find {name}: create the virtualenv in {ROOT / '.venv'}")
    return found


def read_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process in KiB, from /proc/<pid>/status."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds every core together spent on anything but idling, from /proc/stat."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def speed_probe() -> float:
    """Milliseconds for a fixed piece of pure Python (best of three): this VM's speed changes by up
    to 2x from minute to minute, so each figure is printed next to the probe taken with it."""
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        sum(range(3_000_000))
        best = min(best, time.perf_counter() - t)
    return best * 1000


def children_of(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        if ppid == pid:
            kids.append(int(entry))
    return sorted(kids)


class Server:
    """``collab serve`` in its own process group; stop() always ends the whole group."""

    def __init__(self, instance: Path, port: int, log_path: Path, env: dict[str, str] | None = None):
        self.port = port
        self.log_path = log_path
        env = dict(os.environ, COLLAB_INSTANCE_PATH=str(instance), COLLAB_RATELIMIT="0", PYTHONUNBUFFERED="1",
                   **(env or {}))
        # A data set generated in bulk has no search index yet: the server would rebuild it in
        # the background while the clients run and the figures would be the rebuild's. Build it
        # first (collab reindex), so the server measured is one in its steady state.
        index = Path(env.get("COLLAB_SEARCH_INDEX") or Path(instance) / "index")
        if env.get("COLLAB_SEARCH_INDEXER") != "external" and (
                not index.exists() or (index / "collab-rebuild-needed").exists()):
            t0 = time.monotonic()
            subprocess.run([venv_bin("collab"), "reindex"], env=env, cwd=str(ROOT), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(f"search   index built before the server starts ({time.monotonic() - t0:.0f} s)", flush=True)
        self.command = [venv_bin("collab"), "serve", "--port", str(port), "--no-migrate"]
        self.log = open(log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(self.command, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, cwd=str(ROOT))

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"the server exited with code {self.proc.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
                if status == 200 and self.worker_pid():
                    return
            except CLIENT_ERRORS:
                pass
            time.sleep(0.1)
        raise BenchError(f"the server did not answer /healthz in {timeout:.0f} s:\n{self.log_tail()}")

    def worker_pid(self) -> int | None:
        kids = children_of(self.proc.pid)
        return kids[0] if kids else None

    def memory(self) -> dict[str, float]:
        """RSS in MiB of the gunicorn master, of its worker, their sum, and the worker's peak."""
        master = read_status(self.proc.pid)
        wpid = self.worker_pid()
        worker = read_status(wpid) if wpid else {}
        mib = 1024.0
        return {
            "master": master.get("VmRSS", 0) / mib,
            "worker": worker.get("VmRSS", 0) / mib,
            "total": (master.get("VmRSS", 0) + worker.get("VmRSS", 0)) / mib,
            "worker_peak": worker.get("VmHWM", 0) / mib,
        }

    def worker_cpu(self) -> float:
        wpid = self.worker_pid()
        return cpu_seconds(wpid) if wpid else 0.0

    def stop(self, now: bool = False) -> None:
        """Graceful shutdown (SIGTERM); with now, gunicorn's quick one (SIGQUIT); SIGKILL if stuck."""
        if self.proc.poll() is None:
            first = (signal.SIGQUIT, 3) if now else (signal.SIGTERM, 15)
            for sig, wait in (first, (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        else:  # the master is gone; do not leave an orphaned worker behind
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


# ---------------------------------------------------------------- scenarios and figures


def app_info(instance: Path, accounts: int = 1) -> dict:
    """bench/appinfo.py's JSON: the communities bench sees (biggest first), a minted session cookie,
    and ``accounts`` usernames (bench first)."""
    env = dict(os.environ, COLLAB_INSTANCE_PATH=str(instance))
    result = subprocess.run([venv_bin("python"), str(BENCH / "appinfo.py"), "--username", USERNAME,
                             "--user-agent", USER_AGENT, "--accounts", str(accounts)], env=env, cwd=str(ROOT), capture_output=True,
                            text=True, check=False, stdin=subprocess.DEVNULL, timeout=120)
    if result.returncode:
        raise BenchError(f"bench/appinfo.py failed:\n{result.stderr[-3000:]}")
    info = json.loads(result.stdout)
    if not info["communities"]:
        raise BenchError("the bench account sees no community")
    return info


def sign_in_check(port: int) -> None:
    """Sign in once through the real form (raises LoginError when that does not work)."""
    client = Client(HOST, port)
    try:
        client.sign_in(None)
    finally:
        client.close()


def build_mixes(communities: list[dict]) -> dict[str, list[tuple[str, list[str], float]]]:
    home = [f"/c/{c['slug']}/" for c in communities]
    list_mix = [("list /c/", ["/c/"], 1.0), ("list /c/?page=2", ["/c/?page=2"], 1.0)]
    home_mix = [("home top 10", home[:10], 1.0), ("home any", home, 1.0)]
    return {"list": list_mix, "home": home_mix, "mixed": list_mix + home_mix}


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p / 100.0 * len(ordered)) - 1)]


def stats(latencies: list[float], seconds: float) -> dict:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rps": len(ordered) / seconds if seconds > 0 else 0.0,
        "median": percentile(ordered, 50), "p90": percentile(ordered, 90),
        "p99": percentile(ordered, 99), "max": ordered[-1] if ordered else float("nan"),
    }


def summarise(name: str, start_at: float, outs: list[dict], driver_cpu: float, server_cpu: float,
              machine_cpu: float) -> dict:
    seconds = max(o["last_end"] for o in outs) - start_at
    by_label: dict[str, list[float]] = {}
    statuses: Counter = Counter()
    failures: Counter = Counter()
    for o in outs:
        for label, values in o["latencies"].items():
            by_label.setdefault(label, []).extend(values)
        statuses.update(o["statuses"])
        failures.update(o["failures"])
    every = [v for values in by_label.values() for v in values]
    errors = sum(n for s, n in statuses.items() if s != "200")
    no_answer = sum(n for s, n in statuses.items() if not s.isdigit())
    total = stats(every, seconds)
    total.update(
        requests=len(every) + no_answer, errors=errors, seconds=seconds, statuses=dict(statuses),
        failures=dict(failures.most_common(10)), reconnects=sum(o["reconnects"] for o in outs),
        bytes_per_response=(sum(o["bytes"] for o in outs) / len(every)) if every else 0,
        driver_cpu_pct=100.0 * driver_cpu / seconds, server_cpu_pct=100.0 * server_cpu / seconds,
        other_cpu_pct=100.0 * max(0.0, machine_cpu - server_cpu - driver_cpu) / seconds,
        labels={label: stats(values, seconds) for label, values in sorted(by_label.items())},
    )
    total["name"] = name
    return total


def fmt_mem(m: dict[str, float]) -> str:
    return (f"master {m['master']:.1f} MiB + worker {m['worker']:.1f} MiB = {m['total']:.1f} MiB "
            f"(worker peak {m['worker_peak']:.1f} MiB)")


HEADER = f"{'scenario':<22}{'requests':>9}{'errors':>8}{'req/s':>8}{'median':>8}{'p90':>8}{'p99':>8}{'max':>8}"


def fmt_row(label: str, s: dict, errors: int | str = "") -> str:
    return (f"{label:<22}{s['requests']:>9}{errors!s:>8}{s['rps']:>8.1f}{s['median']:>8.1f}"
            f"{s['p90']:>8.1f}{s['p99']:>8.1f}{s['max']:>8.1f}")


def print_scenario(s: dict) -> None:
    print(fmt_row(s["name"], s, s["errors"]))
    for label, ls in s["labels"].items():
        print(fmt_row(f"  {label}", ls))
    print(f"{'':<22}CPU in % of one core: server worker {s['server_cpu_pct']:.0f}, driver "
          f"{s['driver_cpu_pct']:.0f}, everything else {s['other_cpu_pct']:.0f}; "
          f"{s['bytes_per_response'] / 1024:.1f} KiB/response"
          + (f"; {s['reconnects']} reconnects" if s["reconnects"] else ""))
    for what, n in s["failures"].items():
        print(f"{'':<22}errors: {n} x {what}")
    sys.stdout.flush()


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--instance", help="a prepared instance folder (bench/datagen.py); default: generate one")
    p.add_argument("--clients", type=int, default=10, help="concurrent signed-in clients (default 10)")
    p.add_argument("--duration", type=float, default=20.0, help="seconds per scenario (default 20)")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of unreported mixed load first (default 3)")
    p.add_argument("--port", type=int, default=5099, help="port for the server (default 5099)")
    p.add_argument("--procs", type=int, default=16, help="client processes at most (default 16)")
    p.add_argument("--accounts", type=int, default=1,
                   help="sign the clients in as this many different people, round robin: bench and "
                        "N-1 others (default 1: every client is bench); pages: non-restricted only")
    p.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated, from: " + ", ".join(SCENARIOS))
    p.add_argument("--users", type=int, default=5000, help="people to generate without --instance")
    p.add_argument("--communities", type=int, default=300, help="communities to generate without --instance")
    p.add_argument("--seed", type=int, default=1, help="random seed for the data and the request mix")
    p.add_argument("--json", metavar="PATH", help="write the figures here too (default bench/results/load-<time>.json)")
    p.add_argument("--no-json", action="store_true", help="print only")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (generated data, server log)")
    args = p.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if args.clients < 1 or args.duration <= 0:
        p.error("--clients must be at least 1 and --duration positive")
    return args


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex((HOST, port)) != 0


def git_revision() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    return rev or "unknown"


def generate(instance: Path, args: argparse.Namespace) -> None:
    print(f"generating {args.users} people and {args.communities} communities into {instance} ...", flush=True)
    cmd = [venv_bin("python"), str(BENCH / "datagen.py"), "--instance", str(instance),
           "--users", str(args.users), "--communities", str(args.communities), "--seed", str(args.seed)]
    result = subprocess.run(cmd, cwd=str(ROOT), check=False, stdin=subprocess.DEVNULL)
    if result.returncode:
        raise BenchError(f"datagen failed with exit code {result.returncode}")


def run(args: argparse.Namespace, work: Path) -> dict:
    report: dict = {
        "when": datetime.now().isoformat(timespec="seconds"), "git": git_revision(),
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite",
        "args": {k: v for k, v in vars(args).items() if k not in ("json", "no_json", "keep")},
    }
    report["loadavg_start"] = os.getloadavg()
    report["speed_probe_ms"] = [speed_probe()]
    print(f"collab load benchmark  {report['when']}  git {report['git']}  Python {report['python']}  "
          f"{report['cpus']} CPUs  {report['database']}  load average {report['loadavg_start'][0]:.2f}  "
          f"speed probe {report['speed_probe_ms'][0]:.1f} ms (lower is faster)")
    if args.instance:
        instance = Path(args.instance).resolve()
        if not os.environ.get("DATABASE_URL") and not (instance / "collab.db").exists():
            raise BenchError(f"{instance} has no collab.db: prepare it with bench/datagen.py")
    else:
        instance = work / "instance"
        t0 = time.monotonic()
        generate(instance, args)
        report["datagen_seconds"] = round(time.monotonic() - t0, 1)
    info = app_info(instance, args.accounts)
    communities = info["communities"]
    accounts = info["accounts"] if args.accounts > 1 else None
    if accounts:
        # Other people do not see bench's restricted communities: every client asks for pages
        # all of them may see, so nobody counts 404s.
        communities = [c for c in communities if c["access"] != "restricted"]
        report["accounts"] = len(accounts)
    mixes = build_mixes(communities)
    report["visible_communities"] = len(communities)
    kinds = Counter(c["access"] for c in communities)
    print(f"data     bench sees {len(communities)} communities ("
          + ", ".join(f"{n} {a}" for a, n in sorted(kinds.items()))
          + "); the 10 biggest: " + ", ".join(f"{c['slug']} ({c['members']})" for c in communities[:10]))
    if not port_free(args.port):
        raise BenchError(f"port {args.port} is in use: pass another --port")

    server = Server(instance, args.port, work / "server.log")
    pool: ClientPool | None = None
    finished = False
    try:
        server.wait_healthy()
        print(f"server   {' '.join(server.command)}  (gunicorn master pid {server.proc.pid}, "
              f"worker pid {server.worker_pid()}; log {server.log_path})")
        report["rss_start"] = server.memory()
        print(f"RSS at start      {fmt_mem(report['rss_start'])}")

        cookie = None
        t0 = time.monotonic()
        try:
            sign_in_check(args.port)
            report["sign_in"] = "POST /login"
        except LoginError as e:
            errors = [line for line in server.log_tail(200).splitlines() if "Error" in line]
            print(f"\nWARNING  {e} after {time.monotonic() - t0:.1f} s; server log says:\n"
                  + "\n".join("         " + line for line in errors[-3:]))
            print("WARNING  signing in does not work on this server; the clients use a session cookie "
                  "minted with the instance's secret key (bench/appinfo.py) instead\n")
            cookie = info["session_cookie"]
            report["sign_in"] = f"minted cookie ({e})"

        if accounts and cookie:
            raise BenchError("--accounts needs signing in through the form, which fails on this server")
        pool = ClientPool(args.clients, args.procs, args.port, cookie, accounts)
        t0 = time.monotonic()
        pool.wait_ready()
        print(f"clients  {args.clients} signed-in sessions ({report['sign_in'].split(' (')[0]}"
              f"{f', as {len(accounts)} different people' if accounts else ''}) in "
              f"{len(pool.procs)} processes, keep-alive, sign-in took {time.monotonic() - t0:.1f} s")
        if args.warmup > 0:
            _start, outs, _cpu = pool.run(mixes["mixed"], args.warmup, args.seed)
            done = sum(len(v) for o in outs for v in o["latencies"].values())
            print(f"warm-up  {args.warmup:.0f} s mixed, {done} requests (not counted)")

        print(f"\n{args.duration:.0f} s per scenario, {args.clients} clients, latencies in ms\n")
        print(HEADER)
        report["scenarios"] = {}
        for i, name in enumerate(args.scenarios):
            cpu0, busy0 = server.worker_cpu(), machine_busy_seconds()
            start_at, outs, driver_cpu = pool.run(mixes[name], args.duration, args.seed + i + 1)
            summary = summarise(name, start_at, outs, driver_cpu, server.worker_cpu() - cpu0,
                                machine_busy_seconds() - busy0)
            summary["rss_after"] = server.memory()
            summary["speed_probe_ms"] = speed_probe()
            report["speed_probe_ms"].append(summary["speed_probe_ms"])
            report["scenarios"][name] = summary
            print_scenario(summary)
            print(f"{'':22}speed probe after it {summary['speed_probe_ms']:.1f} ms")
        report["rss_end"] = server.memory()
        print(f"\nRSS after run     {fmt_mem(report['rss_end'])}")
        print(f"load average      {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        finished = True
    finally:
        if pool is not None:
            pool.stop(now=not finished)
        server.stop(now=not finished)
    return report


def write_json(report: dict, args: argparse.Namespace, name: str = "load") -> None:
    """The figures as JSON: to --json, else bench/results/<name>-<time>.json (not with --no-json)."""
    if getattr(args, "no_json", False):
        return
    path = Path(args.json) if args.json else BENCH / "results" / f"{name}-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"figures written to {path}")


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def bench_main(args: argparse.Namespace, run, name: str) -> int:
    """Run a benchmark in a temporary work folder: figures written as JSON, everything it started
    stopped on Ctrl-C or SIGTERM, the folder removed unless --keep (or the run failed)."""
    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix=f"collab-{name}-bench-"))
    code = 0
    try:
        report = run(args, work)
        write_json(report, args, name)
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


def main(argv: list[str] | None = None) -> int:
    return bench_main(parse_args(argv), run, "load")


if __name__ == "__main__":
    sys.exit(main())
