"""Full-page screenshots of the knowledge flows, for looking at the design.

    .venv/bin/python tests/browser/flows_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, talks in a chat room, starts a forum topic
from two messages, turns an answered question into a wiki page, opens the copy page, and saves
flows-*.png (English and Chinese: the pickers, the draft forms, provenance, related content).
"""
from __future__ import annotations

import time

from shots import answer_rollback_question, cli, open_actions, say, shooter, submit


def run(outdir: str) -> int:
    with shooter(outdir, prefix="flows-") as s:
        ana, bo = s.ana_and_bo()
        data_slug = s.community(ana, "Data Team", description="Pipelines.", access="restricted")
        slug = s.community(ana, "Platform Engineering", description="Deployments and on-call.", access="public",
                           members=[bo])
        for c in (slug, data_slug):
            ana.goto(f"/c/{c}/forums/new-forum")
            ana.fill("#name", "Help")
            submit(ana, "Save")
        # Content for related lists.
        for title, body in (("Deploy runbook", "How we deploy: canary, then roll out. Roll back with the previous tag."),
                            ("On-call handbook", "Who is on call, escalation, incident tickets and deploy freezes.")):
            ana.goto(f"/c/{slug}/wiki/-/new")
            ana.fill("#title", title)
            ana.fill("#body", body)
            submit(ana, "Create page")
        ana.goto(f"/c/{slug}/blog/new")
        ana.fill("#title", "What we learned from last month's deploy incidents")
        ana.fill("#body", "Roll back first, debug later. 先回滚，再排查。")
        submit(ana, "Publish now")

        # Chat -> forum topic.
        for p in (ana, bo):
            p.goto(f"/c/{slug}/chat/general")
            p.locator("[data-status]").filter(has_text="Live").wait_for()
        say(ana, "The deploy of billing failed at 3am, how do we roll back?")
        say(bo, "Run the previous tag's pipeline: `deploy v1.2.2`. 大约四分钟。")
        say(ana, "Lunch at noon?")
        bo.locator("[data-messages] > li.chat-msg[data-seq]").nth(2).wait_for()
        bo.get_by_test_id("to-forum").click()
        bo.wait_for_url("**/to-forum")
        bo.locator("input[name=m]").nth(0).check()
        bo.locator("input[name=m]").nth(1).check()
        s.shoot(bo, "chat-pick")
        submit(bo, "Start a forum topic from this")
        bo.select_option("#place", label="Help")
        s.shoot(bo, "chat-draft")
        draft_zh = s.signed_in("bo", locale="zh-CN")
        s.shoot(draft_zh, "chat-draft-zh", bo.url)
        submit(bo, "Post topic")
        chat_topic = bo.url
        s.shoot(bo, "topic-from-chat")
        s.shoot(ana, "room-with-topic", f"/c/{slug}/chat/general")

        # An answered question -> wiki page.
        bo.goto(f"/c/{slug}/forums/")
        bo.get_by_role("link", name="Help").first.click()
        forum_url = bo.url
        bo.goto(forum_url + "/new?question=1")
        bo.fill("#title", "How do I roll back a failed deploy?")
        bo.fill("#body", "The canary failed. What is the **fastest** safe way back?")
        submit(bo, "Post topic")
        question = bo.url
        answer_rollback_question(ana, bo, question)
        time.sleep(1.5)  # the indexer picks the new content up
        open_actions(bo.locator(".forum-topic-head"))
        bo.get_by_role("link", name="Turn into a wiki page").click()
        bo.locator("input[name=reply]").first.check()
        s.shoot(bo, "wiki-pick")
        zh = s.signed_in("bo", locale="zh-CN")
        s.shoot(zh, "wiki-pick-zh", bo.url)
        submit(bo, "Continue to the draft page")
        s.shoot(bo, "wiki-draft")
        submit(bo, "Save page")
        time.sleep(1.5)
        s.shoot(bo, "wiki-page-from-forum", bo.url)
        s.shoot(zh, "wiki-page-from-forum-zh", bo.url)
        s.shoot(bo, "topic-turned-into-page", question)
        s.shoot(ana, "copy-chooser", f"/flows/copy?key=forum_topic:{chat_topic.rsplit('/', 1)[1]}")
        s.shoot(zh, "blog-related-zh", f"/c/{slug}/blog/")
        zh.get_by_role("link", name="What we learned from last month's deploy incidents").click()
        s.shoot(zh, "blog-related-zh")
    return 0


if __name__ == "__main__":
    cli(run, __doc__)
