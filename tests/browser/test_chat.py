"""Chat in Debian's Chromium against the real server: two people in two browser contexts talk
live, one goes offline (and writes while offline), comes back, and both see the same history."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import create_community, register, say, slug_from_url

pytestmark = pytest.mark.browser


def messages(page) -> list[str]:
    return [t.strip() for t in page.locator("[data-messages] > li.chat-msg[data-seq] .chat-body").all_inner_texts()]


def test_two_people_chat_one_goes_offline_and_back(site, new_page):
    ana, watch_a = new_page()
    bo, watch_b = new_page()
    register(ana, "ana", "Ana Lima")
    register(bo, "bo", "Bo Chen")
    create_community(ana, "Platform", description="Ops.", access="public")
    slug = slug_from_url(ana.url)
    bo.goto(f"/c/{slug}/")
    with bo.expect_navigation():
        bo.locator(".community-actions").get_by_role("button", name="Join").click()

    ana.goto(f"/c/{slug}/")
    ana.locator("nav.tabs").get_by_role("link", name="Chat").click()
    ana.wait_for_url(f"**/c/{slug}/chat/general")
    bo.goto(f"/c/{slug}/chat/general")
    for page in (ana, bo):
        expect(page.locator("[data-status]")).to_have_text("Live")
        expect(page.locator("#chat-body")).to_be_enabled()
    expect(ana.locator("[data-presence]")).to_contain_text("Bo Chen")

    say(ana, "Hello **Bo**, deploy at 5?")
    expect(bo.locator("[data-messages] .chat-body strong")).to_have_text("Bo")
    # Typing shows on the other side.
    bo.locator("#chat-body").press_sequentially("Sur")
    expect(ana.locator("[data-typing]")).to_contain_text("Bo Chen is typing")
    bo.fill("#chat-body", "")
    say(bo, "Sure, @ana")
    expect(ana.locator("[data-messages] li.mentions-me")).to_contain_text("Sure")
    # Bo's own copy is confirmed too (his ack can come a moment after Ana's broadcast).
    expect(bo.locator("[data-pending]")).to_have_count(0)

    # Bo loses the network; both keep writing.
    bo.context.set_offline(True)
    expect(bo.locator("[data-status]")).not_to_have_text("Live", timeout=20_000)
    say(ana, "While you were away 1")
    say(ana, "While you were away 2")
    say(bo, "Written offline", confirmed=False)
    expect(bo.locator("[data-pending]")).to_have_count(1)
    expect(ana.locator("[data-messages] > li.chat-msg[data-seq]")).to_have_count(4)

    bo.context.set_offline(False)
    expect(bo.locator("[data-status]")).to_have_text("Live", timeout=30_000)
    expect(bo.locator("[data-pending]")).to_have_count(0)
    expected = ["Hello Bo, deploy at 5?", "Sure, @ana", "While you were away 1", "While you were away 2",
                "Written offline"]
    expect(ana.locator("[data-messages] > li.chat-msg[data-seq]")).to_have_count(5)
    expect(bo.locator("[data-messages] > li.chat-msg[data-seq]")).to_have_count(5)
    assert messages(ana) == expected and messages(bo) == expected

    # A reload shows the same history, once.
    bo.reload()
    expect(bo.locator("[data-status]")).to_have_text("Live")
    assert messages(bo) == expected

    # Edit and react live.
    mine = ana.locator("[data-messages] li.chat-msg[data-seq]").first
    mine.hover()
    mine.locator("[data-edit]").click()
    mine.locator("form.chat-edit textarea").fill("Hello Bo, deploy at 6?")
    mine.locator("form.chat-edit button[type=submit]").click()
    expect(bo.locator("[data-messages] li.chat-msg[data-seq]").first).to_contain_text("deploy at 6?")
    expect(bo.locator("[data-messages] li.chat-msg[data-seq]").first.locator(".chat-edited")).to_be_visible()
    first_b = bo.locator("[data-messages] li.chat-msg[data-seq]").first
    first_b.hover()
    first_b.locator("details.chat-picker summary").click()
    first_b.locator(".chat-picker-row button", has_text="👍").click()
    expect(ana.locator("[data-messages] li.chat-msg[data-seq]").first.locator(".chat-reaction")).to_have_text("👍 1")

    for w in (watch_a, watch_b):
        problems = [p for p in w.problems() if "ERR_INTERNET_DISCONNECTED" not in p and "WebSocket" not in p]
        assert problems == []
    assert ana.evaluate("window.__cspViolations") == []


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_composer_hint_fits_on_a_phone(site, new_page, locale):
    """On a phone the empty message box shows its whole hint, not one cut off halfway down the box."""
    page, watch = new_page(locale=locale, viewport={"width": 390, "height": 844})
    register(page, f"ana-{locale.lower()}", "Ana Lima")
    create_community(page, "Platform", access="public")
    page.goto(f"/c/{slug_from_url(page.url)}/chat/general")
    box = page.locator("#chat-body")
    expect(box).to_be_enabled()
    hint = box.get_attribute("placeholder")
    assert ("回车发送" in hint) if locale == "zh-CN" else hint.startswith("Write a message"), hint
    hidden = box.evaluate("(t) => t.scrollHeight - t.clientHeight")
    assert hidden <= 0, f"{hidden}px of the hint is cut off"
    assert watch.problems() == []


def test_room_tools_on_a_phone(site, new_page):
    """On a phone the room's search box takes the whole width and the room's buttons (live room,
    history, start a forum topic) share one row below it, instead of wrapping one by one."""
    page, watch = new_page(viewport={"width": 390, "height": 844})
    register(page, "ana-tools", "Ana Lima")
    create_community(page, "Platform", access="public")
    page.goto(f"/c/{slug_from_url(page.url)}/chat/general")
    search = page.locator("#chat-q").bounding_box()
    main = page.locator(".chat-room").bounding_box()
    assert search["width"] >= main["width"] - 2, f"the room search is {search['width']}px of {main['width']}px"
    buttons = page.locator(".chat-tools .button").all()
    assert len(buttons) == 3
    tops = {round(b.bounding_box()["y"]) for b in buttons}
    assert len(tops) == 1, f"the room's buttons are spread over {len(tops)} rows"
    assert watch.problems() == []
