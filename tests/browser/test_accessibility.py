"""What a screen-reader or keyboard user meets: axe-core (the engine behind Lighthouse's accessibility
audit) run in Chromium over the pages of a site filled by `collab demo` (plus a wiki page with two
revisions, a forum topic with a reply and a blog post, made through the forms), as a site admin reading
English and as a member reading Chinese. Every kind of page reached from the navigation is checked
once (one wiki page, one topic ...), so a page added later is checked without naming it here. The
Chinese reader is on a phone, where the navigation folds up."""
from __future__ import annotations

import html
import os
import re
import subprocess
from urllib.parse import urlsplit

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import say, sign_in
from tests.live import COLLAB_BIN, ROOT, LiveServer


PASSWORD = "demo-a11y-password"
# Links that change something or are not pages: never followed.
NOT_PAGES = re.compile(r"/logout|/static/|\.(csv|ics|xml|png|svg|jpg)\b|/feed|/files/|/attachments/|/avatar"
                       r"|/download|/api/|/metrics|/healthz|[?&]page=\d")
MAX_PAGES = 44


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    instance = tmp_path_factory.mktemp("a11y") / "instance"
    instance.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "COLLAB_SEARCH_INDEX")}
    env.update(COLLAB_INSTANCE_PATH=str(instance), COLLAB_SECRET_KEY="browser-tests-secret-key-not-for-production")
    subprocess.run([str(COLLAB_BIN), "demo", "--password", PASSWORD], cwd=str(ROOT), env=env, check=True,
                   capture_output=True)
    live = LiveServer(instance, startup_timeout=90)  # the demo's data: a loaded machine takes its time
    try:
        live.content = seed(live.url)
        yield live
    finally:
        live.stop()


def writer(base: str, login: str):
    """A person signed in without a browser: ``submit(path, key, **values)`` fills the form with a
    field ``key`` on the page at ``path`` and sends it; returns where it leads."""
    s = requests.Session()

    def submit(path: str, key: str, **values) -> str:
        got = s.get(base + path, timeout=30)
        got.raise_for_status()
        action, fields = form_with(got.text, key)
        fields.update(values)
        sent = s.post(base + (action or path), data=fields, allow_redirects=False, timeout=30)
        assert sent.status_code in (302, 303), (path, sent.status_code, sent.text[:2000])
        return sent.headers["Location"].removeprefix(base).split("#")[0]

    submit("/login", "login", login=login, password=PASSWORD)
    return submit


def seed(base: str) -> list[str]:
    """Ana (owner of the Architecture Review Board) writes through the real forms; returns the
    addresses of what she made."""
    submit = writer(base, "ana")
    c = "/c/architecture-review-board"
    page = submit(f"{c}/wiki/-/new", "title", title="Release checklist", tags="release", summary="First draft",
                  body="# Release checklist\n\nSee [[Home]].\n\n## Steps\n\n1. Build\n2. Canary\n\n"
                       "| step | owner |\n|---|---|\n| build | Ana |\n\n```python\nprint('ok')\n```\n")
    submit(f"{page}/-/edit", "body", summary="More steps",
           body="# Release checklist\n\nSee [[Home]].\n\n## Steps\n\n1. Build and sign\n2. Canary\n3. Roll out\n")
    forum = submit(f"{c}/forums/new-forum", "name", name="Design questions", description="Ask the board.")
    topic = submit(f"{forum}/new", "title", title="How do we version internal APIs?", tags="api",
                   body="Header or path? 用路径还是请求头？")
    submit(topic, "body", body="Path versions, and two releases of notice before one goes.")
    post = submit(f"{c}/blog/new", "title", title="What the board decided in May", tags="decisions",
                  body="We chose **path versions**.\n\n我们选择了路径版本。")
    return [page, f"{page}/-/history", topic, post, forum]


