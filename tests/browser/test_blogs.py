"""The blog in Debian's Chromium against the real server: write a post, publish it, comment and
reply as another person, like it, then run an idea campaign and vote (and take the vote back)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import create_community, flash_text, register, sign_in, slug_from_url

pytestmark = pytest.mark.browser


def test_write_publish_comment_and_vote(server, new_page):
    ana, watch_a = new_page()
    bo, watch_b = new_page()
    register(ana, "ana", "Ana Lima")
    register(bo, "bo", "Bo Chen")
    create_community(ana, "Launch Team", description="Ships things.", access="public")
    slug = slug_from_url(ana.url)
    bo.goto(f"/c/{slug}/")
    with bo.expect_navigation():
        bo.locator(".community-actions").get_by_role("button", name="Join").click()

    # Ana writes a draft, then publishes it.
    ana.goto(f"/c/{slug}/")
    ana.locator("nav.tabs").get_by_role("link", name="Blog").click()
    ana.get_by_role("link", name="Write a post").first.click()
    ana.fill("#title", "Lessons from the launch")
    ana.fill("#summary", "Three things we would do again.")
    ana.fill("#body", "## What worked\n\n- **Small** releases\n- Feature flags\n")
    ana.fill("#tags", "launch, retro")
    with ana.expect_navigation():
        ana.get_by_role("button", name="Save as draft").click()
    assert "draft is saved" in flash_text(ana)
    expect(ana.locator(".flash-info")).to_contain_text("Draft: only you see this post.")
    post_url = ana.url
    bo.goto(post_url)
    expect(bo.locator("h1")).to_have_text("Not found")
    ana.get_by_role("link", name="Edit").click()
    with ana.expect_navigation():
        ana.get_by_role("button", name="Publish now").click()
    assert "published" in flash_text(ana)
    expect(ana.locator(".blog-body strong")).to_have_text("Small")

    # Bo reads it from the blog, comments and likes; Ana replies.
    bo.goto(f"/c/{slug}/blog/")
    bo.get_by_role("link", name="Lessons from the launch").click()
    expect(bo.locator(".blog-meta")).to_contain_text("1 minute read")
    bo.fill("#body", "Feature flags saved us twice.")
    with bo.expect_navigation():
        bo.get_by_role("button", name="Comment", exact=True).click()
    expect(bo.locator(".blog-comment").first).to_contain_text("Feature flags saved us twice.")
    with bo.expect_navigation():
        bo.get_by_role("button", name="♡ Like").click()
    expect(bo.locator("[data-testid=like-count]")).to_have_text("1 like")
    ana.reload()
    ana.locator(".blog-reply summary").first.click()
    ana.locator(".blog-reply textarea").first.fill("Agreed, keep them.")
    with ana.expect_navigation():
        ana.locator(".blog-reply button[type=submit]").first.click()
    expect(ana.locator(".blog-replies")).to_contain_text("Agreed, keep them.")

    # A comment's rarer actions are in its "⋯" menu: Ana (the owner) may flag or remove Bo's.
    comment = ana.locator(".blog-comment", has_text="Feature flags saved us twice.").first
    menu = comment.locator("details.action-menu").first
    expect(menu.locator("summary")).to_have_accessible_name("More actions for the comment by Bo Chen")
    expect(comment.get_by_role("button", name="Remove")).to_be_hidden()
    menu.locator("summary").click()
    expect(comment.get_by_role("link", name="Flag")).to_be_visible()
    expect(comment.get_by_role("button", name="Remove")).to_be_visible()
    ana.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    # Without JavaScript Bo opens his comment's menu and deletes it (a form with its token).
    plain, _ = new_page(javascript=False)
    sign_in(plain, "bo")
    plain.goto(post_url)
    mine = plain.locator(".blog-comment", has_text="Feature flags saved us twice.").first
    expect(mine.get_by_role("link", name="Edit")).to_be_hidden()
    mine.locator("details.action-menu > summary").first.click()
    expect(mine.get_by_role("link", name="Edit")).to_be_visible()
    with plain.expect_navigation():
        mine.get_by_role("button", name="Delete").click()
    expect(plain.locator(".blog-comment").first).to_contain_text("Deleted by its author.")

    # Ana opens an idea campaign; Bo submits an idea and votes; Ana votes too, Bo takes his back.
    ana.goto(f"/c/{slug}/blog/ideas/")
    ana.get_by_role("link", name="Open a campaign").click()
    ana.fill("#title", "Next quarter")
    ana.fill("#description", "What should we **build** next?")
    with ana.expect_navigation():
        ana.get_by_role("button", name="Open the campaign").click()
    campaign_url = ana.url
    bo.goto(campaign_url)
    bo.fill("#title", "Dark mode")
    bo.fill("#body", "Night owls need it.")
    with bo.expect_navigation():
        bo.get_by_role("button", name="Submit", exact=True).click()
    assert "idea is submitted" in flash_text(bo)
    with bo.expect_navigation():
        bo.get_by_role("button", name="Vote", exact=True).click()
    assert "vote is counted" in flash_text(bo)
    expect(bo.locator(".idea-votes")).to_have_text("1")
    ana.goto(campaign_url)
    with ana.expect_navigation():
        ana.get_by_role("button", name="Vote", exact=True).click()
    expect(ana.locator(".idea-votes")).to_have_text("2")
    bo.reload()
    with bo.expect_navigation():
        bo.get_by_role("button", name="Take back").click()
    expect(bo.locator(".idea-votes")).to_have_text("1")
    # Ana accepts the idea with a comment.
    ana.get_by_role("link", name="Dark mode").click()
    ana.select_option("#status", "accepted")
    ana.fill("#comment", "Planned for May.")
    with ana.expect_navigation():
        ana.get_by_role("button", name="Change the status").last.click()
    expect(ana.locator(".idea-status").first).to_have_text("Accepted")
    # The only error either browser saw is the 404 Bo got for Ana's draft.
    assert not watch_a.problems(), watch_a.problems()
    assert [p for p in watch_b.problems() if not ("404" in p and p.endswith(post_url))] == []
