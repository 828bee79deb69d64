"""The scaled-out shape on loopback, for tests/scaleout: a throwaway PostgreSQL cluster and
redis-server of our own (the test restarts them; the shared CI servers are never touched), two
`collab serve` processes, one `collab indexer`, and nginx running deploy/nginx/collab.conf."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.live import COLLAB_BIN, ROOT, LiveServer, free_port


def _wait_port(port: int, timeout: float, proc: subprocess.Popen | None = None, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what or 'server'} did not listen on {port} in {timeout:.0f}s")


def _stop_group(proc: subprocess.Popen, sig=signal.SIGTERM, grace: float = 10) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    proc.wait()


# --------------------------------------------------------------------------- PostgreSQL


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: [int(x) for x in Path(p).parts[4].split(".") if x.isdigit()])
    return Path(found[-1]).parent if found else None


class Postgres:
    """A PostgreSQL cluster of our own in a temporary folder (initdb), on its own port."""

    def __init__(self):
        self.bin = pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="collab-scaleout-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:  # the server refuses to run as root: the postgres account runs it
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "collab")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/collab"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/", timeout=120)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except Exception:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


# --------------------------------------------------------------------------- Redis


class Redis:
    """redis-server of our own (no persistence), restartable on the same port."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log_dir / "redis.log"
        self.proc = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--logfile", str(self.log)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        _wait_port(self.port, 10, self.proc, "redis-server")

    def stop(self) -> None:
        if self.proc is not None:
            _stop_group(self.proc, signal.SIGKILL)
            self.proc = None


# --------------------------------------------------------------------------- nginx


def nginx_bin() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def nginx_site(listen: int, upstreams: list[int]) -> str:
    """deploy/nginx/collab.conf, with loopback ports instead of the example's."""
    site = (ROOT / "deploy" / "nginx" / "collab.conf").read_text()
    assert "listen 80;" in site and "127.0.0.1:5001" in site and "127.0.0.1:5002" in site
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    site = site.replace("127.0.0.1:5001", f"127.0.0.1:{upstreams[0]}").replace("127.0.0.1:5002", f"127.0.0.1:{upstreams[1]}")
    return site


class Nginx:
    def __init__(self, upstreams: list[int]):
        self.root = Path(tempfile.mkdtemp(prefix="collab-scaleout-nginx-"))
        self.root.chmod(0o755)  # the workers (nobody, when started as root) create temp files here
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (self.root / "collab.conf").write_text(nginx_site(self.port, upstreams))
        r = self.root
        (r / "nginx.conf").write_text(f"""
worker_processes 1;
daemon off;
pid {r}/nginx.pid;
error_log {r}/error.log notice;
events {{ worker_connections 512; }}
http {{
    access_log {r}/access.log;
    client_body_temp_path {r}/client_body;
    proxy_temp_path {r}/proxy;
    fastcgi_temp_path {r}/fastcgi;
    uwsgi_temp_path {r}/uwsgi;
    scgi_temp_path {r}/scgi;
    include {r}/collab.conf;
}}
""")
        with open(r / "stderr.log", "wb") as err:
            self.proc = subprocess.Popen([nginx_bin(), "-c", str(r / "nginx.conf"), "-p", str(r)],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=err, start_new_session=True)
        try:
            _wait_port(self.port, 10, self.proc, "nginx")
        except RuntimeError as e:
            raise RuntimeError(f"{e}: {(r / 'stderr.log').read_text()} {(r / 'error.log').read_text() if (r / 'error.log').exists() else ''}") from None

    def stop(self) -> None:
        _stop_group(self.proc, signal.SIGQUIT)
        shutil.rmtree(self.root, ignore_errors=True)


# --------------------------------------------------------------------------- the site


class Cluster:
    """PostgreSQL + Redis + two servers + one indexer + nginx, sharing one instance folder."""

    def __init__(self, work: Path, channel: str):
        self.work = work
        self.shared = work / "shared"
        self.shared.mkdir(parents=True, exist_ok=True)
        self.pg = self.redis = self.nginx = self.indexer = None
        self.servers: list[LiveServer] = []
        try:
            self.pg = Postgres()
            self.redis = Redis(work)
            self.env = {
                "DATABASE_URL": self.pg.url,
                "REDIS_URL": self.redis.url,
                "COLLAB_SOCKETIO_CHANNEL": channel,
                "COLLAB_INSTANCE_PATH": str(self.shared),
                "COLLAB_SEARCH_INDEXER": "external",
                "COLLAB_CHAT_RATE_LIMIT": "10000 per 1 second",
                "COLLAB_LOG_FORMAT": "json",
                "COLLAB_METRICS": "on",
                "COLLAB_TRUSTED_PROXIES": "1",  # as deploy/collab.env.example: nginx in front
            }
            # The first process migrates the empty database; the second finds it done.
            self.servers.append(LiveServer(work / "a", env=self.env, startup_timeout=60))
            self.servers.append(LiveServer(work / "b", env={**self.env, "COLLAB_METRICS": ""}, startup_timeout=60))
            self.indexer_log = open(work / "indexer.log", "wb")
            self.indexer = subprocess.Popen(
                [str(COLLAB_BIN), "indexer", "--poll", "0.2"], cwd=str(ROOT),
                env={**os.environ, **self.env, "COLLAB_SECRET_KEY": "browser-tests-secret-key-not-for-production",
                     "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL, stdout=self.indexer_log, stderr=subprocess.STDOUT, start_new_session=True)
            self.nginx = Nginx([s.port for s in self.servers])
        except BaseException:
            self.close()
            raise

    @property
    def a(self) -> LiveServer:
        return self.servers[0]

    @property
    def b(self) -> LiveServer:
        return self.servers[1]

    def server_on(self, port: int) -> LiveServer:
        return next(s for s in self.servers if s.port == port)

    def close(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        for s in self.servers:
            s.stop()
        if self.indexer is not None:
            _stop_group(self.indexer)
            self.indexer_log.close()
        if self.redis is not None:
            self.redis.stop()
        if self.pg is not None:
            self.pg.destroy()
