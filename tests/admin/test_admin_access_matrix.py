"""Who may use the admin console and a community's settings, server-side, GET and POST: anonymous,
a plain signed-in user, a member, a moderator, an owner and a site admin. The console answers 404
to everybody but admins; community settings follow collab.access (restricted places answer 404 to
outsiders). Refused requests change nothing and write nothing to the audit log."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from collab import audit
from collab.accounts.models import User
from collab.extensions import db
from communities.models import Community, Membership

ROLES = ["anonymous", "plain", "member", "moderator", "owner", "admin"]
ACCESS = ["public", "moderated", "restricted"]
# The console's own modules: every route in them must be in the matrix below.
CONSOLE_MODULES = {"collab.admin.views", "collab.admin.communities_views", "collab.admin.settings_views",
                   "collab.admin.audit_views"}


@pytest.fixture
def world(make_user, make_community, admin_user):
    owner, moderator, member = make_user("owner"), make_user("moder"), make_user("member")
    target, plain = make_user("target"), make_user("plain")
    places = {a: make_community(owner, name=f"{a.title()} Place", access=a, members=[member, target],
                                moderators=[moderator]) for a in ACCESS}
    people = {"anonymous": None, "plain": plain, "member": member, "moderator": moderator, "owner": owner,
              "admin": admin_user}
    return people, places, target


def admin_routes(c, target):
    """(method, url, data, what an admin gets). Ordered so the admin's changes undo themselves."""
    return [
        ("GET", "/admin/", None, 200),
        ("GET", "/admin/users?q=tar", None, 200),
        ("GET", "/admin/users/new", None, 200),
        ("POST", "/admin/users/new", {"username": "x"}, 200),  # invalid: the form again
        ("POST", f"/admin/users/{target.id}/deactivate", {}, 302),
        ("POST", f"/admin/users/{target.id}/reactivate", {}, 302),
        ("POST", f"/admin/users/{target.id}/grant-admin", {}, 302),
        ("POST", f"/admin/users/{target.id}/revoke-admin", {}, 302),
        ("POST", f"/admin/users/{target.id}/reset-password", {}, 302),
        ("GET", f"/admin/users/{target.id}/reset-link", None, 200),
        ("GET", "/admin/invites", None, 200),
        ("POST", "/admin/invites", {"email": "not-an-email"}, 200),
        ("GET", "/admin/communities?q=place", None, 200),
        ("POST", f"/admin/communities/{c.id}/archive", {}, 302),
        ("POST", f"/admin/communities/{c.id}/restore", {}, 302),
        ("POST", f"/admin/communities/{c.id}/access", {"access": c.access}, 302),
        ("GET", f"/admin/communities/{c.id}/transfer", None, 200),
        ("POST", f"/admin/communities/{c.id}/transfer", {"username": "nobody-here"}, 200),
        ("GET", f"/admin/communities/{c.id}/delete", None, 200),
        ("POST", f"/admin/communities/{c.id}/delete", {"confirm": "not the name"}, 200),
        ("GET", "/admin/settings", None, 200),
        ("POST", "/admin/settings", {"registration_mode": "open", "community_creation": "all",
                                     "default_locale": "en"}, 302),
        ("POST", "/admin/settings/test-email", {}, 302),
        ("GET", "/admin/audit?action=user.", None, 200),
    ]


def test_every_console_route_is_in_the_matrix(app, world):
    people, places, target = world
    listed = {url.split("?")[0] for _, url, _, _ in admin_routes(places["public"], target)}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if view.__module__ not in CONSOLE_MODULES:
            continue
        variants = {rule.rule.replace("<int:user_id>", str(target.id)).replace(
            "<int:community_id>", str(places["public"].id))}
        if "<any(" in rule.rule:
            import re

            choices = re.search(r"<any\(([^)]*)\):\w+>", rule.rule).group(1).split(",")
            variants = {re.sub(r"<any\([^)]*\):\w+>", ch.strip(), v) for v in variants for ch in choices}
        for v in variants:
            assert v in listed, f"{rule.endpoint} {v} is not in the access matrix"


