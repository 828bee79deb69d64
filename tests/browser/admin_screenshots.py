"""Full-page screenshots of the admin console and a community's settings, in English and Chinese.

    .venv/bin/python tests/browser/admin_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, fills it through the UI (people, communities,
join requests, admin actions for the audit log), then saves one PNG per page into OUTDIR.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import conftest as support  # noqa: E402
from conftest import create_community, register, slug_from_url  # noqa: E402

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def main(outdir: str) -> int:
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    executable = support.chromium_path()
    if executable is None:
        print("Chromium not found: install Debian's chromium or set COLLAB_CHROMIUM", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="collab-admin-shots-") as tmp:
        server = support.LiveServer(Path(tmp) / "instance")
        playwright = sync_playwright().start()
        browser = support.launch_chromium(playwright, executable)
        contexts, saved = [], []

        def page_for(viewport=DESKTOP, locale="en-US"):
            context = browser.new_context(base_url=server.url, viewport=viewport, locale=locale)
            context.set_default_timeout(15_000)
            contexts.append(context)
            page = context.new_page()
            page.on("dialog", lambda d: d.accept())
            return page

        def shot(page, name, path=None):
            if path is not None:
                page.goto(path)
            page.wait_for_load_state("load")
            target = out / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)

        def submit(page, locator):
            with page.expect_navigation():
                locator.click()

        try:
            pages = {}
            for username, display in (("ana", "Ana Lima"), ("bo", "陈博 Bo Chen"), ("jing", "王静"),
                                      ("dmitri", "Dmitri Ivanov"), ("emma", "Emma Müller")):
                pages[username] = page_for()
                register(pages[username], username, display)
            ana = pages["ana"]
            create_community(ana, "产品设计 Product Design", description="设计社区 Design", tags="design",
                             access="moderated")
            design = slug_from_url(ana.url)
            create_community(ana, "Platform Engineering", description="Platform", access="public")
            create_community(pages["jing"], "上海办公室 Shanghai Office", description="办公室", access="public")
            for username, message in (("jing", "I build the components."), ("bo", "我负责用户研究，想加入设计社区。"),
                                      ("emma", "Events for the design team")):
                p = pages[username]
                p.goto(f"/c/{design}/request")
                p.fill("#message", message)
                submit(p, p.locator("main form button[type=submit]"))
            # Admin actions, so the log has something to show.
            ana.goto("/admin/users")
            submit(ana, ana.locator("tr").filter(has_text="@emma").get_by_role("button", name="Deactivate"))
            submit(ana, ana.locator("tr").filter(has_text="@dmitri").get_by_role("button", name="Make admin"))
            ana.goto("/admin/communities")
            submit(ana, ana.locator("tr").filter(has_text="Shanghai").get_by_role("button", name="Archive"))
            ana.goto(f"/c/{design}/requests")
            submit(ana, ana.locator("li.request").filter(has_text="王静").get_by_role("button", name="Approve"))
            ana.goto(f"/c/{design}/settings")
            ana.check("input[name=posting][value=moderators]")
            submit(ana, ana.get_by_role("button", name="Save settings"))
            ana.goto(f"/c/{design}/invite")
            ana.fill("#people", "dmitri, bo\nnobody, someone@corp.example")
            submit(ana, ana.get_by_role("button", name="Send invitations"))
            shot(ana, "community-invite-report")
            # English console.
            shot(ana, "admin-overview", "/admin/")
            shot(ana, "admin-users", "/admin/users")
            shot(ana, "admin-invites", "/admin/invites")
            shot(ana, "admin-communities", "/admin/communities")
            shot(ana, "admin-settings", "/admin/settings")
            shot(ana, "admin-audit", "/admin/audit")
            ana.goto("/admin/communities")
            submit(ana, ana.locator("tr").filter(has_text="Platform").get_by_role("link", name="Delete"))
            ana.fill("#confirm", "platform")
            submit(ana, ana.get_by_role("button", name="Delete for ever"))
            shot(ana, "admin-delete-error")
            ana.goto("/admin/users")
            submit(ana, ana.locator("tr").filter(has_text="@bo").get_by_role("button", name="Reset password"))
            shot(ana, "admin-reset-link")
            shot(ana, "community-settings", f"/c/{design}/settings")
            shot(ana, "community-requests", f"/c/{design}/requests")
            shot(ana, "community-log", f"/c/{design}/settings/log")
            # Chinese (Accept-Language; Ana's account has no language set).
            zh = page_for(locale="zh-CN")
            support.sign_in(zh, "ana")
            for name, path in (("admin-overview", "/admin/"), ("admin-users", "/admin/users"),
                               ("admin-communities", "/admin/communities"), ("admin-settings", "/admin/settings"),
                               ("admin-audit", "/admin/audit"), ("community-settings", f"/c/{design}/settings"),
                               ("community-log", f"/c/{design}/settings/log"),
                               ("community-requests", f"/c/{design}/requests")):
                shot(zh, f"{name}-zh", path)
            phone = page_for(PHONE)
            support.sign_in(phone, "ana")
            shot(phone, "admin-users-phone", "/admin/users")
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
