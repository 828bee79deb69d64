"""Full-page screenshots of the main pages, for looking at the design.

    .venv/bin/python tests/browser/screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, fills it through the UI (a few people,
communities in English and Chinese, a pending join request), then saves one PNG per page into
OUTDIR. Needs Debian's Chromium (or COLLAB_CHROMIUM).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import conftest as support  # noqa: E402  (the browser tests' server and UI helpers)
from conftest import create_community, register, sign_in, slug_from_url  # noqa: E402

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

PEOPLE = [
    # username, display name, title, department, location, expertise
    ("ana", "Ana Lima", "Head of Product Design", "Design", "Shanghai", "ux, research, 设计系统"),
    ("bo", "陈博 Bo Chen", "UX Researcher", "Design", "Shanghai", "interviews, usability, 用户研究"),
    ("jing", "王静", "Backend Engineer", "Platform", "Beijing", "python, postgresql, kafka"),
    ("dmitri", "Dmitri Ivanov", "Site Reliability Engineer", "Platform", "Berlin", "kubernetes, observability"),
    ("emma", "Emma Müller", "Office Manager", "Operations", "Shanghai", "facilities, events"),
]

COMMUNITIES = [
    # owner, name, access, tags, description
    ("ana", "产品设计 Product Design", "moderated", "design, 设计, research",
     "## 我们做什么\n\nWe design **great products** together: weekly critique, shared research and a "
     "design system everyone can use.\n\n- Critique every Thursday\n- Research repository\n- 设计规范与组件库\n"),
    ("ana", "Platform Engineering", "public", "platform, python, kubernetes",
     "The people who build and run the platform. Ask about **deployments**, databases and on-call."),
    ("ana", "Security Guild", "restricted", "security",
     "Threat models, reviews and incident follow-ups. *Members only.*"),
    ("jing", "上海办公室 Shanghai Office", "public", "shanghai, 办公室, events",
     "上海办公室的通知、活动和午餐推荐。\n\nNews, events and lunch tips for the Shanghai office."),
    ("dmitri", "Data & Analytics", "public", "data, analytics, sql",
     "Dashboards, metrics definitions and SQL help. Post your question with the query you tried."),
]


def edit_profile(page, title: str, department: str, location: str, expertise: str, bio: str = "") -> None:
    page.goto("/settings/profile")
    page.fill("#title", title)
    page.fill("#department", department)
    page.fill("#location", location)
    page.fill("#expertise", expertise)
    if bio:
        page.fill("#bio", bio)
    page.fill("#timezone", "Asia/Shanghai")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def click_and_wait(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def main(outdir: str) -> int:
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    executable = support.chromium_path()
    if executable is None:
        print("Chromium not found: install Debian's chromium or set COLLAB_CHROMIUM", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="collab-shots-") as tmp:
        server = support.LiveServer(Path(tmp) / "instance")
        playwright = sync_playwright().start()
        browser = support.launch_chromium(playwright, executable)
        contexts = []

        def page_for(viewport=DESKTOP, locale="en-US"):
            context = browser.new_context(base_url=server.url, viewport=viewport, locale=locale)
            context.set_default_timeout(15_000)
            contexts.append(context)
            return context.new_page()

        saved = []

        def shot(page, name: str, path: str | None = None) -> None:
            if path is not None:
                page.goto(path)
            page.wait_for_load_state("load")
            target = out / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)

        try:
            # People register; each edits their profile.
            pages = {}
            for username, display, title, dept, location, expertise in PEOPLE:
                page = page_for()
                register(page, username, display)
                bio = ("I lead the design team. Ask me about **research**, prototypes and the "
                       "[design system](https://example.com/ds).\n\n我在上海办公室。") if username == "ana" else ""
                edit_profile(page, title, dept, location, expertise, bio)
                pages[username] = page

            slugs = {}
            for owner, name, access, tags, description in COMMUNITIES:
                page = pages[owner]
                create_community(page, name, description=description, tags=tags, access=access)
                slugs[name] = slug_from_url(page.url)

            design = slugs["产品设计 Product Design"]
            platform = slugs["Platform Engineering"]
            office = slugs["上海办公室 Shanghai Office"]
            data = slugs["Data & Analytics"]

            # Joining public communities.
            for username, slug in (("bo", platform), ("jing", platform), ("dmitri", platform),
                                   ("emma", office), ("bo", office), ("ana", office), ("ana", data),
                                   ("jing", data)):
                page = pages[username]
                page.goto(f"/c/{slug}/")
                click_and_wait(page, page.locator(".community-actions").get_by_role("button", name="Join"))

            # Join requests to the moderated community: one approved, one left waiting.
            for username, message in (("jing", "I build the design-system components on the backend."),
                                      ("bo", "我负责用户研究，想加入设计社区。")):
                page = pages[username]
                page.goto(f"/c/{design}/request")
                page.fill("#message", message)
                click_and_wait(page, page.locator("main form button[type=submit]"))
            ana = pages["ana"]
            ana.goto(f"/c/{design}/requests")
            click_and_wait(ana, ana.locator("li.request").filter(has_text="王静").get_by_role("button", name="Approve"))

            # Anonymous pages.
            anon = page_for()
            shot(anon, "login", "/login")
            shot(anon, "register", "/register")

            # Ana (site admin, owner of the design community with a waiting request).
            shot(ana, "home", "/")
            shot(ana, "communities", "/c/")
            shot(ana, "community-home", f"/c/{design}/")
            shot(ana, "community-members", f"/c/{design}/members")
            shot(ana, "community-requests", f"/c/{design}/requests")
            shot(ana, "community-settings", f"/c/{design}/settings")
            shot(ana, "community-new", "/c/new")
            shot(ana, "profile", "/u/ana")
            shot(ana, "edit-profile", "/settings/profile")
            shot(ana, "people", "/people")
            shot(ana, "admin-overview", "/admin/")
            shot(ana, "admin-users", "/admin/users")
            shot(ana, "error-404", "/no/such/page")

            # Bo's view of the moderated community while his request is pending.
            shot(pages["bo"], "community-home-pending", f"/c/{design}/")

            # Ana's home page on a phone, and with the account menu open.
            phone = page_for(PHONE)
            sign_in(phone, "ana")
            shot(phone, "home-phone", "/")
            shot(phone, "community-home-phone", f"/c/{design}/")
            phone.goto("/")
            phone.locator("details.menu > summary").click()
            shot(phone, "home-phone-menu")

            # The communities list in Chinese (Accept-Language: zh-CN; Bo's account has no language set).
            zh = page_for(locale="zh-CN")
            sign_in(zh, "bo")
            shot(zh, "communities-zh", "/c/")
            shot(zh, "home-zh", "/")
        except Exception:
            print(server.log(), file=sys.stderr)
            raise
        finally:
            for context in contexts:
                context.close()
            browser.close()
            playwright.stop()
            server.stop()

    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
