"""Full-page screenshots of moderation, for looking at the design.

    .venv/bin/python tests/browser/moderation_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, fills a community through the UI (a flagged
forum topic, blog post and wiki page, pre-moderation on and a new member's topic waiting), then
saves moderation-*.png (English and Chinese, desktop and phone) into OUTDIR.
"""
from __future__ import annotations

from shots import PHONE, cli, click_and_wait, join, open_actions, shooter, submit


def post(page, url, title, body, button):
    page.goto(url)
    page.fill("#title", title)
    page.fill("#body", body)
    submit(page, button)
    return page.url


def flag(page, url, where, reason, details=""):
    page.goto(url)
    if page.locator(where).locator("details.action-menu").count():
        open_actions(page.locator(where))
    page.locator(where).get_by_role("link", name="Flag").click()
    page.check(f"input[name=reason][value={reason}]")
    if details:
        page.fill("#details", details)


def run(outdir: str) -> int:
    with shooter(outdir, prefix="moderation-") as s:
        ana, bo, cy = s.person("ana", "Ana Lima"), s.person("bo", "陈博 Bo Chen"), s.person("cy", "Cy Park")
        slug = s.community(ana, "Platform Engineering", description="Deployments and on-call.", access="public",
                           members=[bo, cy])
        ana.goto(f"/c/{slug}/forums/new-forum")
        ana.fill("#name", "Help")
        submit(ana, "Save")
        forum_url = ana.url
        topic_url = post(cy, forum_url + "/new", "Cheap watches, 90% off",
                         "Visit example.com for **amazing** deals on watches!", "Post topic")
        blog_url = post(cy, f"/c/{slug}/blog/new", "我对新版发布流程的看法",
                        "这篇文章和平台工程没有什么关系，只是一些抱怨。", "Publish now")
        wiki_url = post(cy, f"/c/{slug}/wiki/-/new", "Salary list", "Everyone's salary, copied from HR.",
                        "Create page")

        flag(bo, topic_url, ".forum-post >> nth=0", "spam", "Advertising, third time this week")
        s.shoot(bo, "flag-form")
        submit(bo, "Send flag")
        flag(bo, blog_url, ".blog-foot", "off_topic")
        submit(bo, "Send flag")
        flag(bo, wiki_url, ".wiki-actions", "confidential", "HR data must not be on the wiki")
        submit(bo, "Send flag")

        ana.goto(f"/c/{slug}/moderation/")
        submit(ana, "Turn pre-moderation on")
        dee = s.person("dee", "Dee Okafor")
        join(dee, slug)
        post(dee, forum_url + "/new", "Hello, I am new here", "Looking forward to working with you all.",
             "Post topic")
        s.shoot(dee, "pending-author")

        s.shoot(ana, "queue", f"/c/{slug}/moderation/")
        zh = s.signed_in("ana", locale="zh-CN")
        s.shoot(zh, "queue-zh", f"/c/{slug}/moderation/")
        phone = s.signed_in("ana", viewport=PHONE)
        s.shoot(phone, "queue-phone", f"/c/{slug}/moderation/")
        item = ana.locator(".mod-item", has_text="Salary list")
        item.locator("input[name=reason]").fill("Confidential HR data")
        click_and_wait(ana, item.get_by_role("button", name="Delete"))
        s.shoot(ana, "confirm")
        s.shoot(zh, "site-queue-zh", "/admin/moderation")
    return 0


if __name__ == "__main__":
    cli(run, __doc__, default="screenshots")
