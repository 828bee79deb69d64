"""Full-page screenshots of the forums, for looking at the design.

    .venv/bin/python tests/browser/forum_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, fills a forum through the UI (questions,
answers, an accepted answer, a flag), then saves forum-*.png (English and Chinese) into OUTDIR.
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

TOPICS = [
    ("How do I roll back a failed deploy?", "The canary failed at 3am. What is the **fastest** safe way back?\n\n"
     "```\nERROR release v1.2.3 unhealthy\n```", "deploy, on-call", True),
    ("数据库连接池应该设置多大？", "我们的服务在高峰期出现连接超时。Pool size is 10 right now.", "postgresql, 性能", True),
    ("Welcome to the Platform forum", "Introduce yourself and read the rules.", "", False),
]


def main(outdir: str) -> int:
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    executable = support.chromium_path()
    if executable is None:
        print("Chromium not found", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    saved = []
    with tempfile.TemporaryDirectory(prefix="collab-forum-shots-") as tmp:
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
            target = out / f"forum-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)

        def submit(page, label):
            with page.expect_navigation():
                page.get_by_role("button", name=label).click()

        try:
            ana, bo = page_for(), page_for()
            register(ana, "ana", "Ana Lima")
            register(bo, "bo", "陈博 Bo Chen")
            create_community(ana, "Platform Engineering", description="Deployments and on-call.", access="public")
            slug = slug_from_url(ana.url)
            bo.goto(f"/c/{slug}/")
            with bo.expect_navigation():
                bo.locator(".community-actions").get_by_role("button", name="Join").click()
            base = f"/c/{slug}/forums"
            shot(ana, "empty", base + "/")
            for name, description in (("Help", "Questions about the platform."), ("Announcements", "News.")):
                ana.goto(base + "/new-forum")
                ana.fill("#name", name)
                ana.fill("#description", description)
                submit(ana, "Save")
            forum_url = ana.url
            for title, body, tags, question in TOPICS:
                bo.goto(forum_url + ("/new?question=1" if question else "/new"))
                bo.fill("#title", title)
                bo.fill("#body", body)
                bo.fill("#tags", tags)
                submit(bo, "Post topic")
            topic_url = None
            bo.goto(forum_url)
            bo.get_by_role("link", name=TOPICS[0][0]).click()
            topic_url = bo.url
            ana.goto(topic_url)
            ana.fill("#body", "Run the previous tag's pipeline: `deploy v1.2.2`. It takes about four minutes.")
            submit(ana, "Post reply")
            ana.fill("#body", "And open an incident ticket so the on-call lead knows.")
            submit(ana, "Post reply")
            bo.goto(topic_url)
            with bo.expect_navigation():
                bo.locator(".forum-post", has_text="previous tag").get_by_role("button", name="Accept as answer").click()
            bo.fill("#body", "Thanks, that worked!")
            submit(bo, "Post reply")
            bo.goto(topic_url)
            bo.locator(".forum-post", has_text="incident ticket").get_by_role("link", name="Flag").click()
            bo.check("input[name=reason][value=off_topic]")
            submit(bo, "Send flag")
            bo.goto(forum_url + "/new?question=1")
            bo.locator("#title").press_sequentially("rollback deploy", delay=20)
            bo.locator(".forum-similar li").first.wait_for()
            shot(bo, "new-topic")
            shot(ana, "index", base + "/")
            shot(ana, "forum", forum_url)
            shot(ana, "topic", topic_url)
            shot(ana, "queue", f"/c/{slug}/moderation/")
            zh = page_for(locale="zh-CN")
            support.sign_in(zh, "bo")
            shot(zh, "forum-zh", forum_url)
            shot(zh, "topic-zh", topic_url)
            phone = page_for(PHONE)
            support.sign_in(phone, "ana")
            shot(phone, "topic-phone", topic_url)
            shot(phone, "forum-phone", forum_url)
            problems = ana.watch.problems() + bo.watch.problems() + zh.watch.problems() + phone.watch.problems()
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
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
