"""Screenshots of the API pages, for looking at the design.

    .venv/bin/python tests/browser/api_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh instance, makes a token and a webhook through the UI, then
saves api-*.png (the token page, the API reference, the webhook page; English, Simplified
Chinese, phone) into OUTDIR.
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


def main(outdir: str) -> int:
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    executable = support.chromium_path()
    if executable is None:
        print("Chromium not found", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    saved = []
    with tempfile.TemporaryDirectory(prefix="collab-api-shots-") as tmp:
        server = support.LiveServer(Path(tmp) / "instance", env={"COLLAB_WEBHOOK_SENDER": "thread"})
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

        def shot(page, name, path=None, full=True):
            if path is not None:
                page.goto(path)
            page.wait_for_load_state("load")
            page.evaluate("window.scrollTo(0, 0)")
            target = out / f"api-{name}.png"
            page.screenshot(path=str(target), full_page=full)
            saved.append(target)

        def make_token(page, name, write):
            page.goto("/settings/tokens")
            page.fill("#name", name)
            page.check("#scope-1" if write else "#scope-0")
            with page.expect_navigation():
                page.get_by_role("button", name=page.locator("form.card button[type=submit]").inner_text()).click()

        try:
            ana = page_for()
            register(ana, "ana", "Ana Lima")  # the first account: the site admin
            create_community(ana, "Platform Engineering", description="Builds the platform.", access="public")
            slug = slug_from_url(ana.url)
            make_token(ana, "Build server", True)
            make_token(ana, "Team dashboard", False)
            make_token(ana, "Release bot", True)
            shot(ana, "tokens")
            shot(ana, "reference", "/api/v1/reference", full=False)
            target = out / "api-reference-op.png"
            ana.locator("#wiki_edit_page").screenshot(path=str(target))
            saved.append(target)
            target = out / "api-reference-schema.png"
            ana.locator("#schema-WikiPageEdit").screenshot(path=str(target))
            saved.append(target)
            # A webhook to this very server's health check (an internal target: the admin allows it).
            ana.goto("/admin/settings")
            ana.check("input[name=webhooks_private_targets][value=allow]")
            with ana.expect_navigation():
                ana.locator("main form button[type=submit]").click()
            ana.goto(f"/c/{slug}/webhooks/")
            shot(ana, "webhooks")
            ana.fill("#url", f"{server.url}/healthz")
            with ana.expect_navigation():
                ana.locator("main form.card button[type=submit]").click()
            hook = ana.url
            for _ in range(2):
                with ana.expect_navigation():
                    ana.locator("form[action$='/test'] button").click()
            ana.wait_for_timeout(1500)
            shot(ana, "webhook", hook)
            zh = page_for(locale="zh-CN")
            support.sign_in(zh, "ana")
            shot(zh, "tokens-zh", "/settings/tokens")
            shot(zh, "reference-zh", "/api/v1/reference", full=False)
            shot(zh, "webhook-zh", hook)
            phone = page_for(PHONE)
            support.sign_in(phone, "ana")
            shot(phone, "tokens-phone", "/settings/tokens")
            shot(phone, "reference-phone", "/api/v1/reference", full=False)
            problems = ana.watch.problems() + zh.watch.problems() + phone.watch.problems()
            csp = ana.evaluate("window.__cspViolations") + zh.evaluate("window.__cspViolations")
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
