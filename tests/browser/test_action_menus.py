"""On a phone a forum post's actions fit on one line: Like, Reply (and the asker's Accept) in sight,
the rest (Quote first) in a "⋯" menu that opens by click or from the keyboard, closes with Escape or a click elsewhere, passes
axe, and works without JavaScript (details/summary): a moderator hides and restores a post from it."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import create_community, no_horizontal_scroll, register, sign_in, slug_from_url
from .test_forum_journey import join, open_forum_with_topic, submit

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def one_line(footer) -> None:
    """Every visible part of a post's action row starts on the same line."""
    tops = footer.evaluate("(f) => [...f.children].filter(c => c.offsetParent)"
                           ".map(c => Math.round(c.getBoundingClientRect().top))")
    assert len(tops) >= 2 and max(tops) - min(tops) <= 2, f"the actions wrap: tops {tops}"


def test_post_actions_fit_a_phone_and_the_menu_works_by_click_keyboard_and_without_script(server, new_page):
    ana, watch_a = new_page(viewport=PHONE)
    bo, watch_b = new_page(viewport=PHONE)
    register(ana, "ana", "Ana Lima")
    register(bo, "bo", "Bo Chen")
    create_community(ana, "Platform", access="public")
    join(bo, slug_from_url(ana.url))
    forum_url = open_forum_with_topic(ana, title="Release checklist")
    topic_url = ana.url
    bo.goto(topic_url)
    bo.fill("#body", "Check the error budget first.")
    submit(bo, "Post reply")

    # Bo reads Ana's post and his own: one line each, the rest behind "⋯".
    for post in (bo.locator(".forum-post").first, bo.locator(".forum-post", has_text="error budget")):
        one_line(post.locator(".forum-post-actions"))
    expect(bo.locator(".forum-topic-head .forum-moderate")).to_have_count(0)

    # Ana, the owner, reads Bo's reply: one line; the menu is named for the post.
    ana.goto(topic_url)
    reply = ana.locator(".forum-post", has_text="error budget")
    one_line(reply.locator(".forum-post-actions"))
    menu = reply.locator("details.action-menu")
    summary = menu.locator("summary")
    expect(summary).to_have_attribute("aria-label", "More actions for post #2")
    expect(reply.get_by_role("button", name="Hide")).to_be_hidden()

    # From the keyboard: Enter opens it, Tab reaches its entries, Escape closes it back to the summary.
    summary.focus()
    ana.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    expect(reply.get_by_role("button", name="Hide")).to_be_visible()
    ana.keyboard.press("Tab")
    assert ana.evaluate("document.activeElement.closest('.menu-panel') !== null")
    found = [f'{v["id"]}: {v["nodes"][0]["html"][:120]}' for v in Axe().run(ana).response["violations"]]
    assert found == [], found
    assert no_horizontal_scroll(ana)[0] <= PHONE["width"]
    ana.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()

    # By click; a click elsewhere closes it; opening another closes the first.
    summary.click()
    expect(menu).to_have_attribute("open", "")
    ana.locator(".forum-topic-head h2").click()
    expect(menu).not_to_have_attribute("open", "")
    summary.click()
    ana.locator(".forum-topic-head details.action-menu > summary").click()
    expect(menu).not_to_have_attribute("open", "")
    expect(ana.locator(".forum-topic-head details.action-menu")).to_have_attribute("open", "")
    ana.keyboard.press("Escape")

    # Hide from the menu hides the post.
    summary.click()
    submit(ana, "Hide")
    expect(reply).to_contain_text("Hidden by a moderator; only moderators see it.")
    bo.goto(topic_url)
    expect(bo.locator("main")).to_contain_text("This post was hidden by a moderator.")
    expect(bo.locator("main")).not_to_contain_text("error budget")

    # Without JavaScript the menu still opens, and Restore (a form with its token) works.
    plain, _ = new_page(viewport=PHONE, javascript=False)
    sign_in(plain, "ana")
    plain.goto(topic_url)
    hidden = plain.locator(".forum-post", has_text="error budget")
    hidden.locator("details.action-menu > summary").click()
    with plain.expect_navigation():
        hidden.get_by_role("button", name="Restore").click()
    expect(plain.locator(".forum-post", has_text="error budget")).not_to_contain_text("Hidden by a moderator")

    # The asker reads a reply he may accept: Like, Reply, Accept and "⋯" on one line, in English and
    # Chinese; Quote is in the menu there, and quotes from it (as a link: without JavaScript too).
    bo.goto(forum_url + "/new")
    bo.fill("#title", "Which runner for ARM builds?")
    bo.fill("#body", "We need ARM images.")
    bo.get_by_label("This is a question").check()
    submit(bo, "Post topic")
    question_url = bo.url
    plain.goto(question_url)
    plain.fill("#body", "The new arm64 pool.")
    submit(plain, "Post reply")
    answer = plain.locator(".forum-post", has_text="arm64 pool")
    answer.locator("details.action-menu > summary").click()
    with plain.expect_navigation():
        answer.locator(".menu-panel").get_by_role("link", name="Quote").click()
    expect(plain.locator("#body")).to_contain_text("> The new arm64 pool.")
    bo.goto(question_url)
    answer = bo.locator(".forum-post", has_text="arm64 pool")
    for accept in ("Accept", "采纳"):
        one_line(answer.locator(".forum-post-actions"))
        button = answer.get_by_role("button", name="Accept as answer" if accept == "Accept" else "采纳为答案")
        assert button.inner_text().strip() == accept  # in a word, named in full
        expect(answer.locator(".forum-post-actions > .forum-quote")).to_be_hidden()
        answer.locator("details.action-menu > summary").click()
        expect(answer.locator(".menu-panel .forum-quote")).to_be_visible()
        bo.keyboard.press("Escape")
        if accept == "Accept":
            with bo.expect_navigation():
                bo.locator("form.languages button[value=zh_Hans]").click()
    assert watch_a.problems() == [] and watch_b.problems() == []
