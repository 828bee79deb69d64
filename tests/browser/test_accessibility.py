"""What a screen-reader or keyboard user meets: axe-core (the engine behind Lighthouse's accessibility
audit) run in Chromium over the pages of a site filled by `collab demo`, as a site admin reading
English and as a member reading Chinese. Every kind of page reached from the navigation is checked
once (one wiki page, one topic ...), so a page added later is checked without naming it here. The
Chinese reader is on a phone, where the navigation folds up."""
from __future__ import annotations

import os
import re
import subprocess
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import sign_in
from tests.live import COLLAB_BIN, ROOT, LiveServer


PASSWORD = "demo-a11y-password"
# Links that change something or are not pages: never followed.
NOT_PAGES = re.compile(r"/logout|/static/|\.(csv|ics|xml|png|svg|jpg)\b|/feed|/files/|/attachments/|/avatar"
                       r"|/download|/api/|/metrics|/healthz|[?&]page=\d")
MAX_PAGES = 34


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    instance = tmp_path_factory.mktemp("a11y") / "instance"
    instance.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "COLLAB_SEARCH_INDEX")}
    env.update(COLLAB_INSTANCE_PATH=str(instance), COLLAB_SECRET_KEY="browser-tests-secret-key-not-for-production")
    subprocess.run([str(COLLAB_BIN), "demo", "--password", PASSWORD], cwd=str(ROOT), env=env, check=True,
                   capture_output=True)
    live = LiveServer(instance)
    yield live
    live.stop()


def kind_of(path: str) -> str:
    """One page of each kind: ids, slugs and names folded away."""
    path = re.sub(r"\?.*", "", path)
    path = re.sub(r"^/c/[^/]+", "/c/*", path)
    path = re.sub(r"/u/[^/?]+", "/u/*", path)
    path = re.sub(r"/wiki/(?!-/)[^?]*?(?=/-/|$)", "/wiki/*", path)
    return re.sub(r"\d+", "#", path)


def audit(page, base: str, start: list[str]) -> dict[str, list[str]]:
    """Walks the site from ``start`` (breadth first, one page per kind) and runs axe on each page."""
    axe = Axe()
    queue, kinds, found = list(start), set(), {}
    while queue and len(kinds) < MAX_PAGES:
        path = queue.pop(0)
        if kind_of(path) in kinds:
            continue
        kinds.add(kind_of(path))
        response = page.goto(path)
        if response is None or response.status != 200 or "html" not in response.headers.get("content-type", ""):
            continue
        page.wait_for_load_state("networkidle")
        for v in axe.run(page).response["violations"]:
            nodes = "; ".join(n["html"][:120] for n in v["nodes"][:3])
            found.setdefault(path, []).append(f'{v["id"]} [{v["impact"]}]: {v["help"]} -- {nodes}')
        for href in page.eval_on_selector_all("main a[href], header a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if href.startswith(base) and not NOT_PAGES.search(local) and kind_of(local) not in kinds:
                queue.append(local)
    assert len(kinds) >= 20, f"the walk reached only {sorted(kinds)}"
    return found


DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


@pytest.mark.parametrize("username, locale, viewport, start", [
    ("demo-admin", "en-US", DESKTOP, ["/", "/c/", "/people", "/search?q=release", "/notifications", "/admin/",
                                      "/admin/analytics", "/settings/profile"]),
    ("wangfang", "zh-CN", PHONE, ["/", "/c/", "/search?q=发布", "/notifications"]),
], ids=["admin-english-desktop", "member-chinese-phone"])
def test_every_kind_of_page_passes_axe(browser, demo_site, username, locale, viewport, start):
    context = browser.new_context(base_url=demo_site.url, locale=locale, viewport=viewport)
    try:
        page = context.new_page()
        sign_in(page, username, password=PASSWORD)
        found = audit(page, demo_site.url, start)
    finally:
        context.close()
    assert not found, "\n".join(f"{path}\n  " + "\n  ".join(items) for path, items in found.items())


def test_signed_out_pages_pass_axe(browser, demo_site):
    context = browser.new_context(base_url=demo_site.url, locale="en-US")
    try:
        page = context.new_page()
        axe = Axe()
        found = {}
        for path in ("/login", "/register"):
            page.goto(path)
            found.update({path: [v["id"] for v in axe.run(page).response["violations"]]})
    finally:
        context.close()
    assert found == {"/login": [], "/register": []}
