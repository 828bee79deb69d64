"""The access matrix for every forum route: anonymous, non-member, member, moderator, owner and
admin on public, moderated and restricted communities. Readers of the community read, follow and
flag; members post, reply and like; moderators (and admins) moderate; owners (and admins) manage
forums. A restricted community's forums answer 404 to everyone outside it."""
from __future__ import annotations

import pytest

from tests.helpers import text

ACCESS = ["public", "moderated", "restricted"]
ROLES = ["anonymous", "outsider", "member", "moderator", "owner", "admin"]


@pytest.fixture
def world(make_user, make_community, admin_user, forums, access):
    """The people, and the community of the access the test is for (built alone: the test reads no other)."""
    owner, moderator, member, outsider, poster = (make_user(n) for n in ("owner", "moder", "member", "outsider",
                                                                          "poster"))
    places = {}
    for access in [access]:
        c = make_community(owner, name=f"Secret {access} place", access=access, members=[member, poster],
                           moderators=[moderator])
        fid = forums.forum(c, owner, "Secret forum")
        spare = forums.forum(c, owner, "Spare")
        tid = forums.topic(fid, poster, title="Secret question", body="Secret body", question=True)
        replies = [forums.reply(tid, poster, f"Secret reply {n}") for n in range(4)]
        places[access] = (c, {"forum": fid, "spare": spare, "topic": tid, "r0": replies[0], "r1": replies[1],
                              "r2": replies[2], "r3": replies[3]})
    people = {"owner": owner, "moderator": moderator, "member": member, "outsider": outsider,
              "admin": admin_user, "anonymous": None}
    return people, places


ROUTES = {
    # name: (method, path under /c/<slug>/forums/, form data, who may: view|post|moderate|manage, success)
    "index": ("GET", "", None, "view", 200),
    "forum": ("GET", "f/{forum}?show=unanswered", None, "view", 200),
    "topic": ("GET", "t/{topic}", None, "view", 200),
    "post": ("GET", "p/{r0}", None, "view", 302),
    "unread": ("GET", "t/{topic}/unread", None, "view", 302),
    "similar": ("GET", "similar?title=secret", None, "view", 200),
    "subscribe_forum": ("POST", "f/{forum}/subscribe", {"on": "1"}, "view", 302),
    "subscribe_topic": ("POST", "t/{topic}/subscribe", {"on": "1"}, "view", 302),
    "flag_form": ("GET", "p/{r0}/flag", None, "view", 307),  # to the one moderation queue's form
    "flag": ("POST", "p/{r0}/flag", {"reason": "spam"}, "view", 307),
    "new_topic": ("GET", "f/{forum}/new", None, "post", 200),
    "create_topic": ("POST", "f/{forum}/new", {"title": "New one", "body": "x"}, "post", 302),
    "reply": ("POST", "t/{topic}", {"body": "a reply"}, "post", 302),
    "like": ("POST", "p/{r0}/like", {}, "post", 302),
    "to_wiki": ("GET", "t/{topic}/to-wiki", None, "post", 302),  # not answered (yet): back to the topic
    "edit_form": ("GET", "p/{r0}/edit", None, "moderate", 200),
    "edit": ("POST", "p/{r0}/edit", {"body": "moderated text"}, "moderate", 302),
    "history": ("GET", "p/{r0}/history", None, "moderate", 200),
    "accept": ("POST", "t/{topic}/accept/{r1}", {}, "moderate", 302),
    "unaccept": ("POST", "t/{topic}/unaccept", {}, "moderate", 302),
    "pin": ("POST", "t/{topic}/moderate", {"action": "pin"}, "moderate", 302),
    "hide": ("POST", "p/{r2}/moderate", {"action": "hide"}, "moderate", 302),
    "split": ("POST", "t/{topic}/split", {"posts": "{r3}", "title": "Split off"}, "moderate", 302),
    "delete_post": ("POST", "p/{r1}/delete", {}, "moderate", 302),
    "queue": ("GET", "moderation", None, "moderate", 302),  # to the community's moderation queue
    "new_forum": ("GET", "new-forum", None, "manage", 200),
    "create_forum": ("POST", "new-forum", {"name": "Another"}, "manage", 302),
    "edit_forum": ("GET", "f/{forum}/edit", None, "manage", 200),
    "delete_forum": ("POST", "f/{spare}/delete", {"confirm": "Spare"}, "manage", 302),
}


def expected(need: str, success: int, access: str, role: str) -> int:
    """Written from the rules, not from the code."""
    if role == "anonymous":
        return 302  # to the sign-in page
    member = role in ("member", "moderator", "owner")
    if not (member or role == "admin" or access != "restricted"):
        return 404
    allowed = {
        "view": True,
        "post": member,
        "moderate": role in ("moderator", "owner", "admin"),
        "manage": role in ("owner", "admin"),
    }[need]
    return success if allowed else 403


def test_the_matrix_covers_every_forum_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("forums.")}
    covered = {
        "forums.index", "forums.forum", "forums.topic", "forums.post", "forums.unread", "forums.similar",
        "forums.subscribe_forum", "forums.subscribe_topic", "forums.flag", "forums.new_topic", "forums.like",
        "forums.edit_post", "forums.post_history", "forums.accept", "forums.unaccept", "forums.moderate_topic",
        "forums.moderate_post", "forums.split", "forums.delete_post", "forums.queue", "forums.new_forum",
        "forums.edit_forum", "forums.delete_forum", "forums.to_wiki",
    }
    assert endpoints == covered


@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("role", ROLES)
def test_forum_routes(world, client_for, access, role):
    people, places = world
    c, ids = places[access]
    client = client_for(people[role])
    failures = []
    for route, (method, path, data, need, success) in ROUTES.items():
        url = f"/c/{c.slug}/forums/" + path.format(**ids)
        form = {k: v.format(**ids) for k, v in data.items()} if data else data
        r = client.open(url, method=method, data=form)
        want = expected(need, success, access, role)
        if r.status_code != want:
            failures.append(f"{route}: {method} {url}: got {r.status_code}, want {want}")
        if want == 404:
            body = text(r)
            assert c.name not in body and "Secret" not in body, f"{url} leaks the restricted forum"
        if role == "anonymous":
            assert "/login" in r.headers.get("Location", "")
    assert not failures, "\n".join(failures)


def test_no_forums_when_the_tool_is_off(make_user, make_community, client_for, forums):
    owner = make_user("owner")
    c = make_community(owner, name="No forums here", tools=("wiki",))
    client = client_for(owner)
    assert client.get(f"/c/{c.slug}/forums/").status_code == 404
    assert client.get(f"/c/{c.slug}/forums/new-forum").status_code == 404
    assert "/forums/" not in text(client.get(f"/c/{c.slug}/"))


def test_forums_tab_on_the_community_page(make_user, make_community, client_for):
    owner = make_user("owner")
    c = make_community(owner, name="Tabbed")
    body = text(client_for(owner).get(f"/c/{c.slug}/forums/"))
    assert f'<a href="/c/{c.slug}/forums/" aria-current="page">Forums</a>' in body
