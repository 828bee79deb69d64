"""The access matrix of DESIGN.md section 3 for every community route of the foundation:
anonymous, non-member, member, moderator, owner and admin on public, moderated and restricted
communities. Restricted communities answer 404 to non-members everywhere."""
from __future__ import annotations

import pytest

from tests.helpers import text

ACCESS = ["public", "moderated", "restricted"]
ROLES = ["anonymous", "outsider", "member", "moderator", "owner", "admin"]


@pytest.fixture
def world(app, make_user, make_community, admin_user):
    owner = make_user("owner")
    moderator = make_user("moder")
    member = make_user("member")
    target = make_user("target")
    outsider = make_user("outsider")
    communities = {
        access: make_community(owner, name=f"{access.title()} Place", access=access,
                               members=[member, target], moderators=[moderator])
        for access in ACCESS
    }
    people = {"owner": owner, "moderator": moderator, "member": member, "outsider": outsider,
              "admin": admin_user, "anonymous": None}
    return people, communities, target


def expected(route: str, access: str, role: str) -> int:
    """The status each person should get; written from the rules, not from the code."""
    if role == "anonymous":
        return 302  # to the sign-in page
    is_member = role in ("member", "moderator", "owner")
    sees = role == "admin" or is_member or access != "restricted"
    if not sees:
        return 404
    moderates = role in ("moderator", "owner", "admin")
    manages = role in ("owner", "admin")
    invites = moderates or (is_member and access != "restricted")
    return {
        "home": 200,
        "members": 200,
        "requests": 200 if moderates else 403,
        "invite": 200 if invites else 403,
        "settings": 200 if manages else 403,
        "request_form": 200 if (access == "moderated" and not is_member) else 302,
        "set_role": 302 if manages else 403,
        "remove": 302 if manages else 403,
    }[route]


ROUTES = ["home", "members", "requests", "invite", "settings", "request_form", "set_role", "remove"]


@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("role", ROLES)
def test_community_routes(world, client_for, access, role):
    people, communities, target = world
    c = communities[access]
    client = client_for(people[role])
    urls = {
        "home": ("GET", f"/c/{c.slug}/"),
        "members": ("GET", f"/c/{c.slug}/members"),
        "requests": ("GET", f"/c/{c.slug}/requests"),
        "invite": ("GET", f"/c/{c.slug}/invite"),
        "settings": ("GET", f"/c/{c.slug}/settings"),
        "request_form": ("GET", f"/c/{c.slug}/request"),
        "set_role": ("POST", f"/c/{c.slug}/members/{target.id}/role"),
        "remove": ("POST", f"/c/{c.slug}/members/{target.id}/remove"),
    }
    failures = []
    for route in ROUTES:
        method, url = urls[route]
        data = {"role": "member"} if route == "set_role" else {}
        r = client.open(url, method=method, data=data)
        want = expected(route, access, role)
        if r.status_code != want:
            failures.append(f"{method} {url}: got {r.status_code}, want {want}")
        if want == 404:
            assert c.name not in text(r), f"{url} leaks the name of a restricted community"
        if role == "anonymous":
            assert "/login" in r.headers.get("Location", "")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_listing_hides_restricted_from_non_members(world, client_for, role):
    people, communities, _ = world
    client = client_for(people[role])
    r = client.get("/c/")
    if role == "anonymous":
        assert r.status_code == 302
        return
    body = text(r)
    assert communities["public"].name in body
    assert communities["moderated"].name in body
    sees_restricted = role != "outsider"
    assert (communities["restricted"].name in body) is sees_restricted
    # Nor via tags, profile pages or the home page suggestions.
    owner_profile = text(client.get("/u/owner"))
    assert (communities["restricted"].name in owner_profile) is sees_restricted
    # Home: members see it under "My communities", the admin among suggestions, nobody else.
    on_home = communities["restricted"].name in text(client.get("/"))
    assert on_home is (role in ("member", "moderator", "owner", "admin"))


@pytest.mark.parametrize("role", ["outsider", "member", "moderator", "owner"])
def test_admin_console_is_admins_only(world, client_for, role):
    people, communities, _ = world
    client = client_for(people[role])
    for url in ["/admin/", "/admin/users", "/admin/communities", "/admin/settings", "/admin/invites",
                f"/admin/communities/{communities['public'].id}/delete"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/communities/{communities['public'].id}/archive").status_code == 404


def test_admin_console_for_admin(world, client_for):
    people, communities, _ = world
    client = client_for(people["admin"])
    for url in ["/admin/", "/admin/users", "/admin/communities", "/admin/settings", "/admin/invites",
                f"/admin/communities/{communities['restricted'].id}/delete",
                f"/admin/communities/{communities['restricted'].id}/transfer"]:
        assert client.get(url).status_code == 200, url


def test_anonymous_admin_goes_to_login(client):
    r = client.get("/admin/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_join_actions_by_access(world, client_for):
    people, communities, _ = world
    outsider = client_for(people["outsider"])
    # Public: joins at once.
    r = outsider.post(f"/c/{communities['public'].slug}/join", follow_redirects=True)
    assert "You joined" in text(r)
    # Moderated: direct join refused, request accepted.
    r = outsider.post(f"/c/{communities['moderated'].slug}/join", follow_redirects=True)
    assert "not open to join directly" in text(r)
    # Restricted: 404 for every action of a non-member.
    for action in ("join", "request", "leave", "request/cancel"):
        assert outsider.post(f"/c/{communities['restricted'].slug}/{action}").status_code == 404
