"""The real server for tests that must cross a process boundary: ``collab serve`` (gunicorn,
threaded worker) on a fresh instance folder, in its own process group."""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLLAB_BIN = Path(sys.executable).with_name("collab")
# Server settings the test run must not inherit: a live server always runs on its own SQLite
# database and in-process message queue inside a temporary instance folder unless told otherwise.
_ENV_DROP = (
    "DATABASE_URL", "REDIS_URL", "SOCKETIO_MESSAGE_QUEUE", "COLLAB_SEARCH_INDEX",
    "COLLAB_UPLOAD_PATH", "COLLAB_SECURE_COOKIES",
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_MIGRATED: list[Path] = []


def migrated_database() -> Path:
    """An SQLite database that `collab db upgrade` brought to head, made once per test process:
    a live server on a fresh instance starts from a copy of it instead of running every migration
    (its own upgrade then finds nothing to do)."""
    if not _MIGRATED:
        folder = Path(tempfile.mkdtemp(prefix="collab-migrated-"))
        atexit.register(shutil.rmtree, folder, True)
        env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
        env.update(COLLAB_INSTANCE_PATH=str(folder), COLLAB_SECRET_KEY="browser-tests-secret-key-not-for-production")
        subprocess.run([str(COLLAB_BIN), "db", "upgrade"], cwd=str(ROOT), env=env, check=True,
                       stdin=subprocess.DEVNULL, capture_output=True)
        made = sqlite3.connect(folder / "collab.db")
        made.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file that is copied
        made.close()
        _MIGRATED.append(folder / "collab.db")
    return _MIGRATED[0]


# --------------------------------------------------------------------------- the live server


class LiveServer:
    """``collab serve`` on a fresh instance folder, in its own process group."""

    def __init__(self, instance: Path, *, startup_timeout: float = 30.0, env: dict | None = None,
                 serve: bool = False):
        """``serve``: start through ``collab serve`` even on a copy of the migrated database. Else
        such a site starts its gevent worker directly (``python -m collab.server``, which is what
        ``collab serve`` execs once it has migrated): the same worker, without a first process
        that imports the whole app only to find nothing to migrate (half of a start-up)."""
        self.instance = Path(instance)
        self.instance.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.instance / "server.log"
        extra_env = env
        env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
        env.update(
            COLLAB_INSTANCE_PATH=str(self.instance),
            COLLAB_SECRET_KEY="browser-tests-secret-key-not-for-production",
            COLLAB_RATELIMIT="0",
            COLLAB_THREADS="16",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra_env or {})
        copied = not env.get("DATABASE_URL") and not (self.instance / "collab.db").exists()
        if copied:
            shutil.copyfile(migrated_database(), self.instance / "collab.db")
        if copied and not serve and env.get("COLLAB_WORKER", "gevent") == "gevent":
            env.setdefault("COLLAB_BASE_URL", self.url)  # as collab serve sets it
            command = [sys.executable, "-m", "collab.server", "--host", "127.0.0.1", "--port", str(self.port),
                       "--worker", "gevent", "--connections", env.get("COLLAB_CONNECTIONS", "10000")]
        else:
            command = [str(COLLAB_BIN), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        # Output goes to a file, never to a pipe: nothing to drain, nothing left unclosed.
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            command, cwd=str(ROOT), env=env, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            self._wait_healthy(startup_timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"collab serve exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200 and b'"ok"' in r.read():
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
                last = e
            time.sleep(0.05)
        raise RuntimeError(f"collab serve did not answer /healthz in {timeout:.0f}s ({last}):\n{self.log()}")

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self, *, quick: bool = False) -> None:
        """Stop the gunicorn master and its worker (the whole process group), then reap.

        ``quick``: gunicorn's quick shutdown (SIGQUIT), for a site whose instance folder is thrown
        away next: the worker exits at once instead of finishing open requests and noticing the
        stop on its next one-second tick. A site started again on the same folder must be stopped
        gracefully (the default), so that everything it wrote is there."""
        if self.proc.poll() is None:
            first = signal.SIGQUIT if quick else signal.SIGTERM
            for sig, grace in ((first, 15), (signal.SIGKILL, 10)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.proc.wait()
        # The worker shares the group; make sure no straggler outlives the master.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if not self._log.closed:
            self._log.close()
