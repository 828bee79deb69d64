"""Screenshots of chat, for looking at the design.

    .venv/bin/python tests/browser/chat_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, has two people (one reading in Simplified
Chinese) talk in a community room and a conversation, then saves chat-*.png into OUTDIR.
"""
from __future__ import annotations

from shots import PHONE, cli, click_and_wait, say, shooter


def run(outdir: str) -> int:
    from playwright.sync_api import expect

    with shooter(outdir, prefix="chat-") as s:
        ana, bo = s.ana_and_bo(locale="zh-CN")
        slug = s.community(ana, "Platform Engineering", description="Ops.", access="public",
                           members=[bo])
        ana.goto(f"/c/{slug}/chat/+new")
        ana.fill("#name", "Deploys")
        ana.fill("#topic", "Release coordination")
        click_and_wait(ana, ana.locator("form:has(#name) button[type=submit]"))
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
        # The live room as each one sees it: the window, as it is scrolled.
        s.shoot(ana, "room-en", full=False, top=False)
        s.shoot(bo, "room-zh", full=False, top=False)
        s.shoot(bo, "history-zh", f"/c/{slug}/chat/general/history")
        s.shoot(ana, "search-en", f"/c/{slug}/chat/general/search?q=release")
        ana.goto("/chat/")
        ana.fill("#people", "bo")
        click_and_wait(ana, ana.locator("form:has(#people) button[type=submit]"))
        say(ana, "A private word about the on-call rota.")
        ana.goto("/chat/")
        s.shoot(bo, "index-zh", "/chat/")
        phone = s.signed_in("ana", viewport=PHONE)
        phone.goto(f"/c/{slug}/chat/general")
        expect(phone.locator("[data-status][data-kind=ok]")).to_be_visible()
        s.shoot(phone, "room-phone")
    return 0


if __name__ == "__main__":
    cli(run, __doc__, default="screenshots")