def form_with(page: str, key: str) -> tuple[str | None, dict[str, str]]:
    """The action and the filled-in fields (hidden ones included) of the form with a field ``key``."""
    for m in re.finditer(r"<form\b([^>]*)>(.*?)</form>", page, re.S):
        attrs, inner = m.groups()
        if f'name="{key}"' not in inner:
            continue
        fields = {}
        for tag in re.finditer(r"<input\b([^>]*)>", inner):
            name, value = re.search(r'name="([^"]*)"', tag[1]), re.search(r'value="([^"]*)"', tag[1])
            kind = re.search(r'type="([^"]*)"', tag[1])
            if name and not (kind and kind[1] in ("checkbox", "radio", "file", "submit")):
                fields[name[1]] = html.unescape(value[1]) if value else ""
        for area in re.finditer(r'<textarea\b[^>]*name="([^"]*)"[^>]*>(.*?)</textarea>', inner, re.S):
            fields[area[1]] = html.unescape(area[2]).lstrip("\r\n")
        action = re.search(r'action="([^"]*)"', attrs)
        return (html.unescape(action[1]) if action else None), fields
    raise AssertionError(f"no form with a field {key!r}")


def kind_of(path: str) -> str:
    """One page of each kind: ids, slugs and names folded away."""
    path = re.sub(r"\?.*", "", path)
    path = re.sub(r"^/c/[^/]+", "/c/*", path)
    path = re.sub(r"/u/[^/?]+", "/u/*", path)
    path = re.sub(r"/wiki/(?!-/)[^?]*?(?=/-/|$)", "/wiki/*", path)
    return re.sub(r"\d+", "#", path)


# Small things to tap that axe lets pass by their spacing: a tag, a chat message's time, a related
# item's "×". Each is at least 24 px tall and wide (WCAG 2.5.8).
TAP_TARGETS = ("main a.tag", "main a.chat-time", "main .flow-hide")
SMALL_TARGETS = """(selectors) => selectors.map(sel => [sel, [...document.querySelectorAll(sel)].filter(e => e.offsetParent)
  .map(e => [e.textContent.trim().slice(0, 20), e.getBoundingClientRect()])
  .map(([text, r]) => [text, Math.round(r.width * 10) / 10, Math.round(r.height * 10) / 10])])"""


def audit(page, base: str, start: list[str], tapped: set[str] | None = None) -> dict[str, list[str]]:
    """Walks the site from the ``start`` pages, then deepest first (a wiki page's history and diff,
    a topic, a post and its editor before the tenth settings page), one page per kind, and runs
    axe on each page, and measures its TAP_TARGETS (those met are added to ``tapped``)."""
    axe = Axe()
    queue, kinds, found = list(start), set(), {}
    while queue and len(kinds) < MAX_PAGES:
        path = queue.pop(0) if len(kinds) < len(start) else queue.pop(
            max(range(len(queue)), key=lambda i: (kind_of(queue[i]).count("/"), -i)))
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
        for selector, sizes in page.evaluate(SMALL_TARGETS, TAP_TARGETS):
            if sizes and tapped is not None:
                tapped.add(selector)
            small = [f"{selector} {text!r} is {w}x{h} px, under 24" for text, w, h in sizes if min(w, h) < 24]
            if small:
                found.setdefault(path, []).extend(small)
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
    # A wiki subpage first: its tree shows an open branch (the demo's Lotus design system page).
    ("wangfang", "zh-CN", PHONE, ["/c/product-design/wiki/lotus-she-ji-xi-tong/an-niu-zu-jian", "/", "/c/",
                                  "/search?q=发布", "/notifications"]),
], ids=["admin-english-desktop", "member-chinese-phone"])
def test_every_kind_of_page_passes_axe(browser, demo_site, username, locale, viewport, start):
    context = browser.new_context(base_url=demo_site.url, locale=locale, viewport=viewport)
    try:
        page = context.new_page()
        sign_in(page, username, password=PASSWORD)
        tapped = set()
        found = audit(page, demo_site.url, start + demo_site.content, tapped)
    finally:
        context.close()
    assert not found, "\n".join(f"{path}\n  " + "\n  ".join(items) for path, items in found.items())
    assert tapped == set(TAP_TARGETS), f"the walk met only {sorted(tapped)}"


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


