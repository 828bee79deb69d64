"""Full-page screenshots of the wiki, for looking at the design.

    .venv/bin/python tests/browser/wiki_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, writes a small wiki through the UI (two
people, a page tree, edits, a merge and a conflict), then saves wiki-*.png into OUTDIR.
"""
from __future__ import annotations

from shots import PHONE, cli, click_and_wait, open_actions, shooter

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


def save(page):
    click_and_wait(page, page.locator("main form.wiki-editor button[value=save]"))


def run(outdir: str) -> int:
    with shooter(outdir, prefix="wiki-") as s:
        ana, bo = s.ana_and_bo()
        slug = s.community(ana, "Platform Engineering", description="Deployments, databases and on-call.",
                           tags="platform", access="public", members=[bo])
        wiki = f"/c/{slug}/wiki"

        s.shoot(ana, "empty", wiki + "/")
        ana.get_by_role("link", name="Create the Home page").click()
        ana.wait_for_load_state("load")
        ana.fill("#body", HOME)
        ana.fill("#summary", "First version of the handbook")
        ana.locator("[data-preview-target] h2").first.wait_for()  # the live preview
        s.shoot(ana, "new-page")
        save(ana)
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
            open_actions(ana.locator(".wiki-actions"))
            click_and_wait(ana, ana.get_by_role("link", name="New subpage"))
            ana.fill("#title", title)
            ana.fill("#body", body)
            save(ana)

        # Edits by both people for the history; Bo's on a stale base merges.
        guide = f"{wiki}/home/deployment-guide"
        ana.goto(f"{guide}/-/edit")
        bo.goto(f"{guide}/-/edit")
        ana.fill("#body", DEPLOY.replace("ten minutes", "fifteen minutes"))
        ana.fill("#summary", "Longer canary watch")
        save(ana)
        bo.fill("#body", DEPLOY.replace("Make sure the change is reviewed", "Make sure the change is reviewed by two people"))
        bo.fill("#summary", "Two reviewers")
        save(bo)
        ana.goto(f"{guide}/-/edit")
        ana.fill("#body", ana.input_value("#body") + "\n## Who to ask\n\nThe release captain of the week.\n")
        ana.fill("#tags", "deploy, runbook, 发布")
        ana.keyboard.press("Control+s")  # the keyboard save
        ana.wait_for_url("**/home/deployment-guide")
        # An attachment, a comment, a watcher.
        from PIL import Image

        picture = s.tmp / "canary-dashboard.png"
        Image.new("RGB", (640, 360), (31, 95, 191)).save(picture)
        ana.goto(f"{guide}/-/attachments")
        ana.set_input_files("#file", str(picture))
        click_and_wait(ana, ana.get_by_role("button", name="Upload"))
        s.shoot(ana, "attachments")
        bo.goto(guide)
        bo.fill("#body", "Should we add the **rollback** drill here? @ana")
        click_and_wait(bo, bo.get_by_role("button", name="Post comment"))
        click_and_wait(bo, bo.get_by_role("button", name="Watch"))

        s.shoot(ana, "page", guide)
        s.shoot(ana, "home", home_url)
        ana.goto(f"{guide}/-/edit")
        ana.fill("#body", ana.input_value("#body").replace("Tag the release", "Tag the **release**"))
        ana.locator("[data-preview-target] strong").first.wait_for()
        bo.goto(f"{guide}/-/edit")
        ana.locator("[data-presence-list] li").first.wait_for()  # Bo is editing too
        s.shoot(ana, "editor")
        bo.goto(guide)
        s.shoot(ana, "history", f"{guide}/-/history")
        s.shoot(ana, "diff", f"{guide}/-/diff?from=1&to=4")
        s.shoot(ana, "diff-inline", f"{guide}/-/diff?from=1&to=4&view=inline")
        s.shoot(ana, "revision", f"{guide}/-/revisions/1")

        # A conflict: both change the same line.
        ana.goto(f"{wiki}/home/getting-started/-/edit")
        bo.goto(f"{wiki}/home/getting-started/-/edit")
        ana.fill("#body", "Your first week: laptop, accounts, badge and [[Deployment guide|first deploy]].")
        save(ana)
        bo.fill("#body", "Your first two weeks: laptop, accounts, mentor and [[Deployment guide|first deploy]].")
        save(bo)
        s.shoot(bo, "conflict")

        s.shoot(ana, "move", f"{wiki}/home/getting-started/laptop-setup/-/move")
        s.shoot(ana, "recent", f"{wiki}/-/recent")
        ana.goto(f"{wiki}/home/architecture")
        open_actions(ana.locator(".wiki-actions"))
        click_and_wait(ana, ana.get_by_role("button", name="Delete"))
        s.shoot(ana, "trash", f"{wiki}/-/trash")
        phone = s.signed_in("bo", viewport=PHONE)
        s.shoot(phone, "page-phone", guide)
        s.shoot(phone, "editor-phone", f"{guide}/-/edit")
        zh = s.signed_in("bo", locale="zh-CN")
        s.shoot(zh, "page-zh", guide)
        s.shoot(zh, "tags-zh", f"{wiki}/-/tags/deploy")
        s.shoot(zh, "attachments-zh", f"{guide}/-/attachments")
        s.shoot(ana, "settings", f"{wiki}/-/settings")
    return 0


if __name__ == "__main__":
    cli(run, __doc__)
