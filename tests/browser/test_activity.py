"""Mentions and the bell in Debian's Chromium against the real server: Ana types "@bo" in a wiki
page, picks Bo from the autocomplete, saves, and Bo's bell (another browser context, already
open) rises live; opening the notification marks it read and lands on the page. Bo's home stream
shows Ana's community activity and the Older link works without JavaScript too."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import create_community, register, slug_from_url

pytestmark = pytest.mark.browser


def test_mention_in_a_wiki_page_raises_the_other_persons_bell_live(site, new_page):
    ana, watch_a = new_page()
    bo, watch_b = new_page()
    register(ana, "ana", "Ana Lima")
    register(bo, "bo", "Bo Chen")
    create_community(ana, "Platform", description="Ops.", access="public")
    slug = slug_from_url(ana.url)
    bo.goto(f"/c/{slug}/")
    with bo.expect_navigation():
        bo.locator(".community-actions").get_by_role("button", name="Join").click()
    bo.goto("/")
    bell = bo.locator("[data-bell]")
    expect(bell).to_have_attribute("data-live", "1")
    expect(bo.locator("[data-bell-count]")).to_be_hidden()

    ana.goto(f"/c/{slug}/wiki/-/new?title=Home")
    ana.fill("#title", "Home")
    body = ana.locator("#body")
    body.click()
    body.press_sequentially("Runbook owner: @b")
    option = ana.locator("#mention-suggest li[data-username=bo]")
    expect(option).to_be_visible()
    body.press("Enter")
    expect(body).to_have_value("Runbook owner: @bo ")
    with ana.expect_navigation():
        ana.locator("form.wiki-editor button[value=save]").click()
    expect(ana.locator(".wiki-body a[href='/u/bo']")).to_have_text("@bo")

    # Bo did nothing: the count arrives over the socket.
    expect(bo.locator("[data-bell-count]")).to_have_text("1")
    bell.click()
    bo.wait_for_url("**/notifications")
    link = bo.get_by_role("link", name="Ana Lima mentioned you in Home")
    with bo.expect_navigation():
        link.click()
    assert bo.url.endswith(f"/c/{slug}/wiki/home")
    expect(bo.locator("[data-bell-count]")).to_be_hidden()
    # The home stream shows Bo joining; no console errors or CSP violations anywhere.
    bo.goto("/")
    expect(bo.locator(".stream-line", has_text="Ana Lima created Home")).to_be_visible()
    expect(bo.locator(".stream-line", has_text="Bo Chen joined Platform")).to_be_visible()
    assert not watch_a.problems() and not watch_b.problems()


def test_chat_and_blog_offer_people_to_mention_and_enter_picks_without_sending(site, new_page):
    ana, watch = new_page()
    bo, _ = new_page()
    register(ana, "ada", "Ada Park")
    register(bo, "ye", "Ye Zhang")  # the only one whose names start with "y" on this module's site
    create_community(ana, "Platform Ops", description="Ops.", access="public")
    slug = slug_from_url(ana.url)

    ana.goto(f"/c/{slug}/chat/general")
    box = ana.locator("#chat-body")
    expect(box).to_be_enabled()
    box.click()
    box.press_sequentially("Deploy at five, @y")
    expect(ana.locator("#mention-suggest li[data-username=ye]")).to_be_visible()
    box.press("Enter")  # picks Ye; the message is not sent yet
    expect(box).to_have_value("Deploy at five, @ye ")
    expect(ana.locator("#mention-suggest")).to_be_hidden()
    expect(ana.locator(".chat-body")).to_have_count(0)
    box.press_sequentially("ok?")
    box.press("Enter")  # the list is closed: Enter sends
    expect(ana.locator(".chat-body a.mention[href='/u/ye']")).to_have_text("@ye")
    expect(box).to_have_value("")

    ana.goto(f"/c/{slug}/blog/new")
    body = ana.locator("#body")
    body.click()
    body.press_sequentially("Thanks to @y")
    expect(ana.get_by_role("listbox", name="People to mention").get_by_role("option")).to_have_text(["Ye Zhang @ye"])
    body.press("Enter")
    expect(body).to_have_value("Thanks to @ye ")

    # On a slow network the answer for "@ye" comes after the text has moved on: it must not open
    # the list (Enter would then pick Ye over what was typed instead of sending it).
    ana.goto(f"/c/{slug}/chat/general")
    ana.evaluate("""() => { const f = window.fetch; window.fetch = (u, o) => String(u).includes("/people/mentions")
        ? new Promise(r => setTimeout(r, 600)).then(() => f(u, o)) : f(u, o); }""")
    box = ana.locator("#chat-body")
    expect(box).to_be_enabled()
    box.click()
    box.press_sequentially("hi @ye")
    ana.wait_for_timeout(200)
    box.press_sequentially(" there")
    ana.wait_for_timeout(1200)
    expect(ana.locator("#mention-suggest")).to_be_hidden()
    box.press("Enter")
    expect(ana.locator(".chat-body", has_text="hi @ye there")).to_have_count(1)
    assert not watch.problems()
