"""The forums in Debian's Chromium against the real server: an owner opens a forum, a member asks
(similar topics suggested while typing the title), someone answers, the asker accepts the answer,
a spam reply is flagged and a moderator hides it from the review queue."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import create_community, flash_text, open_actions, register, slug_from_url

pytestmark = pytest.mark.browser


def join(page, slug, label="Join"):
    page.goto(f"/c/{slug}/")
    with page.expect_navigation():
        page.locator(".community-actions").get_by_role("button", name=label).click()


def submit(page, label):
    with page.expect_navigation():
        page.get_by_role("button", name=label).click()


def open_forum_with_topic(page, title="Deploying the billing service") -> str:
    """From a community's page: a forum made from the Forums tab, and a first topic in it; returns
    the forum's address (the page is left on the topic)."""
    page.locator("nav.tabs").get_by_role("link", name="Forums").click()
    page.get_by_role("link", name="Create the first one").click()
    page.fill("#name", "Help")
    page.fill("#description", "Ask anything about the platform.")
    submit(page, "Save")
    assert "is ready" in flash_text(page)
    page.get_by_role("link", name="New topic").click()
    page.fill("#title", title)
    page.fill("#body", "Notes on deploys.")
    submit(page, "Post topic")
    return page.locator(".forum-topic-head a").first.get_attribute("href")


def test_ask_answer_accept_flag_moderate(site, new_page):
    ana, watch_a = new_page()
    bo, watch_b = new_page()
    cy, watch_c = new_page()
    register(ana, "ana", "Ana Lima")
    register(bo, "bo", "Bo Chen")
    register(cy, "cy", "Cy Park")
    create_community(ana, "Platform", description="Ops.", access="public")
    slug = slug_from_url(ana.url)
    join(bo, slug)
    join(cy, slug)

    # The owner opens a forum from the Forums tab and starts a topic.
    forum_url = open_forum_with_topic(ana)

    # Bo asks; typing the title suggests the similar topic.
    bo.goto(forum_url)
    bo.get_by_role("link", name="Ask a question").click()
    expect(bo.locator("#is_question")).to_be_checked()
    bo.locator("#title").press_sequentially("How do I deploy billing?", delay=20)
    expect(bo.locator(".forum-similar")).to_contain_text("Deploying the billing service")
    bo.fill("#body", "The script **fails** on step 3.")
    bo.fill("#tags", "deploy, billing")
    submit(bo, "Post topic")
    expect(bo.locator(".forum-topic-head h2")).to_have_text("How do I deploy billing?")
    expect(bo.locator(".forum-body strong")).to_have_text("fails")
    topic_url = bo.url
    # The related list is fetched once the page is there (the page never waits for its search).
    expect(bo.get_by_test_id("related")).to_contain_text("Deploying the billing service")

    # Ana answers; Cy posts spam.
    ana.goto(topic_url)
    ana.fill("#body", "Run `make deploy ENV=prod` after the migration.")
    submit(ana, "Post reply")
    expect(ana.locator(".forum-post").last).to_contain_text("make deploy")
    cy.goto(topic_url)
    cy.fill("#body", "Cheap watches at example.com")
    submit(cy, "Post reply")

    # Bo accepts Ana's answer: it shows under the question and the topic is answered.
    bo.goto(topic_url)
    answer = bo.locator(".forum-post", has_text="make deploy")
    with bo.expect_navigation():
        answer.get_by_role("button", name="Accept as answer").click()
    expect(bo.locator(".forum-answer-box")).to_contain_text("make deploy")
    expect(bo.locator(".forum-topic-head")).to_contain_text("Answered")
    bo.goto(forum_url + "?show=answered")
    expect(bo.locator(".forum-topics")).to_contain_text("How do I deploy billing?")

    # Bo flags the spam.
    bo.goto(topic_url)
    spam = bo.locator(".forum-post", has_text="Cheap watches")
    open_actions(spam)
    spam.get_by_role("link", name="Flag").click()
    bo.check("input[name=reason][value=spam]")
    submit(bo, "Send flag")
    assert "moderators will look" in flash_text(bo)

    # Ana, the owner, reviews the community's moderation queue and hides it.
    ana.goto(topic_url)
    ana.locator(".forum-subnav").get_by_role("link", name="Moderation queue").click()
    item = ana.locator(".mod-item")
    expect(item).to_contain_text("Cheap watches")
    expect(item).to_contain_text("Spam or advertising")
    item.locator("input[name=reason]").fill("Spam")
    with ana.expect_navigation():
        item.get_by_role("button", name="Hide").click()
    expect(ana.locator("main")).to_contain_text("Nothing to review")
    bo.goto(topic_url)
    expect(bo.locator("main")).not_to_contain_text("Cheap watches")
    expect(bo.locator("main")).to_contain_text("hidden by a moderator")

    for page, w in ((ana, watch_a), (bo, watch_b), (cy, watch_c)):
        assert page.evaluate("window.__cspViolations") == []
        assert w.problems() == []


