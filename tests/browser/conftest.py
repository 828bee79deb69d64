"""Browser-test support: the real server in a subprocess, Debian's Chromium through Playwright,
and small helpers that drive the UI the way a person does.

Nothing here imports the app: the server under test is ``collab serve`` (gunicorn) on a fresh
instance folder, reached over HTTP like in production. ``screenshots.py`` reuses this module.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"
COLLAB_BIN = Path(sys.executable).with_name("collab")
MO_FILE = ROOT / "collab" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.mo"
PASSWORD = "correct-horse-battery"

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
# Server settings the test run must not inherit: the browser suite always runs the server on
# its own SQLite database and in-process message queue inside a temporary instance folder.
_ENV_DROP = (
    "DATABASE_URL", "REDIS_URL", "SOCKETIO_MESSAGE_QUEUE", "COLLAB_SEARCH_INDEX",
    "COLLAB_UPLOAD_PATH", "COLLAB_SECURE_COOKIES",
)


def need(thing: str, available: bool, why: str = "") -> None:
    """Skip locally when something outside the project is missing; in CI, fail instead."""
    if available:
        return
    message = f"{thing} is not available{': ' + why if why else ''}"
    if IN_CI:
        pytest.fail(message + " (CI must run this test)", pytrace=False)
    pytest.skip(message)


def chromium_path() -> str | None:
    """COLLAB_CHROMIUM when set (and nothing else then), else Debian's /usr/bin/chromium, else
    whatever `chromium` is on PATH."""
    named = os.environ.get("COLLAB_CHROMIUM")
    candidates = [named] if named else ["/usr/bin/chromium", shutil.which("chromium")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- the live server


class LiveServer:
    """``collab serve`` on a fresh instance folder, in its own process group."""

    def __init__(self, instance: Path, *, startup_timeout: float = 30.0):
        self.instance = Path(instance)
        self.instance.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.instance / "server.log"
        env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
        env.update(
            COLLAB_INSTANCE_PATH=str(self.instance),
            COLLAB_SECRET_KEY="browser-tests-secret-key-not-for-production",
            COLLAB_RATELIMIT="0",
            COLLAB_THREADS="16",
            PYTHONUNBUFFERED="1",
        )
        # Output goes to a file, never to a pipe: nothing to drain, nothing left unclosed.
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(COLLAB_BIN), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=str(ROOT), env=env, stdin=subprocess.DEVNULL, stdout=self._log,
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

    def stop(self) -> None:
        """Stop the gunicorn master and its worker (the whole process group), then reap."""
        if self.proc.poll() is None:
            for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
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


# --------------------------------------------------------------------------- Playwright


def launch_chromium(playwright, executable: str):
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


@dataclass
class PageWatch:
    """Console errors, uncaught exceptions and CSP violations seen by a page."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.console_errors + self.page_errors


CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
});
"""


def watch(page) -> PageWatch:
    w = PageWatch()
    page.on("console", lambda msg: w.console_errors.append(f"{msg.text} @ {page.url}")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: w.page_errors.append(f"{exc} @ {page.url}"))
    return w


# --------------------------------------------------------------------------- UI steps


def flash_text(page) -> str:
    return " ".join(page.locator(".flashes .flash").all_inner_texts())


def register(page, username: str, display_name: str, *, password: str = PASSWORD) -> None:
    page.goto("/register")
    page.fill("#username", username)
    page.fill("#display_name", display_name)
    page.fill("#email", f"{username}@example.com")
    page.fill("#password", password)
    page.fill("#confirm", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def open_account_menu(page) -> None:
    menu = page.locator("details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()


def sign_out(page) -> None:
    open_account_menu(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def sign_in(page, login: str, *, password: str = PASSWORD, remember: bool = False) -> None:
    if "/login" not in page.url:
        page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    if remember:
        page.check("#remember")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def create_community(page, name: str, *, description: str = "", tags: str = "", access: str = "public",
                     slug: str = "") -> None:
    page.goto("/c/new")
    page.fill("#name", name)
    if slug:
        page.fill("#slug", slug)
    page.fill("#description", description)
    page.fill("#tags", tags)
    page.check(f"input[name=access][value={access}]")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")


def slug_from_url(url: str) -> str:
    m = re.search(r"/c/([^/]+)/", url)
    assert m, url
    return m.group(1)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    need("Chromium", executable is not None,
         "install Debian's chromium package or point COLLAB_CHROMIUM at a Chromium binary")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        b = launch_chromium(playwright, executable)
    except Exception:
        playwright.stop()
        raise
    yield b
    b.close()
    playwright.stop()


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@pytest.fixture
def server(request, tmp_path):
    """A fresh site: its own instance folder, database and server process."""
    live = LiveServer(tmp_path / "instance")
    yield live
    live.stop()
    if request.node.stash.get(_CALL_FAILED, False):
        print(f"--- collab serve log ({live.log_path}) ---\n{live.log()}")


@pytest.fixture
def new_page(browser, server):
    """``new_page(locale=..., viewport=...)``: a page in a new browser context (its own cookies),
    pointed at ``server``. Returns (page, watch). Every context is closed before the server stops."""
    contexts = []

    def make(locale: str = "en-US", viewport: dict | None = None):
        context = browser.new_context(
            base_url=server.url, locale=locale, viewport=viewport or {"width": 1280, "height": 900},
        )
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        page = context.new_page()
        return page, watch(page)

    yield make
    for context in contexts:
        context.close()
