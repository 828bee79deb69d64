"""Full-page screenshots of the knowledge flows, for looking at the design.

    .venv/bin/python tests/browser/flows_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, talks in a chat room, starts a forum topic
from two messages, turns an answered question into a wiki page, opens the copy page, and saves
flows-*.png (English and Chinese: the pickers, the draft forms, provenance, related content).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import conftest as support  # noqa: E402
from conftest import create_community, register, slug_from_url  # noqa: E402

DESKTOP = {"width": 1280, "height": 900}


def main(outdir: str) -> int:
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    executable = support.chromium_path()
    if executable is None:
        print("Chromium not found", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    saved = []
    with tempfile.TemporaryDirectory(prefix="collab-flows-shots-") as tmp:
        server = support.LiveServer(Path(tmp) / "instance")
        playwright = sync_playwright().start()
        browser = support.launch_chromium(playwright, executable)
        contexts = []

        def page_for(locale="en-US"):
            context = browser.new_context(base_url=server.url, viewport=DESKTOP, locale=locale)
            context.set_default_timeout(15_000)
            context.add_init_script(support.CSP_LISTENER)
            contexts.append(context)
            page = context.new_page()
            page.watch = support.watch(page)
            return page

        def shot(page, name, path=None):
            if path is not None:
                page.goto(path)
            page.wait_for_load_state("load")
            page.evaluate("window.scrollTo(0, 0)")
            target = out / f"flows-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)

        def submit(page, label):
            with page.expect_navigation():
                page.get_by_role("button", name=label).click()

        def say(page, text):
            page.fill("#chat-body", text)
            page.locator("#chat-body").press("Enter")

        try:
            ana, bo = page_for(), page_for()
            register(ana, "ana", "Ana Lima")
            register(bo, "bo", "陈博 Bo Chen")
            create_community(ana, "Data Team", description="Pipelines.", access="restricted")
            data_slug = slug_from_url(ana.url)
            create_community(ana, "Platform Engineering", description="Deployments and on-call.", access="public")
            slug = slug_from_url(ana.url)
            bo.goto(f"/c/{slug}/")
            with bo.expect_navigation():
                bo.locator(".community-actions").get_by_role("button", name="Join").click()
            for s in (slug, data_slug):
                ana.goto(f"/c/{s}/forums/new-forum")
                ana.fill("#name", "Help")
                submit(ana, "Save")
            # Content for related lists.
            for title, body in (("Deploy runbook", "How we deploy: canary, then roll out. Roll back with the previous tag."),
                                ("On-call handbook", "Who is on call, escalation, incident tickets and deploy freezes.")):
                ana.goto(f"/c/{slug}/wiki/-/new")
                ana.fill("#title", title)
                ana.fill("#body", body)
                submit(ana, "Create page")
            ana.goto(f"/c/{slug}/blog/new")
            ana.fill("#title", "What we learned from last month's deploy incidents")
            ana.fill("#body", "Roll back first, debug later. 先回滚，再排查。")
            submit(ana, "Publish now")

            # Chat -> forum topic.
            for p in (ana, bo):
                p.goto(f"/c/{slug}/chat/general")
                p.locator("[data-status]").filter(has_text="Live").wait_for()
            say(ana, "The deploy of billing failed at 3am, how do we roll back?")
            say(bo, "Run the previous tag's pipeline: `deploy v1.2.2`. 大约四分钟。")
            say(ana, "Lunch at noon?")
            bo.locator("[data-messages] > li.chat-msg[data-seq]").nth(2).wait_for()
            bo.get_by_test_id("to-forum").click()
            bo.wait_for_url("**/to-forum")
            bo.locator("input[name=m]").nth(0).check()
            bo.locator("input[name=m]").nth(1).check()
            shot(bo, "chat-pick")
            submit(bo, "Start a forum topic from this")
            bo.select_option("#place", label="Help")
            shot(bo, "chat-draft")
            draft_zh = page_for("zh-CN")
            support.sign_in(draft_zh, "bo")
            shot(draft_zh, "chat-draft-zh", bo.url)
            submit(bo, "Post topic")
            chat_topic = bo.url
            shot(bo, "topic-from-chat")
            shot(ana, "room-with-topic", f"/c/{slug}/chat/general")

            # An answered question -> wiki page.
            bo.goto(f"/c/{slug}/forums/")
            bo.get_by_role("link", name="Help").first.click()
            forum_url = bo.url
            bo.goto(forum_url + "/new?question=1")
            bo.fill("#title", "How do I roll back a failed deploy?")
            bo.fill("#body", "The canary failed. What is the **fastest** safe way back?")
            submit(bo, "Post topic")
            question = bo.url
            ana.goto(question)
            ana.fill("#body", "Run the previous tag's pipeline: `deploy v1.2.2`. It takes about four minutes.")
            submit(ana, "Post reply")
            ana.fill("#body", "And open an incident ticket so the on-call lead knows.")
            submit(ana, "Post reply")
            bo.goto(question)
            with bo.expect_navigation():
                bo.locator(".forum-post", has_text="previous tag").get_by_role("button", name="Accept as answer").click()
            time.sleep(1.5)  # the indexer picks the new content up
            bo.get_by_role("link", name="Turn into a wiki page").click()
            bo.locator("input[name=reply]").first.check()
            shot(bo, "wiki-pick")
            zh = page_for("zh-CN")
            support.sign_in(zh, "bo")
            shot(zh, "wiki-pick-zh", bo.url)
            submit(bo, "Continue to the draft page")
            shot(bo, "wiki-draft")
            submit(bo, "Save page")
            time.sleep(1.5)
            shot(bo, "wiki-page-from-forum", bo.url)
            shot(zh, "wiki-page-from-forum-zh", bo.url)
            shot(bo, "topic-turned-into-page", question)
            shot(ana, "copy-chooser", f"/flows/copy?key=forum_topic:{chat_topic.rsplit('/', 1)[1]}")
            shot(zh, "blog-related-zh", f"/c/{slug}/blog/")
            zh.get_by_role("link", name="What we learned from last month's deploy incidents").click()
            shot(zh, "blog-related-zh")
            problems = ana.watch.problems() + bo.watch.problems() + zh.watch.problems() + draft_zh.watch.problems()
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
