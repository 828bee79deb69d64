"""Full-page screenshots of the wiki, for looking at the design.

    .venv/bin/python tests/browser/wiki_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, writes a small wiki through the UI (two
people, a page tree, edits, a merge and a conflict), then saves wiki-*.png into OUTDIR.
"""
from __future__ import annotations

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

HOME = """Welcome to the **Platform Engineering** handbook. Start with [[Getting started]], read the
[[Deployment guide]] before your first release, and ask in the forum when stuck.

## How this wiki is organised

- [[Getting started]]: laptop, accounts, first build
- [[Deployment guide]]: from merge to production
- [[On-call]]: rotations and runbooks (to be written)

## Conventions

| What | Where | Owner |
|---|---|---|
| Runbooks | under On-call | SRE |
| Design docs | under Architecture | each team |

- [x] Move the old Confluence pages
- [ ] Write the on-call runbooks
"""

DEPLOY = """## Before you start

Make sure the change is reviewed and the pipeline is green.

## Steps

1. Tag the release: `git tag v1.2.3`
2. Push the tag and wait for the build.
3. Watch the canary dashboard for ten minutes.

```python
def healthy(service):
    return service.error_rate < 0.01 and service.p99_ms < 250
```

## Rolling back

Run the previous tag's pipeline. 回滚只需重新运行上一个版本的流水线。
"""


