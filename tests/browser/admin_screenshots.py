"""Full-page screenshots of the admin console and a community's settings, in English and Chinese.

    .venv/bin/python tests/browser/admin_screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, fills it through the UI (people, communities,
join requests, admin actions for the audit log), then saves one PNG per page into OUTDIR.
"""
from __future__ import annotations

from shots import PHONE, cli, click_and_wait, shooter

PEOPLE = (("ana", "Ana Lima"), ("bo", "陈博 Bo Chen"), ("jing", "王静"), ("dmitri", "Dmitri Ivanov"),
          ("emma", "Emma Müller"))


def run(outdir: str) -> int:
    with shooter(outdir) as s:
        pages = {username: s.person(username, display) for username, display in PEOPLE}
        ana = pages["ana"]
        design = s.community(ana, "产品设计 Product Design", description="设计社区 Design", tags="design",
                             access="moderated")
        s.community(ana, "Platform Engineering", description="Platform", access="public")
        s.community(pages["jing"], "上海办公室 Shanghai Office", description="办公室", access="public")
        for username, message in (("jing", "I build the components."), ("bo", "我负责用户研究，想加入设计社区。"),
                                  ("emma", "Events for the design team")):
            p = pages[username]
            p.goto(f"/c/{design}/request")
            p.fill("#message", message)
            click_and_wait(p, p.locator("main form button[type=submit]"))

        def row_button(text, button):
            click_and_wait(ana, ana.locator("tr").filter(has_text=text).get_by_role("button", name=button))

        # Admin actions, so the log has something to show.
        ana.goto("/admin/users")
        row_button("@emma", "Deactivate")
        row_button("@dmitri", "Make admin")
        ana.goto("/admin/communities")
        row_button("Shanghai", "Archive")
        ana.goto(f"/c/{design}/requests")
        click_and_wait(ana, ana.locator("li.request").filter(has_text="王静").get_by_role("button", name="Approve"))
        ana.goto(f"/c/{design}/settings")
        ana.check("input[name=posting][value=moderators]")
        click_and_wait(ana, ana.get_by_role("button", name="Save settings"))
        ana.goto(f"/c/{design}/invite")
        ana.fill("#people", "dmitri, bo\nnobody, someone@corp.example")
        click_and_wait(ana, ana.get_by_role("button", name="Send invitations"))
        s.shoot(ana, "community-invite-report")
        # English console.
        for name, path in (("admin-overview", "/admin/"), ("admin-users", "/admin/users"),
                           ("admin-invites", "/admin/invites"), ("admin-communities", "/admin/communities"),
                           ("admin-settings", "/admin/settings"), ("admin-audit", "/admin/audit")):
            s.shoot(ana, name, path)
        ana.goto("/admin/communities")
        click_and_wait(ana, ana.locator("tr").filter(has_text="Platform").get_by_role("link", name="Delete"))
        ana.fill("#confirm", "platform")
        click_and_wait(ana, ana.get_by_role("button", name="Delete for ever"))
        s.shoot(ana, "admin-delete-error")
        ana.goto("/admin/users")
        row_button("@bo", "Reset password")
        s.shoot(ana, "admin-reset-link")
        s.shoot(ana, "community-settings", f"/c/{design}/settings")
        s.shoot(ana, "community-requests", f"/c/{design}/requests")
        s.shoot(ana, "community-log", f"/c/{design}/settings/log")
        # Chinese (Accept-Language; Ana's account has no language set).
        zh = s.signed_in("ana", locale="zh-CN")
        for name, path in (("admin-overview", "/admin/"), ("admin-users", "/admin/users"),
                           ("admin-communities", "/admin/communities"), ("admin-settings", "/admin/settings"),
                           ("admin-audit", "/admin/audit"), ("community-settings", f"/c/{design}/settings"),
                           ("community-log", f"/c/{design}/settings/log"),
                           ("community-requests", f"/c/{design}/requests")):
            s.shoot(zh, f"{name}-zh", path)
        phone = s.signed_in("ana", viewport=PHONE)
        s.shoot(phone, "admin-users-phone", "/admin/users")
    return 0


if __name__ == "__main__":
    cli(run, __doc__)
