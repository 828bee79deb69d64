"""Full-page screenshots of the main pages, for looking at the design.

    .venv/bin/python tests/browser/screenshots.py OUTDIR

Starts ``collab serve`` on a fresh temporary instance, fills it through the UI (a few people,
communities in English and Chinese, a pending join request), then saves one PNG per page into
OUTDIR. Needs Debian's Chromium (or COLLAB_CHROMIUM).
"""
from __future__ import annotations

from shots import PHONE, cli, click_and_wait, join, shooter

PEOPLE = [
    # username, display name, title, department, location, expertise
    ("ana", "Ana Lima", "Head of Product Design", "Design", "Shanghai", "ux, research, 设计系统"),
    ("bo", "陈博 Bo Chen", "UX Researcher", "Design", "Shanghai", "interviews, usability, 用户研究"),
    ("jing", "王静", "Backend Engineer", "Platform", "Beijing", "python, postgresql, kafka"),
    ("dmitri", "Dmitri Ivanov", "Site Reliability Engineer", "Platform", "Berlin", "kubernetes, observability"),
    ("emma", "Emma Müller", "Office Manager", "Operations", "Shanghai", "facilities, events"),
]

COMMUNITIES = [
    # owner, name, access, tags, description
    ("ana", "产品设计 Product Design", "moderated", "design, 设计, research",
     "## 我们做什么\n\nWe design **great products** together: weekly critique, shared research and a "
     "design system everyone can use.\n\n- Critique every Thursday\n- Research repository\n- 设计规范与组件库\n"),
    ("ana", "Platform Engineering", "public", "platform, python, kubernetes",
     "The people who build and run the platform. Ask about **deployments**, databases and on-call."),
    ("ana", "Security Guild", "restricted", "security",
     "Threat models, reviews and incident follow-ups. *Members only.*"),
    ("jing", "上海办公室 Shanghai Office", "public", "shanghai, 办公室, events",
     "上海办公室的通知、活动和午餐推荐。\n\nNews, events and lunch tips for the Shanghai office."),
    ("dmitri", "Data & Analytics", "public", "data, analytics, sql",
     "Dashboards, metrics definitions and SQL help. Post your question with the query you tried."),
]


def edit_profile(page, title: str, department: str, location: str, expertise: str, bio: str = "") -> None:
    page.goto("/settings/profile")
    page.fill("#title", title)
    page.fill("#department", department)
    page.fill("#location", location)
    page.fill("#expertise", expertise)
    if bio:
        page.fill("#bio", bio)
    page.fill("#timezone", "Asia/Shanghai")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def run(outdir: str) -> int:
    with shooter(outdir) as s:
        # People register; each edits their profile.
        pages = {}
        for username, display, title, dept, location, expertise in PEOPLE:
            page = s.person(username, display)
            bio = ("I lead the design team. Ask me about **research**, prototypes and the "
                   "[design system](https://example.com/ds).\n\n我在上海办公室。") if username == "ana" else ""
            edit_profile(page, title, dept, location, expertise, bio)
            pages[username] = page

        slugs = {name: s.community(pages[owner], name, description=description, tags=tags, access=access)
                 for owner, name, access, tags, description in COMMUNITIES}
        design = slugs["产品设计 Product Design"]
        platform = slugs["Platform Engineering"]
        office = slugs["上海办公室 Shanghai Office"]
        data = slugs["Data & Analytics"]

        # Joining public communities.
        for username, slug in (("bo", platform), ("jing", platform), ("dmitri", platform),
                               ("emma", office), ("bo", office), ("ana", office), ("ana", data),
                               ("jing", data)):
            join(pages[username], slug)

        # Join requests to the moderated community: one approved, one left waiting.
        for username, message in (("jing", "I build the design-system components on the backend."),
                                  ("bo", "我负责用户研究，想加入设计社区。")):
            page = pages[username]
            page.goto(f"/c/{design}/request")
            page.fill("#message", message)
            click_and_wait(page, page.locator("main form button[type=submit]"))
        ana = pages["ana"]
        ana.goto(f"/c/{design}/requests")
        click_and_wait(ana, ana.locator("li.request").filter(has_text="王静").get_by_role("button", name="Approve"))

        # Anonymous pages.
        anon = s.page()
        s.shoot(anon, "login", "/login")
        s.shoot(anon, "register", "/register")

        # Ana (site admin, owner of the design community with a waiting request).
        for name, path in (("home", "/"), ("communities", "/c/"), ("community-home", f"/c/{design}/"),
                           ("community-members", f"/c/{design}/members"),
                           ("community-requests", f"/c/{design}/requests"),
                           ("community-settings", f"/c/{design}/settings"), ("community-new", "/c/new"),
                           ("profile", "/u/ana"), ("edit-profile", "/settings/profile"), ("people", "/people"),
                           ("admin-overview", "/admin/"), ("admin-users", "/admin/users"),
                           ("search", "/search?q=design+research"), ("search-phrase", '/search?q="design+system"'),
                           ("error-404", "/no/such/page")):
            s.shoot(ana, name, path)

        # Bo's view of the moderated community while his request is pending.
        s.shoot(pages["bo"], "community-home-pending", f"/c/{design}/")

        # Ana's home page on a phone, and with the account menu open.
        phone = s.signed_in("ana", viewport=PHONE)
        s.shoot(phone, "home-phone", "/")
        s.shoot(phone, "community-home-phone", f"/c/{design}/")
        phone.goto("/")
        phone.locator("details.menu > summary").click()
        s.shoot(phone, "home-phone-menu")

        # The communities list in Chinese (Accept-Language: zh-CN; Bo's account has no language set).
        zh = s.signed_in("bo", locale="zh-CN")
        s.shoot(zh, "communities-zh", "/c/")
        s.shoot(zh, "home-zh", "/")
        s.shoot(zh, "search-zh", "/search?q=设计")
    return 0


if __name__ == "__main__":
    cli(run, __doc__)
