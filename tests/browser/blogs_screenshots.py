"""Full-page screenshots of the blog, for looking at the design.

    .venv/bin/python tests/browser/blogs_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, writes posts, comments and an idea campaign
through the UI, then saves blog-*.png (English, Simplified Chinese, phone) into OUTDIR.
"""
from __future__ import annotations

import io

from shots import PHONE, cli, click_and_wait, open_actions, shooter

BODY = """We shipped **version 2** last week. Here is what we learned.

## What worked

- Small, frequent releases behind feature flags
- A release captain each week
- 灰度发布让我们提前发现了两个问题。

## What to change

1. Start load tests earlier.
2. Write the rollback plan *before* the release.

```bash
./deploy --canary 5%
```
"""


def png() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 240), (236, 242, 250))
    d = ImageDraw.Draw(img)
    for i, h in enumerate((60, 120, 90, 170, 140, 200)):
        d.rectangle([40 + i * 95, 220 - h, 100 + i * 95, 220], fill=(40, 96, 200))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def click(page, name):
    click_and_wait(page, page.get_by_role("button", name=name, exact=True).first)


def run(outdir: str) -> int:
    with shooter(outdir, prefix="blog-") as s:
        ana, bo = s.ana_and_bo()
        slug = s.community(ana, "Launch Team", description="Ships things.", access="public",
                           members=[bo])
        blog = f"/c/{slug}/blog/"
        for n, (title, tags) in enumerate((("Welcome to the team blog", "team"),
                                           ("发布流程的改进", "release, 流程"),
                                           ("Lessons from the v2 launch", "launch, retro"))):
            ana.goto(blog + "new")
            ana.fill("#title", title)
            ana.fill("#summary", "What went well, what we change next time." if n == 2 else "")
            ana.fill("#body", BODY)
            ana.fill("#tags", tags)
            if n == 2:
                ana.set_input_files("#image", files=[{"name": "velocity.png", "mimeType": "image/png",
                                                      "buffer": png()}])
                click(ana, "Upload image")
                s.shoot(ana, "editor")
            click(ana, "Publish now")
        post = ana.url
        open_actions(ana.locator(".blog-actions"))
        click(ana, "Make it an announcement")
        bo.goto(post)
        bo.fill("#body", "Feature flags saved us twice. 同意！")
        click(bo, "Comment")
        click(bo, "♡ Like")
        ana.goto(post)
        ana.locator(".blog-reply summary").first.click()
        ana.locator(".blog-reply textarea").first.fill("Thanks @bo, agreed.")
        click_and_wait(ana, ana.locator(".blog-reply button[type=submit]").first)
        s.shoot(ana, "post", post)
        s.shoot(bo, "index", blog)
        ana.goto(blog + "ideas/new")
        ana.fill("#title", "Next quarter: what should we build?")
        ana.fill("#description", "Propose features; vote for the ones you want most.")
        click(ana, "Open the campaign")
        campaign = ana.url
        for title in ("Dark mode", "Offline drafts", "更好的中文搜索"):
            bo.goto(campaign)
            bo.fill("#title", title)
            bo.fill("#body", "Because people keep asking for it.")
            click(bo, "Submit")
            click(bo, "Vote")
        ana.goto(campaign)
        click(ana, "Vote")
        s.shoot(ana, "campaign", campaign)
        bo.goto(campaign)
        bo.get_by_role("link", name="Dark mode").click()
        idea = bo.url
        ana.goto(idea)
        ana.select_option("#status", "accepted")
        ana.fill("#comment", "Planned for May.")
        click_and_wait(ana, ana.get_by_role("button", name="Change the status").last)
        s.shoot(ana, "idea", idea)
        zh = s.signed_in("bo", locale="zh-CN")
        s.shoot(zh, "index-zh", blog)
        s.shoot(zh, "post-zh", post)
        s.shoot(zh, "campaign-zh", campaign)
        s.shoot(zh, "editor-zh", blog + "new")
        phone = s.signed_in("bo", viewport=PHONE)
        s.shoot(phone, "post-phone", post)
        s.shoot(phone, "campaign-phone", campaign)
    return 0


if __name__ == "__main__":
    cli(run, __doc__, default="screenshots")