def test_open_menus_and_suggestion_lists_pass_axe(browser, demo_site):
    """What appears only on use: the search box's suggestions, the account menu, and the @mention
    list under a comment box and in the chat composer."""
    context = browser.new_context(base_url=demo_site.url, locale="en-US", viewport=DESKTOP)
    axe, found = Axe(), {}

    def check(state: str) -> None:
        found[state] = [f'{v["id"]}: {v["help"]} -- {v["nodes"][0]["html"][:120]}'
                        for v in axe.run(page).response["violations"]]

    try:
        page = context.new_page()
        sign_in(page, "ana", password=PASSWORD)
        page.goto("/")
        page.locator("#nav-q").fill("ar")
        expect(page.locator("#nav-suggest [role=option]").first).to_be_visible()
        page.locator("#nav-q").press("ArrowDown")
        check("search suggestions")
        first = page.locator("#nav-suggest [role=option]").first
        expect(first).to_have_attribute("aria-selected", "true")
        target = first.get_attribute("data-url")
        with page.expect_navigation():
            page.locator("#nav-q").press("Enter")  # the chosen suggestion's page
        assert page.url == demo_site.url + target
        page.goto("/")
        page.locator("#nav-q").fill("wang")
        option = page.locator("#nav-suggest [role=option]").first
        expect(option).to_be_visible()
        target = option.get_attribute("data-url")
        with page.expect_navigation():
            option.click()  # a click goes there too
        assert page.url == demo_site.url + target
        page.goto("/")
        page.locator("details.menu summary").click()
        expect(page.locator(".menu-panel")).to_be_visible()
        check("account menu")
        for where, box in ((demo_site.content[0], "textarea[name=body][data-mentions]"),
                           ("/c/architecture-review-board/chat/general", "#chat-body")):
            page.goto(where)
            textarea = page.locator(box).last
            expect(textarea).to_be_enabled()
            textarea.click()
            textarea.press_sequentially("Ask @wa")
            expect(page.locator("#mention-suggest [role=option]").first).to_be_visible()
            check(f"mention list on {where}")
    finally:
        context.close()
    assert not any(found.values()), found


# --------------------------------------------------------------------------- states pages reach in use


def violations(page) -> list[str]:
    return [f'{v["id"]}: {v["help"]} -- {v["nodes"][0]["html"][:160]}' for v in Axe().run(page).response["violations"]]


@pytest.fixture
def ana(browser, demo_site):
    context = browser.new_context(base_url=demo_site.url, locale="en-US", viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, "ana", password=PASSWORD)
    yield page
    context.close()


def test_forms_shown_again_with_errors(ana, demo_site):
    """A new topic without a title, a new wiki page whose title is taken: the error is read with its
    field (aria-invalid, aria-describedby), and the cursor is in that field, ready to fix it."""
    forum = demo_site.content[4]
    ana.goto(f"{forum}/new")
    ana.fill("#body", "What is our rule?")
    with ana.expect_navigation():
        ana.get_by_role("button", name="Post topic").click()
    title = ana.locator("#title")
    expect(title).to_be_focused()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description("Give the topic a title.")
    assert violations(ana) == []
    ana.goto("/c/architecture-review-board/wiki/-/new")
    ana.fill("#title", "Release checklist")
    ana.select_option("#parent", value="")  # beside the one of that title
    ana.fill("#body", "A second list.")
    with ana.expect_navigation():
        ana.locator("form.wiki-editor button[value=save]").click()
    title = ana.locator("#title")
    expect(title).to_be_focused()  # it had no autofocus: it was filled in
    expect(title).to_have_accessible_description(re.compile("already"))
    assert violations(ana) == []


def test_the_bell_says_how_many_are_unread_after_a_live_one(ana, demo_site):
    """A notification arriving live: the bell's name (what a screen reader says for the icon) has
    the new count, and the news is said in a polite live region."""
    ana.goto("/notifications")
    if ana.get_by_role("button", name="Mark all read").count():
        with ana.expect_navigation():
            ana.get_by_role("button", name="Mark all read").click()
    ana.goto("/")
    bell = ana.locator("[data-bell]")
    expect(bell).to_have_attribute("data-live", "1")
    expect(bell).to_have_accessible_name("Notifications")
    jonas = writer(demo_site.url, "jonas")
    jonas(demo_site.content[2], "body", body="@ana which release does this start with?")
    expect(ana.locator("[data-bell-count]")).to_be_visible()  # a reply to her topic, and the mention
    unread = ana.locator("[data-bell-count]").inner_text()
    expect(bell).to_have_accessible_name(f"Notifications: {unread} unread")
    expect(ana.locator("#notify-live[role=status]")).to_contain_text("Jonas Weber")
    assert violations(ana) == []
    # The notifications page: one unread, the rest read; then all read.
    ana.goto("/notifications")
    expect(ana.locator(".notification.unread")).to_have_count(int(unread))
    expect(ana.locator("[data-bell]")).to_have_accessible_name(f"Notifications: {unread} unread")
    assert violations(ana) == []
    with ana.expect_navigation():
        ana.get_by_role("button", name="Mark all read").click()
    expect(ana.locator(".notification.unread")).to_have_count(0)
    expect(ana.locator("[data-bell]")).to_have_accessible_name("Notifications")
    # The button is gone: the cursor is on what it did (read out), not back at the top of the page.
    done = ana.get_by_role("status").filter(has_text="All notifications marked as read.")
    expect(done).to_be_focused()
    dismiss = done.get_by_role("button", name="Dismiss").bounding_box()
    assert min(dismiss["width"], dismiss["height"]) >= 24, dismiss
    assert violations(ana) == []
    # Without JavaScript too.
    jonas(demo_site.content[2], "body", body="@ana and which one ends it?")
    plain = ana.context.browser.new_context(base_url=demo_site.url, locale="en-US", viewport=DESKTOP,
                                            java_script_enabled=False).new_page()
    sign_in(plain, "ana", password=PASSWORD)
    plain.goto("/notifications")
    with plain.expect_navigation():
        plain.get_by_role("button", name="Mark all read").click()
    expect(plain.get_by_role("status").filter(has_text="All notifications marked as read.")).to_be_focused()
    plain.context.close()


