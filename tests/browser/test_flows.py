"""Knowledge flows in Debian's Chromium against the real server: two people talk in a chat room,
one picks two messages and starts a forum topic from them, edits the prefilled topic and posts
it; the topic says it came from the chat (linked to the messages) and the room links the topic."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import create_community, flash_text, open_actions, register, say, slug_from_url

pytestmark = pytest.mark.browser


def test_chat_messages_become_a_forum_topic(site, new_page):
    ana, watch_a = new_page()
    bo, watch_b = new_page()
    register(ana, "ana", "Ana Lima")
    register(bo, "bo", "Bo Chen")
    create_community(ana, "Platform", description="Ops.", access="public")
    slug = slug_from_url(ana.url)
    bo.goto(f"/c/{slug}/")
    with bo.expect_navigation():
        bo.locator(".community-actions").get_by_role("button", name="Join").click()
    # A forum to post in.
    ana.goto(f"/c/{slug}/forums/")
    ana.get_by_role("link", name="Create the first one").click()
    ana.fill("#name", "Help")
    with ana.expect_navigation():
        ana.get_by_role("button", name="Save").click()

    for page in (ana, bo):
        page.goto(f"/c/{slug}/chat/general")
        expect(page.locator("[data-status]")).to_have_text("Live")
    say(ana, "Why do the nightly builds fail?")
    say(bo, "The cache volume fills up; we should prune it weekly.")
    say(ana, "Lunch anyone?")
    expect(bo.locator("[data-messages] > li.chat-msg[data-seq]")).to_have_count(3)

    # The message's own action opens the picker with it ticked; a neighbour is ticked too.
    first = bo.locator("[data-messages] > li.chat-msg[data-seq='1']")
    first.hover()
    first.get_by_role("link", name="Start a forum topic").click()
    bo.wait_for_url("**/to-forum?**")
    expect(bo.get_by_label("Why do the nightly builds fail?")).to_be_checked()
    expect(bo.get_by_label("Lunch anyone?")).not_to_be_checked()
    bo.get_by_label("The cache volume fills up", exact=False).check()
    with bo.expect_navigation():
        bo.get_by_role("button", name="Start a forum topic from this").click()
    expect(bo.locator("#title")).to_have_value("Why do the nightly builds fail?")
    body = bo.locator("#body").input_value()
    assert "> Why do the nightly builds fail?" in body and "Lunch" not in body
    assert "**Ana Lima**" in body and "**Bo Chen**" in body
    bo.fill("#title", "Nightly builds fail: prune the cache")
    bo.fill("#body", body + "\nAgreed fix: a weekly prune job.")
    bo.select_option("#place", label="Help")
    with bo.expect_navigation():
        bo.get_by_role("button", name="Post topic").click()
    assert "/forums/t/" in bo.url
    assert "Saved" in flash_text(bo)
    expect(bo.locator("h2")).to_contain_text("Nightly builds fail: prune the cache")
    origin = bo.get_by_test_id("flow-origin")
    expect(origin).to_contain_text("From the chat")
    expect(bo.locator(".prose blockquote").first).to_contain_text("Why do the nightly builds fail?")

    # The quoted message links back to the chat history, where the message is.
    with bo.expect_navigation():
        bo.locator(".prose a[href*='/chat/general/history?at=1']").first.click()
    expect(bo.locator("#m1")).to_contain_text("Why do the nightly builds fail?")

    # The room tells its readers where the conversation went.
    ana.reload()
    derived = ana.get_by_test_id("flow-derived")
    expect(derived).to_contain_text("Nightly builds fail: prune the cache")
    with ana.expect_navigation():
        derived.get_by_role("link", name="Nightly builds fail: prune the cache").click()
    assert "/forums/t/" in ana.url
    assert watch_a.problems() == [] and watch_b.problems() == []


def post_form(page, button: str, **fields) -> None:
    """Fill the fields (by id) of the page's form and press its ``button``."""
    for name, value in fields.items():
        page.fill(f"#{name}", value)
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_flow_actions_sit_in_the_topic_menu_not_an_empty_callout(site, new_page):
    """A topic that came from nowhere and went nowhere yet offers 'Turn into a wiki page' in its
    header's menu (the moderator's Moderate menu), with no empty provenance box for it."""
    ana, watch_a = new_page()
    bo, watch_b = new_page()
    register(ana, "ana-menu", "Ana Lima")
    register(bo, "bo-menu", "Bo Chen")
    create_community(ana, "Platform", access="public")
    slug = slug_from_url(ana.url)
    bo.goto(f"/c/{slug}/")
    with bo.expect_navigation():
        bo.locator(".community-actions").get_by_role("button", name="Join").click()
    ana.goto(f"/c/{slug}/forums/new-forum")
    post_form(ana, "Save", name="Help")
    ana.goto(ana.url + "/new?question=1")
    post_form(ana, "Post topic", title="How do I roll back?", body="The canary failed.")
    topic = ana.url
    bo.goto(topic)
    post_form(bo, "Post reply", body="Run the previous tag's pipeline.")
    ana.goto(topic)
    with ana.expect_navigation():
        ana.locator(".forum-post", has_text="previous tag").get_by_role("button", name="Accept as answer").click()
    expect(ana.get_by_test_id("flow-provenance")).to_have_count(0)
    head = ana.locator(".forum-topic-head")
    open_actions(head)
    expect(head.get_by_role("link", name="Turn into a wiki page")).to_be_visible()
    # Bo, a member but no moderator, finds it in the topic's "⋯" menu.
    bo.goto(topic)
    expect(bo.locator(".forum-moderate")).to_have_count(0)
    open_actions(bo.locator(".forum-topic-head"))
    expect(bo.locator(".forum-topic-head").get_by_role("link", name="Turn into a wiki page")).to_be_visible()
    assert watch_a.problems() == [] and watch_b.problems() == []
