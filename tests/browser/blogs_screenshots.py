"""Full-page screenshots of the blog, for looking at the design.

    .venv/bin/python tests/browser/blogs_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, writes posts, comments and an idea campaign
through the UI, then saves blog-*.png (English, Simplified Chinese, phone) into OUTDIR.
"""
from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import conftest as support  # noqa: E402
from conftest import create_community, register, slug_from_url  # noqa: E402

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

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


def main(outdir: str) -> int:
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    executable = support.chromium_path()
    if executable is None:
        print("Chromium not found", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    saved = []
    with tempfile.TemporaryDirectory(prefix="collab-blog-shots-") as tmp:
        server = support.LiveServer(Path(tmp) / "instance")
        playwright = sync_playwright().start()
        browser = support.launch_chromium(playwright, executable)
        contexts = []

        def page_for(viewport=DESKTOP, locale="en-US"):
            context = browser.new_context(base_url=server.url, viewport=viewport, locale=locale)
            context.set_default_timeout(15_000)
            context.add_init_script(support.CSP_LISTENER)
            contexts.append(context)
            page = context.new_page()
            page.watch = support.watch(page)
            page.on("dialog", lambda dialog: dialog.accept())
            return page

        def shot(page, name, path=None):
            if path is not None:
                page.goto(path)
            page.wait_for_load_state("load")
            page.evaluate("window.scrollTo(0, 0)")
            target = out / f"blog-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)

        def click(page, name):
            with page.expect_navigation():
                page.get_by_role("button", name=name, exact=True).first.click()

        try:
            ana, bo = page_for(), page_for()
            register(ana, "ana", "Ana Lima")
            register(bo, "bo", "陈博 Bo Chen")
            create_community(ana, "Launch Team", description="Ships things.", access="public")
            slug = slug_from_url(ana.url)
            bo.goto(f"/c/{slug}/")
            with bo.expect_navigation():
                bo.locator(".community-actions").get_by_role("button", name="Join").click()
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
                    shot(ana, "editor")
                click(ana, "Publish now")
            post = ana.url
            click(ana, "Make it an announcement")
            bo.goto(post)
            bo.fill("#body", "Feature flags saved us twice. 同意！")
            click(bo, "Comment")
            click(bo, "♡ Like")
            ana.goto(post)
            ana.locator(".blog-reply summary").first.click()
            ana.locator(".blog-reply textarea").first.fill("Thanks @bo, agreed.")
            with ana.expect_navigation():
                ana.locator(".blog-reply button[type=submit]").first.click()
            shot(ana, "post", post)
            shot(bo, "index", blog)
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
            shot(ana, "campaign", campaign)
            bo.goto(campaign)
            bo.get_by_role("link", name="Dark mode").click()
            idea = bo.url
            ana.goto(idea)
            ana.select_option("#status", "accepted")
            ana.fill("#comment", "Planned for May.")
            with ana.expect_navigation():
                ana.get_by_role("button", name="Change the status").last.click()
            shot(ana, "idea", idea)
            zh = page_for(locale="zh-CN")
            support.sign_in(zh, "bo")
            shot(zh, "index-zh", blog)
            shot(zh, "post-zh", post)
            shot(zh, "campaign-zh", campaign)
            shot(zh, "editor-zh", blog + "new")
            phone = page_for(PHONE)
            support.sign_in(phone, "bo")
            shot(phone, "post-phone", post)
            shot(phone, "campaign-phone", campaign)
            problems = ana.watch.problems() + bo.watch.problems() + zh.watch.problems()
            csp = ana.evaluate("window.__cspViolations") + bo.evaluate("window.__cspViolations")
            if problems or csp:
                print("browser problems:", problems, csp, file=sys.stderr)
        except Exception:
            print(server.log(), file=sys.stderr)
            raise
        finally:
            for context in contexts:
                context.close()
            browser.close()
            playwright.stop()
            server.stop()
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