def main(outdir: str) -> int:
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    executable = support.chromium_path()
    if executable is None:
        print("Chromium not found", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    saved = []
    with tempfile.TemporaryDirectory(prefix="collab-wiki-shots-") as tmp:
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
            page.on("dialog", lambda dialog: dialog.accept())  # confirmations, and leaving an editor
            return page

        def shot(page, name, path=None):
            if path is not None:
                page.goto(path)
            page.wait_for_load_state("load")
            page.evaluate("window.scrollTo(0, 0)")  # a sticky header stays where the page was scrolled
            target = out / f"wiki-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)

        def submit(page, selector="main form.wiki-editor button[value=save]"):
            with page.expect_navigation():
                page.locator(selector).click()

        try:
            ana, bo = page_for(), page_for()
            register(ana, "ana", "Ana Lima")
            register(bo, "bo", "陈博 Bo Chen")
            create_community(ana, "Platform Engineering", description="Deployments, databases and on-call.",
                             tags="platform", access="public")
            slug = slug_from_url(ana.url)
            bo.goto(f"/c/{slug}/")
            with bo.expect_navigation():
                bo.locator(".community-actions").get_by_role("button", name="Join").click()
            wiki = f"/c/{slug}/wiki"

            shot(ana, "empty", wiki + "/")
            ana.get_by_role("link", name="Create the Home page").click()
            ana.wait_for_load_state("load")
            ana.fill("#body", HOME)
            ana.fill("#summary", "First version of the handbook")
            ana.locator("[data-preview-target] h2").first.wait_for()  # the live preview
            shot(ana, "new-page")
            submit(ana)
            home_url = ana.url
            for title, body, parent_path in (
                ("Getting started", "Your first week: laptop, accounts, [[Deployment guide|first deploy]].", "home"),
                ("Deployment guide", DEPLOY, "home"),
                ("Laptop setup", "Install the tools. See [[Getting started]].", "home/getting-started"),
                ("Accounts", "Ask IT for VPN and GitHub access.", "home/getting-started"),
                ("Architecture", "Services and how they talk.", "home"),
                ("数据库规范 Database rules", "表名使用复数。Tables are plural.", "home/architecture"),
            ):
                ana.goto(f"{wiki}/{parent_path}")
                with ana.expect_navigation():
                    ana.get_by_role("link", name="New subpage").click()
                ana.fill("#title", title)
                ana.fill("#body", body)
                submit(ana)

            # Edits by both people for the history; Bo's on a stale base merges.
            ana.goto(f"{wiki}/home/deployment-guide/-/edit")
            bo.goto(f"{wiki}/home/deployment-guide/-/edit")
            ana.fill("#body", DEPLOY.replace("ten minutes", "fifteen minutes"))
            ana.fill("#summary", "Longer canary watch")
            submit(ana)
            bo.fill("#body", DEPLOY.replace("Make sure the change is reviewed", "Make sure the change is reviewed by two people"))
            bo.fill("#summary", "Two reviewers")
            submit(bo)
            ana.goto(f"{wiki}/home/deployment-guide/-/edit")
            ana.fill("#body", ana.input_value("#body") + "\n## Who to ask\n\nThe release captain of the week.\n")
            ana.fill("#tags", "deploy, runbook, 发布")
            ana.keyboard.press("Control+s")  # the keyboard save
            ana.wait_for_url("**/home/deployment-guide")
            # An attachment, a comment, a watcher.
            from PIL import Image

            picture = Path(tmp) / "canary-dashboard.png"
            Image.new("RGB", (640, 360), (31, 95, 191)).save(picture)
            ana.goto(f"{wiki}/home/deployment-guide/-/attachments")
            ana.set_input_files("#file", str(picture))
            with ana.expect_navigation():
                ana.get_by_role("button", name="Upload").click()
            shot(ana, "attachments")
            bo.goto(f"{wiki}/home/deployment-guide")
            bo.fill("#body", "Should we add the **rollback** drill here? @ana")
            with bo.expect_navigation():
                bo.get_by_role("button", name="Post comment").click()
            with bo.expect_navigation():
                bo.get_by_role("button", name="Watch").click()

            shot(ana, "page", f"{wiki}/home/deployment-guide")
            shot(ana, "home", home_url)
            ana.goto(f"{wiki}/home/deployment-guide/-/edit")
            ana.fill("#body", ana.input_value("#body").replace("Tag the release", "Tag the **release**"))
            ana.locator("[data-preview-target] strong").first.wait_for()
            bo.goto(f"{wiki}/home/deployment-guide/-/edit")
            ana.locator("[data-presence-list] li").first.wait_for()  # Bo is editing too
            shot(ana, "editor")
            bo.goto(f"{wiki}/home/deployment-guide")
            ana.goto(f"{wiki}/home/deployment-guide/-/history")
            shot(ana, "history")
            shot(ana, "diff", f"{wiki}/home/deployment-guide/-/diff?from=1&to=4")
            shot(ana, "diff-inline", f"{wiki}/home/deployment-guide/-/diff?from=1&to=4&view=inline")
            shot(ana, "revision", f"{wiki}/home/deployment-guide/-/revisions/1")

            # A conflict: both change the same line.
            ana.goto(f"{wiki}/home/getting-started/-/edit")
            bo.goto(f"{wiki}/home/getting-started/-/edit")
            ana.fill("#body", "Your first week: laptop, accounts, badge and [[Deployment guide|first deploy]].")
            submit(ana)
            bo.fill("#body", "Your first two weeks: laptop, accounts, mentor and [[Deployment guide|first deploy]].")
            with bo.expect_navigation():
                bo.locator("main form.wiki-editor button[value=save]").click()
            shot(bo, "conflict")

            shot(ana, "move", f"{wiki}/home/getting-started/laptop-setup/-/move")
            shot(ana, "recent", f"{wiki}/-/recent")
            ana.goto(f"{wiki}/home/architecture")
            with ana.expect_navigation():
                ana.get_by_role("button", name="Delete").click()
            shot(ana, "trash", f"{wiki}/-/trash")
            phone = page_for(PHONE)
            support.sign_in(phone, "bo")
            shot(phone, "page-phone", f"{wiki}/home/deployment-guide")
            shot(phone, "editor-phone", f"{wiki}/home/deployment-guide/-/edit")
            zh = page_for(locale="zh-CN")
            support.sign_in(zh, "bo")
            shot(zh, "page-zh", f"{wiki}/home/deployment-guide")
            shot(zh, "tags-zh", f"{wiki}/-/tags/deploy")
            shot(zh, "attachments-zh", f"{wiki}/home/deployment-guide/-/attachments")
            shot(ana, "settings", f"{wiki}/-/settings")
            problems = ana.watch.problems() + bo.watch.problems() + phone.watch.problems()
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
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