@pytest.mark.parametrize("role", ROLES)
def test_admin_console_matrix(app, world, client_for, role):
    people, places, target = world
    client = client_for(people[role])
    failures = []
    for method, url, data, admin_status in admin_routes(places["restricted"], target):
        want = admin_status if role == "admin" else (302 if role == "anonymous" else 404)
        r = client.open(url, method=method, data=data)
        if r.status_code != want:
            failures.append(f"{method} {url}: got {r.status_code}, want {want}")
        if role == "anonymous" and r.status_code == 302:
            assert "/login" in r.headers["Location"]
    assert not failures, "\n".join(failures)
    with app.app_context():
        t = db.session.get(User, target.id)
        assert not t.is_deactivated and not t.is_admin
        assert db.session.get(Community, places["restricted"].id) is not None
        entries = db.session.scalar(select(func.count()).select_from(audit.AuditEntry))
        # The admin's real changes were logged; nobody else's request left a trace.
        assert (entries > 0) if role == "admin" else (entries == 0)


def expected(route: str, access: str, role: str) -> int:
    """Written from the rules: owners and admins manage; moderators decide requests and invite;
    members invite to open places; restricted places are 404 to outsiders."""
    if role == "anonymous":
        return 302
    is_member = role in ("member", "moderator", "owner")
    if access == "restricted" and not (is_member or role == "admin"):
        return 404
    manages = role in ("owner", "admin")
    moderates = role in ("moderator", "owner", "admin")
    invites = moderates or (is_member and access != "restricted")
    return {
        "settings": 200 if manages else 403,
        "settings_post": 302 if manages else 403,
        "log": 200 if manages else 403,
        "invite": 200 if invites else 403,
        "invite_post": 200 if invites else 403,
        "requests": 200 if moderates else 403,
        "decide": 404 if moderates else 403,  # no such request in this place
        "decide_many": 302 if moderates else 403,
        "set_role": 302 if manages else 403,
        "remove": 302 if manages else 403,
    }[route]


@pytest.mark.parametrize("role", ROLES)
def test_community_settings_matrix(app, world, client_for, role):
    people, places, target = world
    client = client_for(people[role])
    failures = []
    for access in ACCESS:
        c = places[access]
        routes = {
            "settings": ("GET", f"/c/{c.slug}/settings", None),
            "settings_post": ("POST", f"/c/{c.slug}/settings", {"name": c.name, "slug": c.slug, "access": access,
                                                                "posting": "members", "description": "changed"}),
            "log": ("GET", f"/c/{c.slug}/settings/log", None),
            "invite": ("GET", f"/c/{c.slug}/invite", None),
            "invite_post": ("POST", f"/c/{c.slug}/invite", {"people": "nobody-at-all"}),
            "requests": ("GET", f"/c/{c.slug}/requests", None),
            "decide": ("POST", f"/c/{c.slug}/requests/999999/approve", {}),
            "decide_many": ("POST", f"/c/{c.slug}/requests/bulk", {"decision": "approve", "request": ["999999"]}),
            "set_role": ("POST", f"/c/{c.slug}/members/{target.id}/role", {"role": "moderator"}),
            "remove": ("POST", f"/c/{c.slug}/members/{target.id}/remove", {}),
        }
        for route, (method, url, data) in routes.items():
            want = expected(route, access, role)
            r = client.open(url, method=method, data=data)
            if r.status_code != want:
                failures.append(f"{access} {route} {method} {url}: got {r.status_code}, want {want}")
    assert not failures, "\n".join(failures)
    with app.app_context():
        still = db.session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == target.id))
        descriptions = set(db.session.scalars(select(Community.description)))
        entries = db.session.scalar(select(func.count()).select_from(audit.AuditEntry))
        if role in ("owner", "admin"):
            assert still == 0 and descriptions == {"changed"} and entries >= 9  # settings, role, removal x 3
        else:
            assert still == 3 and descriptions == {""} and entries == 0
