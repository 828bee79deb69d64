"""What people type into a forum reply, a new topic or a post's edit form stays in their browser
until the server has taken it (static/js/drafts.js): leaving the page, an expired form token or an
expired sign-in lose nothing; a successful post, Discard or signing out remove it; a draft never
replaces text that changed since it was written, and never shows up for another account."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, create_community, register, sign_in, sign_out, slug_from_url
from .test_forum_journey import join, open_forum_with_topic, submit

pytestmark = pytest.mark.browser

DRAFT_KEYS = "Object.keys(localStorage).filter(k => k.startsWith('collab-draft:'))"


def leave_and_return(page, url):
    page.goto("/")
    page.goto(url)


def test_a_reply_stays_in_the_browser_until_it_is_posted(site, new_page):
    ana, _ = new_page()
    bo, watch = new_page()
    register(ana, "ana-r", "Ana Lima")
    register(bo, "bo-r", "Bo Chen")
    create_community(ana, "Platform", access="public")
    join(bo, slug_from_url(ana.url))
    open_forum_with_topic(ana, title="Release checklist")
    topic = ana.url.split("#")[0]

    typed = "Check the dashboards first, then the error budget. 先看仪表盘。"
    bo.goto(topic)
    bo.fill("#body", typed)
    leave_and_return(bo, topic)
    expect(bo.locator("#body")).to_have_value(typed)
    note = bo.locator(".draft-note")
    expect(note).to_contain_text("Restored your unsent text from")

    # The form's token expired: the server refuses it, the text is still there on the next visit.
    bo.evaluate("document.querySelector('#body').form.querySelector('[name=csrf_token]').value = 'expired'")
    submit(bo, "Post reply")
    expect(bo.get_by_role("heading", name="The form expired")).to_be_visible()
    bo.goto(topic)
    expect(bo.locator("#body")).to_have_value(typed)

    # Posted: the reply is in the thread and the box is empty from then on.
    submit(bo, "Post reply")
    expect(bo.locator(".forum-post", has_text="Check the dashboards first")).to_be_visible()
    expect(bo.locator("#body")).to_have_value("")
    expect(bo.locator(".draft-note")).to_have_count(0)
    bo.reload()
    expect(bo.locator("#body")).to_have_value("")
    assert bo.evaluate(DRAFT_KEYS) == []

    # Discard puts the form back as it was, for good.
    bo.fill("#body", "Second thoughts")
    leave_and_return(bo, topic)
    expect(bo.locator("#body")).to_have_value("Second thoughts")
    bo.locator(".draft-note").get_by_role("button", name="Discard").click()
    expect(bo.locator("#body")).to_have_value("")
    expect(bo.locator(".draft-note")).to_have_count(0)
    bo.reload()
    expect(bo.locator("#body")).to_have_value("")

    # Bo's sign-in ends while he types (he changed his password on his phone): sending takes him to
    # the sign-in page, and once he is back the text is there.
    bo.fill("#body", "Typed while the session ran out")
    phone, _ = new_page()
    sign_in(phone, "bo-r")
    phone.goto("/settings/password")
    phone.fill("#current", PASSWORD)
    phone.fill("#password", "a-new-password-1")
    phone.fill("#confirm", "a-new-password-1")
    submit(phone, "Change password")
    submit(bo, "Post reply")
    assert "/login" in bo.url
    sign_in(bo, "bo-r", password="a-new-password-1")
    bo.goto(topic)
    expect(bo.locator("#body")).to_have_value("Typed while the session ran out")
    expect(bo.locator(".forum-post", has_text="Typed while the session ran out")).to_have_count(0)

    # Two clicks on Post reply: one reply, and the box is empty afterwards, not "restored".
    with bo.expect_navigation():
        bo.evaluate("() => { const f = document.querySelector('#body').form; f.requestSubmit(); f.requestSubmit(); }")
    expect(bo.locator(".forum-post", has_text="Typed while the session ran out")).to_have_count(1)
    expect(bo.locator("#body")).to_have_value("")
    expect(bo.locator(".draft-note")).to_have_count(0)
    leave_and_return(bo, topic)
    expect(bo.locator("#body")).to_have_value("")

    # Half a reply, then Quote (the page comes back with the quote in the box): the half reply is
    # offered beside it, and typing after the quote never writes over it.
    bo.fill("#body", "A long reply I was writing")
    with bo.expect_navigation():
        bo.locator("a.forum-quote").first.click()
    expect(bo.locator("#body")).to_have_value(re.compile("wrote"))
    offered = bo.locator("details.draft-stale")
    expect(offered.locator("summary")).to_contain_text("was not put back")
    bo.locator("#body").press("End")
    bo.locator("#body").press_sequentially(" I agree.")
    leave_and_return(bo, topic)
    offered.locator("summary").click()
    expect(offered.locator("textarea").first).to_have_value(re.compile("I agree"))
    expect(offered.locator("textarea").nth(1)).to_have_value("A long reply I was writing")

    # Signing out removes every draft: the next person at this browser finds nothing.
    sign_out(bo)
    assert bo.evaluate(DRAFT_KEYS) == []
    sign_in(bo, "bo-r", password="a-new-password-1")
    bo.goto(topic)
    expect(bo.locator("#body")).to_have_value("")
    # The refused posts (400) are the only complaints in the console.
    assert not [p for p in watch.problems() if "status of 400" not in p]


def test_a_new_topic_comes_back_whole_in_chinese_and_an_old_edit_is_offered_never_applied_over_a_newer_text(site, new_page):
    ana, _ = new_page()
    bo, watch = new_page(locale="zh-CN")
    bo_elsewhere, _ = new_page()
    cy, _ = new_page()
    register(ana, "ana-t", "Ana Lima")
    register(bo, "bo-t", "Bo Chen")
    create_community(ana, "Platform", access="public")
    slug = slug_from_url(ana.url)
    join(bo, slug, "加入")
    forum = open_forum_with_topic(ana, title="Release checklist")

    # A new topic: title, text and tags all come back, with the note in Chinese.
    bo.goto(forum)
    bo.get_by_role("link", name="新主题").click()
    new_topic = bo.url
    bo.fill("#title", "灰度发布要多久？")
    bo.fill("#body", "我们现在是 10 分钟，太短了吗？")
    bo.fill("#tags", "发布, canary")
    leave_and_return(bo, new_topic)
    expect(bo.locator("#title")).to_have_value("灰度发布要多久？")
    expect(bo.locator("#body")).to_have_value("我们现在是 10 分钟，太短了吗？")
    expect(bo.locator("#tags")).to_have_value("发布, canary")
    expect(bo.locator(".draft-note")).to_contain_text("已恢复你")
    expect(bo.locator(".draft-note").get_by_role("button", name="丢弃")).to_be_visible()
    submit(bo, "发布主题")
    expect(bo.get_by_role("heading", name="灰度发布要多久？")).to_be_visible()
    post_edit = bo.locator(".forum-post a[href$='/edit']").first.get_attribute("href")

    # Bo starts an edit here and leaves it; from another computer he saves a different edit.
    bo.goto(post_edit)
    bo.fill("#body", "An edit written on the laptop")
    bo.goto("/")
    sign_in(bo_elsewhere, "bo-t")
    bo_elsewhere.goto(post_edit)
    bo_elsewhere.fill("#body", "The text as it is now, saved from the phone")
    submit(bo_elsewhere, "Save")
    # Back on the laptop: the form shows the saved text; the old draft does not replace it, it is
    # offered to copy from.
    bo.goto(post_edit)
    expect(bo.locator("#body")).to_have_value("The text as it is now, saved from the phone")
    stale = bo.locator("details.draft-stale")
    expect(stale.locator("summary")).to_contain_text("没有放回")
    stale.locator("summary").click()
    expect(stale.locator("textarea")).to_have_value("An edit written on the laptop")
    stale.get_by_role("button", name="丢弃").click()
    expect(stale).to_have_count(0)
    bo.reload()
    expect(bo.locator(".draft-note")).to_have_count(0)
    expect(bo.locator("#body")).to_have_value("The text as it is now, saved from the phone")

    # Another account signing in at this browser never sees Bo's drafts (they are removed).
    bo.fill("#body", "Bo's unsent words")
    bo.goto("/")
    assert len(bo.evaluate(DRAFT_KEYS)) == 1
    bo.context.clear_cookies()
    register(cy, "cy-t", "Cy Park")
    sign_in(bo, "cy-t")
    assert bo.evaluate(DRAFT_KEYS) == []
    assert not watch.problems()


def test_a_chat_message_being_written_waits_in_its_room(site, new_page):
    ana, watch = new_page()
    register(ana, "ana-c", "Ana Lima")
    create_community(ana, "Platform", access="public")
    room = f"/c/{slug_from_url(ana.url)}/chat/general"
    ana.goto(room)
    box = ana.locator("#chat-body")
    expect(box).to_be_enabled()
    box.fill("Half a thought about the deploy")
    leave_and_return(ana, room)
    expect(box).to_be_enabled()
    expect(box).to_have_value("Half a thought about the deploy")
    expect(ana.locator(".draft-note")).to_contain_text("Restored your unsent text")
    box.press("Enter")
    expect(ana.locator(".chat-messages .chat-body", has_text="Half a thought")).to_have_count(1)
    expect(box).to_have_value("")
    ana.reload()
    expect(box).to_be_enabled()
    expect(ana.locator(".chat-messages .chat-body", has_text="Half a thought")).to_have_count(1)
    expect(box).to_have_value("")
    expect(ana.locator(".draft-note")).to_have_count(0)
    assert not watch.problems()
