"""Full-page screenshots of moderation, for looking at the design.

    .venv/bin/python tests/browser/moderation_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, fills a community through the UI (a flagged
forum topic, blog post and wiki page, pre-moderation on and a new member's topic waiting), then
saves moderation-*.png (English and Chinese, desktop and phone) into OUTDIR.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import conftest as support  # noqa: E402
from conftest import create_community, register, slug_from_url  # noqa: E402

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def main(outdir: str) -> int:
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    executable = support.chromium_path()
    if executable is None:
        print("Chromium not found", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    saved = []
    with tempfile.TemporaryDirectory(prefix="collab-mod-shots-") as tmp:
        server = support.LiveServer(Path(tmp) / "instance")
        playwright = sync_playwright().start()
        browser = support.launch_chromium(playwright, executable)
        contexts = []

        def page_for(viewport=DESKTOP, locale="en-US"):
            context = browser.new_context(base_url=server.url, viewport=viewport, locale=locale)
            context.set_default_timeout(15_000)
            context.add_init_script(support.CSP_LISTENER)
            contexts.append(context)
            page = context.new_page()
            page.watch = support.watch(page)
            page.on("dialog", lambda dialog: dialog.accept())
            return page

        def shot(page, name, path=None):
            if path is not None:
                page.goto(path)
            page.wait_for_load_state("load")
            page.evaluate("window.scrollTo(0, 0)")
            target = out / f"moderation-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)

        def submit(page, label):
            with page.expect_navigation():
                page.get_by_role("button", name=label).click()

        def join(page, slug):
            page.goto(f"/c/{slug}/")
            with page.expect_navigation():
                page.locator(".community-actions").get_by_role("button", name="Join").click()

        try:
            ana, bo, cy = page_for(), page_for(), page_for()
            register(ana, "ana", "Ana Lima")
            register(bo, "bo", "陈博 Bo Chen")
            register(cy, "cy", "Cy Park")
            create_community(ana, "Platform Engineering", description="Deployments and on-call.", access="public")
            slug = slug_from_url(ana.url)
            join(bo, slug)
            join(cy, slug)
            ana.goto(f"/c/{slug}/forums/new-forum")
            ana.fill("#name", "Help")
            submit(ana, "Save")
            forum_url = ana.url
            cy.goto(forum_url + "/new")
            cy.fill("#title", "Cheap watches, 90% off")
            cy.fill("#body", "Visit example.com for **amazing** deals on watches!")
            submit(cy, "Post topic")
            topic_url = cy.url
            cy.goto(f"/c/{slug}/blog/new")
            cy.fill("#title", "我对新版发布流程的看法")
            cy.fill("#body", "这篇文章和平台工程没有什么关系，只是一些抱怨。")
            submit(cy, "Publish now")
            blog_url = cy.url
            cy.goto(f"/c/{slug}/wiki/-/new")
            cy.fill("#title", "Salary list")
            cy.fill("#body", "Everyone's salary, copied from HR.")
            submit(cy, "Create page")
            wiki_url = cy.url

            bo.goto(topic_url)
            bo.locator(".forum-post").first.get_by_role("link", name="Flag").click()
            bo.check("input[name=reason][value=spam]")
            bo.fill("#details", "Advertising, third time this week")
            shot(bo, "flag-form")
            submit(bo, "Send flag")
            bo.goto(blog_url)
            bo.locator(".blog-foot").get_by_role("link", name="Flag").click()
            bo.check("input[name=reason][value=off_topic]")
            submit(bo, "Send flag")
            bo.goto(wiki_url)
            bo.locator(".wiki-actions").get_by_role("link", name="Flag").click()
            bo.check("input[name=reason][value=confidential]")
            bo.fill("#details", "HR data must not be on the wiki")
            submit(bo, "Send flag")

            ana.goto(f"/c/{slug}/moderation/")
            submit(ana, "Turn pre-moderation on")
            dee = page_for()
            register(dee, "dee", "Dee Okafor")
            join(dee, slug)
            dee.goto(forum_url + "/new")
            dee.fill("#title", "Hello, I am new here")
            dee.fill("#body", "Looking forward to working with you all.")
            submit(dee, "Post topic")
            shot(dee, "pending-author")

            shot(ana, "queue", f"/c/{slug}/moderation/")
            zh = page_for(locale="zh-CN")
            support.sign_in(zh, "ana")
            shot(zh, "queue-zh", f"/c/{slug}/moderation/")
            phone = page_for(PHONE)
            support.sign_in(phone, "ana")
            shot(phone, "queue-phone", f"/c/{slug}/moderation/")
            item = ana.locator(".mod-item", has_text="Salary list")
            item.locator("input[name=reason]").fill("Confidential HR data")
            with ana.expect_navigation():
                item.get_by_role("button", name="Delete").click()
            shot(ana, "confirm")
            shot(zh, "site-queue-zh", "/admin/moderation")
            problems = [p for page in (ana, bo, cy, dee, zh, phone) for p in page.watch.problems()]
            if problems:
                print("browser problems:", problems, file=sys.stderr)
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
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
