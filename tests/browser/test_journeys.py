"""The journeys people take, in Debian's Chromium against the real server (``collab serve``)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import (
    MO_FILE, create_community, flash_text, need, no_horizontal_scroll, open_account_menu, register, sign_in,
    sign_out, slug_from_url,
)

pytestmark = pytest.mark.browser

NAME = "产品设计 Product Design"
DESCRIPTION = (
    "## 我们做什么\n\n"
    "We design **great products** together.\n\n"
    "- weekly critique\n- shared research\n"
)


def test_request_to_join_a_moderated_community(server, new_page):
    a, watch_a = new_page()

    # The first person registers and becomes the site admin.
    register(a, "ana", "Ana Lima")
    assert a.url == server.url + "/"
    expect(a.locator("h1")).to_have_text("Welcome, Ana Lima")
    assert "you are the site admin" in flash_text(a)
    open_account_menu(a)
    expect(a.get_by_role("link", name="Site administration")).to_be_visible()

    # Signs out, and in again with "Keep me signed in".
    sign_out(a)
    assert a.url == server.url + "/login"
    assert "You are signed out." in flash_text(a)
    sign_in(a, "ana", remember=True)
    assert a.url == server.url + "/"
    expect(a.locator("h1")).to_have_text("Welcome, Ana Lima")
    cookies = {c["name"]: c for c in a.context.cookies()}
    assert "remember_token" in cookies and cookies["remember_token"]["httpOnly"]
    # The browser "restarts": the session cookie is gone, the remember cookie signs Ana in.
    a.context.clear_cookies(name="session")
    a.goto("/")
    expect(a.locator("h1")).to_have_text("Welcome, Ana Lima")

    # Creates a moderated community from the home page.
    a.get_by_role("link", name="New community").click()
    expect(a.locator("h1")).to_have_text("New community")
    a.fill("#name", NAME)
    a.fill("#description", DESCRIPTION)
    a.fill("#tags", "design, 设计, research")
    a.get_by_role("radio", name=re.compile("Moderated:")).check()
    with a.expect_navigation():
        a.get_by_role("button", name="Create community").click()
    slug = slug_from_url(a.url)
    assert re.fullmatch(r"[a-z0-9-]+", slug) and "product-design" in slug
    head = a.locator(".community-head")
    expect(head.locator("h1")).to_have_text(NAME)
    expect(head.locator(".tag.access-moderated")).to_have_text("Moderated")
    expect(head.locator(".tag.role")).to_have_text("Owner")
    prose = a.locator(".prose")
    expect(prose.locator("h2")).to_have_text("我们做什么")
    expect(prose.locator("strong")).to_have_text("great products")
    expect(prose.locator("li")).to_have_count(2)
    assert "**" not in prose.inner_text() and "##" not in prose.inner_text()
    assert sorted(a.locator(".prose ~ .tags .tag").all_inner_texts()) == ["design", "research", "设计"]
    assert "Your community is ready" in flash_text(a)

    # Meanwhile a second person, in a second browser context, registers ...
    b, watch_b = new_page()
    register(b, "bo", "Bo Chen")
    expect(b.locator("h1")).to_have_text("Welcome, Bo Chen")
    # ... opens Communities, finds the community and asks to join.
    b.locator("nav.mainnav").get_by_role("link", name="Communities").click()
    card = b.locator(".community-card").filter(has_text=NAME)
    expect(card.locator(".tag.access-moderated")).to_be_visible()
    expect(card.locator(".tag.role")).to_have_count(0)
    card.get_by_role("link", name=NAME).click()
    expect(b.locator(".community-head h1")).to_have_text(NAME)
    b.get_by_role("link", name="Request to join").click()
    b.get_by_label("Message to the owners (optional)").fill("I run UX research in Shanghai. 想加入！")
    with b.expect_navigation():
        b.get_by_role("button", name="Send request").click()
    assert b.url == f"{server.url}/c/{slug}/"
    expect(b.locator(".community-actions")).to_contain_text("Request sent")
    expect(b.get_by_role("button", name="Withdraw request")).to_be_visible()
    expect(b.locator(".community-head .tag.role")).to_have_count(0)

    # The owner sees the request waiting, on the home page and in the community header.
    a.goto("/")
    waiting = a.locator(".card.attention")
    expect(waiting.locator("h2")).to_have_text("Waiting for you")
    expect(waiting).to_contain_text(f"1 request to join {NAME}")
    a.goto(f"/c/{slug}/")
    requests_tab = a.locator("nav.tabs").get_by_role("link", name="Join requests")
    expect(requests_tab.locator("[data-testid=request-count]")).to_have_text("1")
    requests_tab.click()
    row = a.locator("li.request").filter(has_text="Bo Chen")
    expect(row.locator(".quote")).to_have_text("I run UX research in Shanghai. 想加入！")
    with a.expect_navigation():
        row.get_by_role("button", name="Approve").click()
    assert "Bo Chen is now a member." in flash_text(a)
    expect(a.locator("section.card .empty")).to_have_text("No requests are waiting.")
    a.goto("/")
    expect(a.locator(".card.attention")).to_have_count(0)

    # The new member, after a reload, belongs to the community.
    b.reload()
    expect(b.locator(".community-head .tag.role")).to_have_text("Member")
    expect(b.locator(".community-actions")).not_to_contain_text("Request sent")
    expect(b.locator(".community-head .meta")).to_contain_text("2 members")
    b.goto("/")
    mine = b.locator(".card").filter(has=b.get_by_role("heading", name="My communities"))
    expect(mine.get_by_role("link", name=NAME)).to_be_visible()
    b.locator("nav.mainnav").get_by_role("link", name="Communities").click()
    b.locator("nav.segmented").get_by_role("link", name="Mine").click()
    assert "scope=mine" in b.url
    expect(b.locator("nav.segmented [aria-current=page]")).to_have_text("Mine")
    card = b.locator(".community-card").filter(has_text=NAME)
    expect(card).to_have_count(1)
    expect(card.locator(".tag.role")).to_have_text("Member")

    assert watch_a.problems() == [] and watch_b.problems() == []


def test_validation_errors_keep_what_was_typed(site, new_page):
    page, watch = new_page()
    register(page, "ana-forms", "Ana Lima")
    create_community(page, "Platform Team", description="Builds the platform.")
    taken = slug_from_url(page.url)
    assert taken == "platform-team"

    description = "## Roadmap\n\nWe plan **quarterly**; 每季度规划一次。"
    page.goto("/c/new")
    page.fill("#name", "平台团队 Platform")
    page.fill("#slug", taken)
    page.fill("#description", description)
    page.fill("#tags", "platform, 平台")
    page.get_by_role("radio", name=re.compile("Restricted:")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Create community").click()

    # Still on the form, the error next to the web address field ...
    assert page.url.endswith("/c/new")
    slug_field = page.locator(".field.has-error").filter(has=page.locator("#slug"))
    expect(slug_field.locator(".errors")).to_have_text("That address is taken by another community.")
    expect(page.locator("#slug")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#slug")).to_have_attribute("aria-describedby", "slug-errors slug-help")  # then what to write
    expect(page.locator(".field.has-error")).to_have_count(1)
    # ... and everything typed is still there.
    expect(page.locator("#name")).to_have_value("平台团队 Platform")
    expect(page.locator("#slug")).to_have_value(taken)
    expect(page.locator("#description")).to_have_value(description)
    expect(page.locator("#tags")).to_have_value("platform, 平台")
    expect(page.locator("input[name=access][value=restricted]")).to_be_checked()

    # Fixing the address creates the community with what was typed.
    page.fill("#slug", "platform-cn")
    with page.expect_navigation():
        page.get_by_role("button", name="Create community").click()
    assert page.url.endswith("/c/platform-cn/")
    expect(page.locator(".community-head h1")).to_have_text("平台团队 Platform")
    expect(page.locator(".prose strong")).to_have_text("quarterly")
    expect(page.locator(".community-head .tag.access-restricted")).to_be_visible()

    # Registration: a mismatched password repeat keeps the name and email, not the passwords.
    sign_out(page)
    page.goto("/register")
    page.fill("#username", "bo-forms")
    page.fill("#display_name", "Bo Chen")
    page.fill("#email", "bo@example.com")
    page.fill("#password", "one-password")
    page.fill("#confirm", "another-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    confirm_field = page.locator(".field.has-error").filter(has=page.locator("#confirm"))
    expect(confirm_field.locator(".errors")).to_have_text("The passwords differ.")
    expect(page.locator("#username")).to_have_value("bo-forms")
    expect(page.locator("#display_name")).to_have_value("Bo Chen")
    expect(page.locator("#email")).to_have_value("bo@example.com")
    expect(page.locator("#password")).to_have_value("")
    assert watch.problems() == []


def test_content_security_policy_and_no_script_errors(site, new_page):
    page, watch = new_page()

    def visit(path: str, status: int = 200) -> None:
        response = page.goto(path)
        assert response is not None and response.status == status, (path, response and response.status)
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp, (path, csp)
        assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp, (path, csp)
        inline = page.evaluate(
            "[...document.scripts].filter(s => !s.src).length"
            " + document.querySelectorAll('[style],[onclick],[onload],[onsubmit],[onerror]').length"
        )
        assert inline == 0, f"{path} has inline script or style"
        page.wait_for_load_state("load")

    for path in ("/login", "/register"):
        visit(path)
    sign_in(page, site.admin)
    create_community(page, "Security Guild", description="**Threat models** and reviews.",
                     tags="security", access="moderated")
    slug = slug_from_url(page.url)
    for path in ("/", "/c/", "/c/?scope=mine", "/c/new", f"/c/{slug}/", f"/c/{slug}/members",
                 f"/c/{slug}/settings", f"/c/{slug}/invite", "/c/invitations", f"/u/{site.admin}",
                 "/settings/profile", "/settings/password", "/people", "/admin/", "/admin/users"):
        visit(path)
    visit("/no/such/page", 404)

    # The ES module runs under the policy: the flash close button works.
    sign_out(page)
    sign_in(page, site.admin)
    flash = page.locator(".flashes .flash").first
    expect(flash).to_contain_text("Welcome back, Site Admin.")
    flash.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".flashes .flash")).to_have_count(0)
    # The account menu closes with Escape (keyboard handler in collab.js).
    page.locator("details.menu > summary").click()
    expect(page.locator("details.menu")).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(page.locator("details.menu")).not_to_have_attribute("open", "")

    assert page.evaluate("window.__cspViolations") == []
    # The 404 above logs "Failed to load resource" for the page itself; nothing else may.
    problems = [p for p in watch.problems() if "/no/such/page" not in p]
    assert problems == []


@pytest.mark.parametrize("width", [390, 1280])
def test_no_horizontal_scroll_on_phone_or_desktop(site, new_page, width):
    page, watch = new_page(viewport={"width": width, "height": 844})
    register(page, f"ana-{width}", "Ana Lima")
    create_community(page, "Customer Experience Research and Design Operations 客户体验研究与设计运营",
                     description="A long description " * 20, tags="research, design, operations, 设计",
                     access="moderated")
    slug = slug_from_url(page.url)
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Welcome, Ana Lima")
    width, inner = no_horizontal_scroll(page)
    assert width <= inner, f"home page is {width}px wide in a {inner}px window"
    for path in ("/c/", f"/c/{slug}/", "/login"):
        if path == "/login":
            sign_out(page)
        page.goto(path)
        width, inner = no_horizontal_scroll(page)
        assert width <= inner, f"{path} is {width}px wide in a {inner}px window"
    assert watch.problems() == []


def test_chinese_interface_from_accept_language(site, new_page):
    need("Compiled Chinese translations", MO_FILE.exists(),
         f"{MO_FILE.relative_to(MO_FILE.parents[4])} is missing (run: scripts/i18n.sh compile)")
    page, watch = new_page(locale="zh-CN")
    page.goto("/login")
    assert page.evaluate("navigator.language") == "zh-CN"
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    title = page.locator("main h1").inner_text()
    assert re.search(r"[\u4e00-\u9fff]", title), f"sign-in heading is not Chinese: {title!r}"

    register(page, "ana-zh", "Ana Lima")
    nav = page.locator("nav.mainnav a")
    expect(nav).to_have_count(4)  # home, communities, people, chat
    texts = nav.all_inner_texts()
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in texts), f"navigation is not Chinese: {texts}"
    assert not {"Home", "Communities", "People", "Chat"} & {t.strip() for t in texts}
    assert watch.problems() == []



def test_home_side_column_reads_cleanly(site, new_page):
    """The start page's side column in Chinese: the 'Your requests to join' heading stands apart from
    the list of one's communities above it, and a community to discover whose name fills the line
    keeps its member count whole, with no separator dot stranded at the start of the next line."""
    ana, _ = new_page()
    register(ana, "ana-home", "Ana Lima")
    create_community(ana, NAME, access="moderated")
    moderated = slug_from_url(ana.url)
    create_community(ana, "Platform Engineering", access="public")
    public = slug_from_url(ana.url)
    create_community(ana, "数据与分析 Data and Analytics Guild", access="public")
    bo, watch = new_page(locale="zh-CN")
    register(bo, "bo-home", "Bo Chen")
    bo.goto(f"/c/{public}/")
    with bo.expect_navigation():
        bo.locator(f".community-actions form[action='/c/{public}/join'] button").click()
    bo.goto(f"/c/{moderated}/request")
    with bo.expect_navigation():
        bo.locator("main form button[type=submit]").click()
    bo.goto("/")
    heading = bo.get_by_role("heading", name="你的加入申请")
    gap = bo.evaluate("""(h) => h.getBoundingClientRect().top
                            - h.parentElement.querySelector('.community-list').getBoundingClientRect().bottom""",
                      heading.element_handle())
    assert gap >= 20, f"the requests heading is {gap}px below the list above it"
    discover = bo.locator("aside .card", has=bo.get_by_role("heading", name="发现社区"))
    counts = discover.locator("li .muted").all_inner_texts()
    assert counts and all(re.fullmatch(r"\d+ 名成员", c.strip()) for c in counts), counts
    assert watch.problems() == []
