"""Screenshots of chat, for looking at the design.

    .venv/bin/python tests/browser/chat_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, has two people (one reading in Simplified
Chinese) talk in a community room and a conversation, then saves chat-*.png into OUTDIR.
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
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory(prefix="collab-chat-shots-") as tmp:
        server = support.LiveServer(Path(tmp) / "instance")
        playwright = sync_playwright().start()
        browser = support.launch_chromium(playwright, executable)
        contexts = []

        def page_for(viewport=DESKTOP, locale="en-US"):
            context = browser.new_context(base_url=server.url, viewport=viewport, locale=locale)
            context.set_default_timeout(15_000)
            contexts.append(context)
            page = context.new_page()
            page.on("dialog", lambda d: d.accept())
            return page

        def say(page, text):
            page.fill("#chat-body", text)
            page.locator("#chat-body").press("Enter")

        try:
            ana, bo = page_for(), page_for(locale="zh-CN")
            register(ana, "ana", "Ana Lima")
            register(bo, "bo", "陈博 Bo Chen")
            create_community(ana, "Platform Engineering", description="Ops.", access="public")
            slug = slug_from_url(ana.url)
            bo.goto(f"/c/{slug}/")
            with bo.expect_navigation():
                bo.locator(".community-actions button").first.click()
            ana.goto(f"/c/{slug}/chat/+new")
            ana.fill("#name", "Deploys")
            ana.fill("#topic", "Release coordination")
            with ana.expect_navigation():
                ana.locator("form:has(#name) button[type=submit]").click()
            ana.goto(f"/c/{slug}/chat/general")
            bo.goto(f"/c/{slug}/chat/general")
            expect(ana.locator("[data-status][data-kind=ok]")).to_be_visible()
            expect(bo.locator("[data-status][data-kind=ok]")).to_be_visible()
            say(ana, "Morning! The **release** goes out at 15:00. Checklist: `make release`")
            say(bo, "好的 @ana，我来检查数据库迁移。")
            say(ana, "Thanks @bo! Links: https://example.com/runbook")
            say(bo, "Migration 0008 看起来没问题 👍\nSecond line of the same message.")
            expect(ana.locator("[data-messages] > li[data-seq]")).to_have_count(4)
            first = ana.locator("[data-messages] > li[data-seq]").first
            first.hover()
            first.locator("[data-open-thread]").first.click()
            ana.fill("#chat-reply", "Rollback plan is in the wiki.")
            ana.locator("#chat-reply").press("Enter")
            expect(ana.locator("[data-thread-messages] > li[data-seq]")).to_have_count(2)
            bo.locator("#chat-body").press_sequentially("正在输入")
            ana.wait_for_timeout(300)
            ana.screenshot(path=str(out / "chat-room-en.png"))
            bo.screenshot(path=str(out / "chat-room-zh.png"))
            bo.goto(f"/c/{slug}/chat/general/history")
            bo.screenshot(path=str(out / "chat-history-zh.png"), full_page=True)
            ana.goto(f"/c/{slug}/chat/general/search?q=release")
            ana.screenshot(path=str(out / "chat-search-en.png"), full_page=True)
            ana.goto("/chat/")
            ana.fill("#people", "bo")
            with ana.expect_navigation():
                ana.locator("form:has(#people) button[type=submit]").click()
            say(ana, "A private word about the on-call rota.")
            ana.goto("/chat/")
            bo.goto("/chat/")
            bo.screenshot(path=str(out / "chat-index-zh.png"), full_page=True)
            phone = page_for(PHONE)
            support.sign_in(phone, "ana")
            phone.goto(f"/c/{slug}/chat/general")
            expect(phone.locator("[data-status][data-kind=ok]")).to_be_visible()
            phone.screenshot(path=str(out / "chat-room-phone.png"), full_page=True)
        finally:
            for c in contexts:
                c.close()
            browser.close()
            playwright.stop()
            server.stop()
    print("\n".join(sorted(str(p) for p in out.glob("chat-*.png"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
