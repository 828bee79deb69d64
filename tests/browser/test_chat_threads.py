"""Chat threads in Debian's Chromium: a thread offers its reply box only where a reply is taken.
Bo has a thread open when the owner hides its message: the reply box goes and the thread says
why (the owner, a moderator, keeps hers); once Bo deletes the message its thread goes with it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import create_community, flash_text, register, say, slug_from_url

pytestmark = pytest.mark.browser

CLOSED = "This message was hidden by a moderator; replies are closed."


def open_thread_of(page, text):
    message = page.locator("[data-messages] > li.chat-msg", has_text=text)
    message.hover()
    message.locator("[data-open-thread]").first.click()
    expect(page.locator("[data-thread]")).to_be_visible()


def test_a_hidden_messages_thread_takes_no_reply_and_a_deleted_ones_goes(server, new_page):
    ana, watch_a = new_page()
    bo, watch_b = new_page()
    register(ana, "ana", "Ana Lima")
    register(bo, "bo", "Bo Chen")
    create_community(ana, "Newsroom", description="News.", access="public")
    slug = slug_from_url(ana.url)
    bo.goto(f"/c/{slug}/")
    with bo.expect_navigation():
        bo.locator(".community-actions").get_by_role("button", name="Join").click()

    room = f"/c/{slug}/chat/general"
    bo.goto(room)
    expect(bo.locator("[data-status]")).to_have_text("Live")
    say(bo, "Buy gold coins")
    open_thread_of(bo, "Buy gold coins")
    bo.fill("#chat-reply", "Really cheap")
    bo.locator("#chat-reply").press("Enter")
    expect(bo.locator("[data-thread-messages]")).to_contain_text("Really cheap")
    expect(bo.locator("[data-thread-closed]")).to_be_hidden()

    # Ana flags it and hides it from the community's moderation queue; Bo keeps his thread open.
    ana.goto(room)
    expect(ana.locator("[data-status]")).to_have_text("Live")
    message = ana.locator("[data-messages] > li.chat-msg", has_text="Buy gold coins")
    message.hover()
    message.get_by_role("link", name="Flag").click()
    ana.check("input[name=reason][value=spam]")
    with ana.expect_navigation():
        ana.get_by_role("button", name="Send flag").click()
    ana.goto(f"/c/{slug}/")
    ana.locator("nav.tabs").get_by_role("link", name="Moderation").click()
    item = ana.locator(".mod-item").filter(has_text="Buy gold coins")
    item.locator("input[name=reason]").fill("Advertising")
    with ana.expect_navigation():
        item.get_by_role("button", name="Hide").click()
    assert "was hidden" in flash_text(ana)

    # Live: the reply box goes, the thread says why, the replies stay.
    expect(bo.locator("[data-thread-closed]")).to_have_text(CLOSED)
    expect(bo.locator("#chat-reply")).to_be_hidden()
    expect(bo.locator("[data-thread-messages]")).to_contain_text("Really cheap")
    # And so after a reload; Ana, a moderator, may still answer there.
    bo.reload()
    expect(bo.locator("[data-status]")).to_have_text("Live")
    open_thread_of(bo, "hidden by a moderator")
    expect(bo.locator("[data-thread-closed]")).to_have_text(CLOSED)
    expect(bo.locator("#chat-reply")).to_be_hidden()
    ana.goto(room)
    expect(ana.locator("[data-status]")).to_have_text("Live")
    open_thread_of(ana, "hidden by a moderator")
    expect(ana.locator("#chat-reply")).to_be_visible()
    expect(ana.locator("[data-thread-closed]")).to_be_hidden()

    # Bo deletes his message: its thread closes for both, and no reply count leads to it.
    bo.once("dialog", lambda dialog: dialog.accept())
    mine = bo.locator("[data-messages] > li.chat-msg").first
    mine.hover()
    mine.locator("[data-delete]").click()
    for page in (bo, ana):
        expect(page.locator("[data-messages] > li.chat-msg").first).to_contain_text("This message was deleted.")
        expect(page.locator("[data-thread]")).to_be_hidden()
        expect(page.locator("[data-messages] [data-open-thread]")).to_have_count(0)

    for w in (watch_a, watch_b):
        assert w.problems() == []
