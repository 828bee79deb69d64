"""One moderation queue in Debian's Chromium against the real server: a reader flags a forum topic
and a blog post, the owner finds both in the community's Moderation tab with reporter and reason,
hides one (the reason reaches the author) and deletes the other after confirming."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import create_community, flash_text, open_actions, register, slug_from_url

pytestmark = pytest.mark.browser


def submit(page, label):
    with page.expect_navigation():
        page.get_by_role("button", name=label).click()


def test_flag_queue_resolve(server, new_page):
    ana, watch_a = new_page()
    bo, watch_b = new_page()
    cy, watch_c = new_page()
    register(ana, "ana", "Ana Lima")
    register(bo, "bo", "Bo Chen")
    register(cy, "cy", "Cy Park")
    create_community(ana, "Support", description="Help.", access="public")
    slug = slug_from_url(ana.url)
    for page in (bo, cy):
        page.goto(f"/c/{slug}/")
        with page.expect_navigation():
            page.locator(".community-actions").get_by_role("button", name="Join").click()

    # Ana opens a forum; Cy posts a spam topic and a blog post.
    ana.goto(f"/c/{slug}/forums/new-forum")
    ana.fill("#name", "Help")
    submit(ana, "Save")
    forum_url = ana.url
    cy.goto(forum_url)
    cy.get_by_role("link", name="New topic").click()
    cy.fill("#title", "Cheap watches")
    cy.fill("#body", "Buy them at example.com")
    submit(cy, "Post topic")
    topic_url = cy.url
    cy.goto(f"/c/{slug}/blog/new")
    cy.fill("#title", "Off-topic rant")
    cy.fill("#body", "Nothing to do with support.")
    submit(cy, "Publish now")
    post_url = cy.url

    # Bo flags both: the form says what is wrong and keeps what he typed on a mistake.
    bo.goto(topic_url)
    opening = bo.locator(".forum-post").first
    open_actions(opening)
    opening.get_by_role("link", name="Flag").click()
    expect(bo.locator("h1")).to_have_text("Flag for the moderators")
    bo.check("input[name=reason][value=other]")
    submit(bo, "Send flag")
    expect(bo.locator(".errors")).to_contain_text("Say what is wrong")
    bo.check("input[name=reason][value=spam]")
    bo.fill("#details", "advertising watches")
    submit(bo, "Send flag")
    assert "moderators will look" in flash_text(bo)
    assert bo.url.endswith(topic_url.split(server.url)[-1])
    bo.goto(post_url)
    bo.locator(".blog-foot").get_by_role("link", name="Flag").click()
    bo.check("input[name=reason][value=off_topic]")
    submit(bo, "Send flag")

    # Ana's Moderation tab lists both, with reporter and reason.
    ana.goto(f"/c/{slug}/")
    ana.locator("nav.tabs").get_by_role("link", name="Moderation").click()
    items = ana.locator(".mod-item")
    expect(items).to_have_count(2)
    watch_item = items.filter(has_text="Cheap watches")
    expect(watch_item).to_contain_text("Bo Chen")
    expect(watch_item).to_contain_text("Spam or advertising")
    expect(watch_item).to_contain_text("advertising watches")
    watch_item.locator("input[name=reason]").fill("Advertising is not allowed here")
    with ana.expect_navigation():
        watch_item.get_by_role("button", name="Hide").click()
    assert "was hidden" in flash_text(ana)
    expect(items).to_have_count(1)

    # Delete asks for confirmation first.
    rant = items.filter(has_text="Off-topic rant")
    rant.locator("input[name=reason]").fill("Wrong place")
    with ana.expect_navigation():
        rant.get_by_role("button", name="Delete").click()
    expect(ana.locator("h1")).to_have_text("Delete this for good?")
    expect(ana.locator("#reason")).to_have_value("Wrong place")
    submit(ana, "Delete")
    expect(ana.locator("main")).to_contain_text("Nothing to review")

    # Readers no longer see either; the author sees the topic is hidden and is told why.
    bo.goto(topic_url)
    expect(bo.locator("main")).not_to_contain_text("Buy them at example.com")
    bo.goto(f"/c/{slug}/blog/")
    expect(bo.locator("main")).not_to_contain_text("Off-topic rant")
    cy.goto("/notifications")
    note = cy.locator("main").get_by_role("link", name="Cheap watches").first
    with cy.expect_navigation():
        note.click()
    expect(cy.locator("main")).to_contain_text("Advertising is not allowed here")
    expect(cy.locator("main")).to_contain_text("hidden")

    for page, w in ((ana, watch_a), (bo, watch_b), (cy, watch_c)):
        assert page.evaluate("window.__cspViolations") == []
        # the one mistaken flag was answered 400 on purpose
        assert [p for p in w.problems() if not ("400 (BAD REQUEST)" in p and p.endswith("/moderation/flag"))] == []