def test_an_edit_conflict_is_read_with_the_merged_text(ana, demo_site):
    """Two editors of one page, both without the live connection; the second save overlaps the
    first. The cursor is in the merged text, which is read with what happened."""
    ana.context.route("**/socket.io/**", lambda route: route.abort())
    path = demo_site.content[0] + "/-/edit"
    first, second = ana, ana.context.new_page()
    for page in (first, second):
        page.goto(path)
    for page, step in ((first, "2. Canary (one hour)"), (second, "2. Canary (a day)")):
        page.fill("#body", page.input_value("#body").replace("2. Canary", step))
        page.evaluate("document.querySelectorAll('[data-live-field]').forEach(e => e.remove())")
        with page.expect_navigation():
            page.locator("form.wiki-editor button[value=save]").click()
    expect(second.locator("[data-testid=conflict]")).to_contain_text("overlap")
    body = second.locator("#body")
    expect(body).to_be_focused()
    expect(body).to_have_accessible_description(re.compile("Someone saved this page while you were editing it"))
    assert violations(second) == []
    # While the preview is on its way, what it shows stays readable (it was faded below AA contrast).
    second.route("**/-/preview", lambda route: None)  # never answered
    body.press_sequentially(" ")
    expect(second.locator("[data-preview-target]")).to_have_attribute("aria-busy", "true")
    assert violations(second) == []


def test_chat_jump_to_first_unread_and_a_new_message(browser, ana, demo_site):
    """Ana comes back to a room with unread messages: the jump control is a button, takes her to
    the first unread message (focus there too), and the message log is a live log, so what
    arrives next is read out."""
    room = "/c/architecture-review-board/chat/general"
    context = browser.new_context(base_url=demo_site.url, locale="en-US", viewport=DESKTOP)
    try:
        jonas = context.new_page()
        sign_in(jonas, "jonas", password=PASSWORD)
        ana.goto(room)
        expect(ana.locator("#chat-body")).to_be_enabled()
        ana.goto("/")
        jonas.goto(room)
        expect(jonas.locator("#chat-body")).to_be_enabled()
        for n in range(30):
            say(jonas, f"Canary note {n}")
        ana.goto(room)
        jump = ana.get_by_role("button", name="Jump to first unread")
        expect(jump).to_be_visible()
        assert violations(ana) == []
        jump.click()
        expect(ana.locator(".chat-msg.is-target")).to_be_focused()
        expect(ana.locator(".chat-msg.is-target")).to_contain_text("Canary note 0")
        expect(ana.get_by_role("log", name="Messages")).to_be_visible()
        say(jonas, "The canary is green.")
        expect(ana.get_by_role("log", name="Messages")).to_contain_text("The canary is green.")
        assert violations(ana) == []
    finally:
        context.close()


def test_search_with_filters_and_did_you_mean(ana):
    """A search narrowed by type and date, and a misspelt one that offers a correction."""
    ana.goto("/search?q=release&type=wiki&from=2020-01-01")
    expect(ana.locator("[data-testid=result-count]")).to_be_visible()
    assert violations(ana) == []
    ana.goto("/search?q=relese")
    expect(ana.locator(".did-you-mean")).to_be_visible()
    assert violations(ana) == []