def test_forum_list_keeps_the_card_inner_space(site, new_page):
    """On the forums page the heading lines up with the 'New forum' button beside it, and each
    forum's name and counts sit inside the card's padding, as on every other card."""
    ana, watch = new_page()
    register(ana, "ana-list", "Ana Lima")
    create_community(ana, "Platform", access="public")
    slug = slug_from_url(ana.url)
    ana.goto(f"/c/{slug}/forums/new-forum")
    ana.fill("#name", "Help")
    ana.fill("#description", "Questions about the platform.")
    submit(ana, "Save")
    ana.goto(f"/c/{slug}/forums/")
    heading = ana.get_by_role("heading", name="Forums", exact=True).bounding_box()
    button = ana.get_by_role("link", name="New forum").bounding_box()
    off = abs((heading["y"] + heading["height"] / 2) - (button["y"] + button["height"] / 2))
    assert off <= 3, f"the heading's middle is {off}px off the button's"
    card = ana.locator(".forum-list").bounding_box()
    name = ana.get_by_role("link", name="Help", exact=True).bounding_box()
    counts = ana.locator(".forum-row > .nowrap").bounding_box()
    assert name["x"] - card["x"] >= 16, f"the forum's name is {name['x'] - card['x']}px from the card's edge"
    right = card["x"] + card["width"] - (counts["x"] + counts["width"])
    assert right >= 16, f"the topic count is {right}px from the card's edge"
    assert watch.problems() == []


def test_a_reply_to_a_topic_deleted_meanwhile_comes_back_to_copy(site, new_page):
    """Bo types a reply while Ana deletes the topic: sending it shows why it was not posted and
    his text, which the Copy button puts on the clipboard."""
    ana, _ = new_page()
    bo, _ = new_page(locale="zh-CN")
    register(ana, "ana-gone", "Ana Lima")
    register(bo, "bo-gone", "Bo Chen")
    create_community(ana, "Platform", access="public")
    join(bo, slug_from_url(ana.url), "加入")
    open_forum_with_topic(ana, title="Release checklist")
    topic_url = ana.url
    bo.goto(topic_url)
    typed = "先检查仪表盘，再检查错误预算。Then the on-call rota."
    bo.fill("#body", typed)
    ana.once("dialog", lambda dialog: dialog.accept())
    open_actions(ana.locator(".forum-topic-head"))
    submit(ana, "Delete topic")
    bo.context.grant_permissions(["clipboard-read", "clipboard-write"])
    submit(bo, "发布回复")
    unsaved = bo.get_by_test_id("unsaved")
    expect(unsaved.get_by_role("heading")).to_have_text("你的内容没有保存")
    expect(unsaved.locator("textarea")).to_have_value(typed)
    unsaved.get_by_role("button", name="复制文本").click()
    expect(unsaved.get_by_role("button", name="已复制")).to_be_visible()
    assert bo.evaluate("navigator.clipboard.readText()") == typed
