"""Screenshots of the API pages, for looking at the design.

    .venv/bin/python tests/browser/api_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh instance, makes a token and a webhook through the UI, then
saves api-*.png (the token page, the API reference, the webhook page; English, Simplified
Chinese, phone) into OUTDIR.
"""
from __future__ import annotations

from shots import PHONE, cli, click_and_wait, shooter


def make_token(page, name, write):
    page.goto("/settings/tokens")
    page.fill("#name", name)
    page.check("#scope-1" if write else "#scope-0")
    click_and_wait(page, page.get_by_role("button", name=page.locator("form.card button[type=submit]").inner_text()))


def run(outdir: str) -> int:
    with shooter(outdir, prefix="api-", server_env={"COLLAB_WEBHOOK_SENDER": "thread"}) as s:
        ana = s.person("ana", "Ana Lima")  # the first account: the site admin
        slug = s.community(ana, "Platform Engineering", description="Builds the platform.", access="public")
        make_token(ana, "Build server", True)
        make_token(ana, "Team dashboard", False)
        make_token(ana, "Release bot", True)
        s.shoot(ana, "tokens")
        s.shoot(ana, "reference", "/api/v1/reference", full=False)
        s.shoot_element(ana.locator("#wiki_edit_page"), "reference-op")
        s.shoot_element(ana.locator("#schema-WikiPageEdit"), "reference-schema")
        # A webhook to this very server's health check (an internal target: the admin allows it).
        ana.goto("/admin/settings")
        ana.check("input[name=webhooks_private_targets][value=allow]")
        click_and_wait(ana, ana.locator("main form button[type=submit]"))
        ana.goto(f"/c/{slug}/webhooks/")
        s.shoot(ana, "webhooks")
        ana.fill("#url", f"{s.server.url}/healthz")
        click_and_wait(ana, ana.locator("main form.card button[type=submit]"))
        hook = ana.url
        for _ in range(2):
            click_and_wait(ana, ana.locator("form[action$='/test'] button"))
        ana.wait_for_timeout(1500)
        s.shoot(ana, "webhook", hook)
        zh = s.signed_in("ana", locale="zh-CN")
        s.shoot(zh, "tokens-zh", "/settings/tokens")
        s.shoot(zh, "reference-zh", "/api/v1/reference", full=False)
        s.shoot(zh, "webhook-zh", hook)
        phone = s.signed_in("ana", viewport=PHONE)
        s.shoot(phone, "tokens-phone", "/settings/tokens")
        s.shoot(phone, "reference-phone", "/api/v1/reference", full=False)
    return 0


if __name__ == "__main__":
    cli(run, __doc__, default="screenshots")
