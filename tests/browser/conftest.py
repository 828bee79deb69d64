"""Browser-test support: the real server in a subprocess, Debian's Chromium through Playwright,
and small helpers that drive the UI the way a person does.

Nothing here imports the app: the server under test is ``collab serve`` (gunicorn) on a fresh
instance folder, reached over HTTP like in production. ``screenshots.py`` reuses this module.
"""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"
MO_FILE = ROOT / "collab" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.mo"
PASSWORD = "correct-horse-battery"

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


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


from tests.live import COLLAB_BIN, LiveServer, free_port  # noqa: E402,F401


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


def say(page, text: str, *, confirmed: bool = True) -> None:
    """Send a chat message from the open room or conversation.

    With ``confirmed`` (the default) wait until the server has acknowledged it, so messages
    said one after another by different people get their numbers in that order."""
    page.fill("#chat-body", text)
    page.locator("#chat-body").press("Enter")
    if confirmed:
        from playwright.sync_api import expect

        expect(page.locator("[data-pending]")).to_have_count(0, timeout=15_000)  # chat.js resends after 8 s


def open_account_menu(page) -> None:
    menu = page.locator(".topbar details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()


def open_actions(scope) -> None:
    """Opens the menu of less frequent actions ("⋯", "Moderate", "More") of ``scope``: a post, a
    topic's or page's header."""
    menu = scope.locator("details.action-menu")
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
    from playwright.sync_api import expect, sync_playwright

    # expect() waits 5 s by default, half of what a page's actions get (set_default_timeout below):
    # a message relayed through a server on a loaded two-core CI machine can take longer.
    expect.set_options(timeout=10_000)
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
        shared = getattr(item, "funcargs", {}).get("site")
        if report.failed and isinstance(shared, LiveServer):
            # The shared site runs on after this test: its log so far goes with this failure.
            report.sections.append((f"collab serve log of the module's site ({shared.log_path})", shared.log()))
    return report


@pytest.fixture
def server(request, tmp_path):
    """A fresh site: its own instance folder, database and server process. For a test that needs
    one (the first account registered is the site admin; it changes site-wide settings; it stops
    the server); the others share their module's ``site``."""
    live = LiveServer(tmp_path / "instance")
    yield live
    live.stop(quick=True)
    if request.node.stash.get(_CALL_FAILED, False):
        print(f"--- collab serve log ({live.log_path}) ---\n{live.log()}")


SITE_ADMIN = "site-admin"


def start_site(browser, folder: Path, env: dict | None = None) -> LiveServer:
    """A site whose first account, ``SITE_ADMIN`` (password ``PASSWORD``), is its site admin."""
    live = LiveServer(folder / "instance", env=env)
    try:
        context = browser.new_context(base_url=live.url)
        register(context.new_page(), SITE_ADMIN, "Site Admin")
        context.close()
    except BaseException:
        live.stop(quick=True)
        raise
    live.admin = SITE_ADMIN
    return live


@pytest.fixture(scope="module")
def site(browser, tmp_path_factory):
    """One site shared by the tests of a module that ask for it (``new_page`` then points there):
    one server start instead of one a test. Its site admin is ``site.admin``; each test registers
    its own people and makes its own communities under names no other test of the module uses, so
    the tests stay independent of each other and of their order. A failing test's report carries
    the site's log."""
    live = start_site(browser, tmp_path_factory.mktemp("site"))
    yield live
    live.stop(quick=True)


@pytest.fixture
def new_page(request, browser):
    """``new_page(locale=..., viewport=..., javascript=...)``: a page in a new browser context (its own cookies),
    pointed at the module's shared ``site`` when the test uses it, else at the test's own ``server``.
    Returns (page, watch). Every context is closed before the server stops."""
    live = request.getfixturevalue("site" if "site" in request.fixturenames else "server")
    contexts = []

    def make(locale: str = "en-US", viewport: dict | None = None, javascript: bool = True):
        context = browser.new_context(
            base_url=live.url, locale=locale, viewport=viewport or {"width": 1280, "height": 900},
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        page = context.new_page()
        return page, watch(page)

    yield make
    for context in contexts:
        context.close()
