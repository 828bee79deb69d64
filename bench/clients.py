"""The load driver's clients: signed-in keep-alive HTTP sessions in a closed loop, in processes.

Used by bench/load.py; standard library only, so client processes start fast and stay small.
"""
from __future__ import annotations

import contextlib
import http.client
import multiprocessing as mp
import random
import re
import resource
import signal
import socket
import threading
import time
import traceback
from collections import Counter
from http.cookies import SimpleCookie
from urllib.parse import urlencode

USERNAME = "bench"
PASSWORD = "bench-password"
HOST = "127.0.0.1"
USER_AGENT = "collab-bench/1"
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE_RE = re.compile(r'value="([^"]*)"')
CLIENT_ERRORS = (http.client.HTTPException, ConnectionError, TimeoutError, OSError)


class BenchError(RuntimeError):
    """Something the benchmark cannot go on without (the message says what)."""


class LoginError(BenchError):
    """POST /login did not sign in."""


# ---------------------------------------------------------------- HTTP client


class Client:
    """One browser-like session: a keep-alive connection and its cookies."""

    def __init__(self, host: str, port: int, timeout: float = 30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.used = 0  # requests answered on the current connection
        self.reconnects = 0
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _connect(self) -> http.client.HTTPConnection:
        self.close()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn, self.used = conn, 0
        return conn

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "text/html", "Accept-Language": "en",
                   "Accept-Encoding": "identity"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for raw in response.headers.get_all("Set-Cookie") or ():
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"] or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """Send one request; a keep-alive connection the server closed meanwhile is reopened once."""
        for attempt in (1, 2):
            reused = self.conn is not None and self.used > 0
            conn = self.conn or self._connect()
            try:
                conn.request(method, path, body=body, headers=self._headers(headers))
                response = conn.getresponse()
                data = response.read()
            except CLIENT_ERRORS:
                self.close()
                if attempt == 1 and reused:
                    self.reconnects += 1
                    continue
                raise
            self.used += 1
            self._keep_cookies(response)
            if response.will_close:
                self.close()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        raise AssertionError("unreachable")

    def set_cookie(self, cookie: str) -> None:
        name, _, value = cookie.strip().partition("=")
        self.cookies[name] = value

    def get(self, path: str) -> tuple[int, bytes]:
        status, _headers, data = self.request("GET", path)
        return status, data

    def login(self, username: str, password: str) -> None:
        status, page = self.get("/login")
        if status != 200:
            raise BenchError(f"GET /login answered {status}")
        field = CSRF_RE.search(page.decode("utf-8", "replace"))
        token = VALUE_RE.search(field.group(0)) if field else None
        if token is None:
            raise BenchError("no csrf_token input on /login")
        form = urlencode({"login": username, "password": password, "csrf_token": token.group(1), "next": ""})
        status, headers, _body = self.request(
            "POST", "/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
        location = headers.get("location", "")
        if status != 302 or "/login" in location:
            raise LoginError(f"signing in as {username} failed: POST /login answered {status} {location!r}")

    def sign_in(self, cookie: str | None, username: str = USERNAME) -> None:
        """Sign in through the form, or use a minted session cookie; check a page needing it."""
        if cookie:
            self.set_cookie(cookie)
        else:
            self.login(username, PASSWORD)
        status, headers, _body = self.request("GET", "/c/?scope=mine")
        if status in (301, 302, 303, 307, 308):
            raise BenchError(f"not signed in: GET /c/?scope=mine redirects to {headers.get('location')!r}")


# ---------------------------------------------------------------- client processes


def choose(rng: random.Random, mix: list[tuple[str, list[str], float]]) -> tuple[str, str]:
    """A (label, path): the label by weight, then one of its paths uniformly."""
    label, paths, _weight = rng.choices(mix, [m[2] for m in mix])[0]
    return label, rng.choice(paths)


def run_one_client(client: Client, mix, start_at: float, end_at: float, seed: int, out: dict) -> None:
    """Closed loop until end_at; results go into out (one dict per client, no sharing)."""
    rng = random.Random(seed)
    latencies: dict[str, list[float]] = {}
    statuses: Counter = Counter()
    failures: Counter = Counter()  # "label: what went wrong" -> count
    received = 0
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    before = client.reconnects
    try:
        while time.monotonic() < end_at:
            label, path = choose(rng, mix)
            t0 = time.perf_counter()
            try:
                status, body = client.get(path)
            except CLIENT_ERRORS as e:
                statuses[type(e).__name__] += 1
                failures[f"{label}: {type(e).__name__}: {e}"[:200]] += 1
                time.sleep(0.05)  # no answer: do not spin on a dead server
                continue
            elapsed_ms = (time.perf_counter() - t0) * 1000.0
            latencies.setdefault(label, []).append(elapsed_ms)
            statuses[str(status)] += 1
            received += len(body)
            if status != 200:
                failures[f"{label}: HTTP {status}"] += 1
    except Exception:  # noqa: BLE001 (a bug in the driver: the process reports it)
        out["crashed"] = traceback.format_exc()
    out.update(latencies=latencies, statuses=dict(statuses), failures=dict(failures), bytes=received,
               last_end=time.monotonic(), reconnects=client.reconnects - before)


def client_process(pipe, n_clients: int, port: int, cookie: str | None,
                   usernames: list[str] | None = None) -> None:
    """A process holding n_clients signed-in sessions; runs scenarios when the driver says so.
    With ``usernames`` (one per client), each session signs in as its own person through the form."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver handles Ctrl-C and stops us
    clients: list[Client] = []
    try:
        for i in range(n_clients):
            client = Client(HOST, port)
            clients.append(client)
            if usernames:
                client.sign_in(None, usernames[i])
            else:
                client.sign_in(cookie)
        pipe.send(("ready", None))
        while True:
            command, payload = pipe.recv()
            if command == "stop":
                break
            mix, start_at, end_at, run_seed = payload
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            outs: list[dict] = [{} for _ in clients]
            threads = [
                threading.Thread(target=run_one_client, args=(c, mix, start_at, end_at, run_seed * 1000 + i, o),
                                 daemon=True)
                for i, (c, o) in enumerate(zip(clients, outs, strict=True))
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            crashed = [o["crashed"] for o in outs if "crashed" in o]
            if crashed:
                raise BenchError(f"a client thread failed:\n{crashed[0]}")
            cpu1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
            pipe.send(("result", {"clients": outs, "cpu": cpu}))
    except (EOFError, BrokenPipeError):
        pass
    except Exception:  # noqa: BLE001 (report anything to the driver, which prints it)
        with contextlib.suppress(OSError, ValueError):
            pipe.send(("error", traceback.format_exc()))
    finally:
        for c in clients:
            c.close()


class ClientPool:
    """The client processes, talked to over pipes."""

    def __init__(self, clients: int, procs: int, port: int, cookie: str | None,
                 accounts: list[str] | None = None):
        """``accounts``: sign client k in as accounts[k % len(accounts)] (through the form)."""
        ctx = mp.get_context("spawn")
        procs = max(1, min(procs, clients))
        share = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
        self.pipes = []
        self.procs = []
        first = 0
        for i, n in enumerate(share):
            ours, theirs = ctx.Pipe()
            names = [accounts[k % len(accounts)] for k in range(first, first + n)] if accounts else None
            first += n
            p = ctx.Process(target=client_process, args=(theirs, n, port, cookie, names),
                            name=f"bench-client-{i}", daemon=True)
            p.start()
            theirs.close()
            self.pipes.append(ours)
            self.procs.append(p)

    def _collect(self, expect: str, timeout: float) -> list:
        deadline = time.monotonic() + timeout
        answers = []
        for pipe, proc in zip(self.pipes, self.procs, strict=True):
            while not pipe.poll(0.2):
                if not proc.is_alive():
                    raise BenchError(f"client process {proc.name} died (exit code {proc.exitcode})")
                if time.monotonic() > deadline:
                    raise BenchError(f"client process {proc.name} did not answer in {timeout:.0f} s")
            kind, payload = pipe.recv()
            if kind == "error":
                raise BenchError(f"client process {proc.name} failed:\n{payload}")
            if kind != expect:
                raise BenchError(f"client process {proc.name} said {kind!r}, expected {expect!r}")
            answers.append(payload)
        return answers

    def wait_ready(self, timeout: float = 120.0) -> None:
        self._collect("ready", timeout)

    def run(self, mix, duration: float, seed: int) -> tuple[float, list[dict], float]:
        start_at = time.monotonic() + 0.3
        end_at = start_at + duration
        for i, pipe in enumerate(self.pipes):
            pipe.send(("run", (mix, start_at, end_at, seed * 100 + i)))
        answers = self._collect("result", duration + 90)
        outs = [o for a in answers for o in a["clients"]]
        return start_at, outs, sum(a["cpu"] for a in answers)

    def stop(self, now: bool = False) -> None:
        """Ask idle clients to finish; with now (an error, Ctrl-C), terminate them at once."""
        if not now:
            for pipe in self.pipes:
                with contextlib.suppress(OSError, ValueError):
                    pipe.send(("stop", None))
            deadline = time.monotonic() + 5
            for p in self.procs:
                p.join(timeout=max(0.0, deadline - time.monotonic()))
        for p in self.procs:
            if p.is_alive():
                p.terminate()
        for p in self.procs:
            p.join(timeout=3)
            if p.is_alive():
                p.kill()
                p.join(timeout=1)
        for pipe in self.pipes:
            pipe.close()
