"""A chat message that arrives live says when it was written as the page says it after a reload:
the relative time ("1 minute ago", "1分钟前"), the exact time in the person's own time zone on hover
(not a bare clock time and the browser's zone), in English and Chinese."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import create_community, register, say, slug_from_url

pytestmark = pytest.mark.browser

LAST_TIME = "[data-messages] > li.chat-msg[data-seq] .chat-time time"


def same_spaces(title: str) -> str:
    """Babel puts a narrow no-break space before "PM", Chromium's Intl a plain one: they look alike."""
    return title.replace("\u202f", " ")


@pytest.mark.parametrize("locale, phrase", [("en-US", "1 minute ago"), ("zh-CN", "1分钟前")])
def test_a_live_message_shows_its_time_as_the_page_does(site, new_page, locale, phrase):
    page, watch = new_page(locale=locale)
    register(page, f"ana-{locale.lower()}", "Ana Lima")
    page.goto("/settings/profile")
    page.fill("#timezone", "Pacific/Auckland")  # not the browser's zone (UTC)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    create_community(page, "Platform", access="public")
    page.goto(f"/c/{slug_from_url(page.url)}/chat/general")
    expect(page.locator("[data-status]")).to_have_attribute("data-kind", "ok", timeout=15_000)
    say(page, "Deploy at five?")
    live = page.locator(LAST_TIME).last
    expect(live).to_have_text(phrase)
    shown = (live.inner_text(), same_spaces(live.get_attribute("title")), live.get_attribute("datetime"))
    page.reload()
    served = page.locator(LAST_TIME).last
    assert (served.inner_text(), same_spaces(served.get_attribute("title"))) == shown[:2], (shown, served.get_attribute("title"))
    assert served.get_attribute("datetime")[:19] == shown[2][:19]
    assert watch.problems() == []


def test_times_move_on_while_the_room_stays_open(site, new_page):
    """A room left open does not say "1 minute ago" an hour later: the times are worded again as
    the clock moves on (the page's clock is Playwright's, moved forward)."""
    page, _ = new_page()
    page.clock.install()
    register(page, "ana-clock", "Ana Lima")
    create_community(page, "Platform", access="public")
    page.goto(f"/c/{slug_from_url(page.url)}/chat/general")
    expect(page.locator("[data-status]")).to_have_attribute("data-kind", "ok", timeout=15_000)
    say(page, "Deploy at five?")
    live = page.locator(LAST_TIME).last
    expect(live).to_have_text("1 minute ago")
    page.clock.run_for("05:00")
    expect(live).to_have_text("5 minutes ago")
    page.clock.run_for("01:00:00")
    expect(live).to_have_text("1 hour ago")
