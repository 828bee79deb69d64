"""Full-page screenshots of the forums, for looking at the design.

    .venv/bin/python tests/browser/forum_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, fills a forum through the UI (questions,
answers, an accepted answer, a flag), then saves forum-*.png (English and Chinese) into OUTDIR.
"""
from __future__ import annotations

from shots import PHONE, answer_rollback_question, cli, open_actions, shooter, submit

TOPICS = [
    ("How do I roll back a failed deploy?", "The canary failed at 3am. What is the **fastest** safe way back?\n\n"
     "```\nERROR release v1.2.3 unhealthy\n```", "deploy, on-call", True),
    ("数据库连接池应该设置多大？", "我们的服务在高峰期出现连接超时。Pool size is 10 right now.", "postgresql, 性能", True),
    ("Welcome to the Platform forum", "Introduce yourself and read the rules.", "", False),
]


def run(outdir: str) -> int:
    with shooter(outdir, prefix="forum-") as s:
        ana, bo = s.ana_and_bo()
        slug = s.community(ana, "Platform Engineering", description="Deployments and on-call.", access="public",
                           members=[bo])
        base = f"/c/{slug}/forums"
        s.shoot(ana, "empty", base + "/")
        for name, description in (("Help", "Questions about the platform."), ("Announcements", "News.")):
            ana.goto(base + "/new-forum")
            ana.fill("#name", name)
            ana.fill("#description", description)
            submit(ana, "Save")
        forum_url = ana.url
        for title, body, tags, question in TOPICS:
            bo.goto(forum_url + ("/new?question=1" if question else "/new"))
            bo.fill("#title", title)
            bo.fill("#body", body)
            bo.fill("#tags", tags)
            submit(bo, "Post topic")
        bo.goto(forum_url)
        bo.get_by_role("link", name=TOPICS[0][0]).click()
        topic_url = bo.url
        answer_rollback_question(ana, bo, topic_url)
        bo.fill("#body", "Thanks, that worked!")
        submit(bo, "Post reply")
        bo.goto(topic_url)
        off_topic = bo.locator(".forum-post", has_text="incident ticket")
        open_actions(off_topic)
        off_topic.get_by_role("link", name="Flag").click()
        bo.check("input[name=reason][value=off_topic]")
        submit(bo, "Send flag")
        bo.goto(forum_url + "/new?question=1")
        bo.locator("#title").press_sequentially("rollback deploy", delay=20)
        bo.locator(".forum-similar li").first.wait_for()
        s.shoot(bo, "new-topic")
        s.shoot(ana, "index", base + "/")
        s.shoot(ana, "forum", forum_url)
        s.shoot(ana, "topic", topic_url)
        s.shoot(ana, "queue", f"/c/{slug}/moderation/")
        zh = s.signed_in("bo", locale="zh-CN")
        s.shoot(zh, "forum-zh", forum_url)
        s.shoot(zh, "topic-zh", topic_url)
        phone = s.signed_in("ana", viewport=PHONE)
        s.shoot(phone, "topic-phone", topic_url)
        s.shoot(phone, "forum-phone", forum_url)
    return 0


if __name__ == "__main__":
    cli(run, __doc__)
