"""The access matrix for every wiki route: anonymous, non-member, member, moderator, owner and
admin on public, moderated and restricted communities. Readers of the community read, members
edit, moderators and owners (and admins) move, delete and restore; a restricted community's wiki
answers 404 to everyone outside it, and a community without the wiki tool has no wiki."""
from __future__ import annotations

import io

import pytest

from tests.helpers import text

ACCESS = ["public", "moderated", "restricted"]
ROLES = ["anonymous", "outsider", "member", "moderator", "owner", "admin"]


def _comment(app, page_id, user, body):
    from collab.accounts.models import User
    from collab.extensions import db
    from wiki import social
    from wiki.models import WikiPage

    with app.test_request_context("/", method="POST"):
        comment, _ = social.add_comment(db.session.get(WikiPage, page_id), db.session.get(User, user.id), body)
        db.session.commit()
        return comment.id


def _tag(app, page_id, tags):
    from collab.extensions import db
    from wiki import social
    from wiki.models import WikiPage

    with app.test_request_context("/", method="POST"):
        social.set_tags(db.session.get(WikiPage, page_id), tags)
        db.session.commit()


def _attach(app, page_id, user):
    import io

    from werkzeug.datastructures import FileStorage

    from collab.accounts.models import User
    from collab.extensions import db
    from wiki import attachments
    from wiki.models import WikiPage

    with app.test_request_context("/", method="POST"):
        att = attachments.attach(db.session.get(WikiPage, page_id), db.session.get(User, user.id),
                                 FileStorage(io.BytesIO(b"Secret notes"), "notes.txt"))
        db.session.commit()
        return att.id


@pytest.fixture
def world(app, make_user, make_community, admin_user, wiki, access):
    """The people, and the community of the access the test is for (built alone: the test reads no other)."""
    owner, moderator, member, outsider = (make_user(n) for n in ("owner", "moder", "member", "outsider"))
    places = {}
    for access in [access]:
        c = make_community(owner, name=f"Secret {access} place", access=access, members=[member],
                           moderators=[moderator])
        home = wiki.create(c, owner, "Secret home page", body="Home text [[Secret child]]")
        wiki.save(home, owner, "Home text, second revision [[Secret child]]", base=1)
        for title in ("Secret child", "Rename me", "Move me", "Delete me", "Trashed page", "Lock me"):
            wiki.create(c, owner, title, parent=home)
        trashed = wiki.page(wiki.create(c, owner, "Old stuff", parent=home))
        wiki.call("delete_page", trashed.id, owner)
        _tag(app, home, "ops, secret tag")
        ids = {"trashed": trashed.id, "attachment": _attach(app, home, owner), "owners_comment": _comment(app, home, owner, "Secret comment by the owner"),
               "members_comment": _comment(app, home, member, "Secret comment by a member")}
        places[access] = (c, ids)
    people = {"owner": owner, "moderator": moderator, "member": member, "outsider": outsider,
              "admin": admin_user, "anonymous": None}
    return people, places


def expected(route: str, access: str, role: str) -> int:
    """Written from the rules, not from the code."""
    if role == "anonymous":
        return 302  # to the sign-in page
    member = role in ("member", "moderator", "owner")
    if not (member or role == "admin" or access != "restricted"):
        return 404
    edits = member
    manages = role in ("moderator", "owner", "admin")
    reading = {"home", "page", "history", "revision", "diff", "diff_inline", "recent"}
    editing = {"new": 200, "create": 302, "edit": 200, "save": 302, "preview": 200, "restore_revision": 302,
               "move_form": 200, "rename": 302}
    managing = {"move": 302, "reorder": 302, "delete": 302, "trash": 200, "trash_restore": 302, "lock": 302}
    if route in ("attachments", "attachment_file"):
        return 200
    if route == "upload":
        return 302 if edits else 403
    if route == "attachment_delete":
        return 302 if edits else 403
    if route == "move_form":
        return 200 if edits or manages else 403  # the form moves (managers) and renames (editors)
    if route in ("tags", "tagged"):
        return 200
    if route == "watch":
        return 302  # anyone who can read the page may watch it
    if route == "comment":
        return 302 if member else 403
    if route == "comment_edit_form":
        return 200 if role == "owner" else 403  # the author only (the owner wrote it)
    if route == "comment_delete":
        return 302 if role in ("member", "moderator", "owner", "admin") else 403  # author or moderators
    if route in ("settings", "settings_save"):
        return {"settings": 200, "settings_save": 302}[route] if role in ("owner", "admin") else 403
    if route in reading:
        return 200
    if route in editing:
        return editing[route] if edits else 403
    return managing[route] if manages else 403


ROUTES = {
    # name: (method, path under /c/<slug>/wiki/, form data)
    "home": ("GET", "", None),
    "page": ("GET", "secret-home-page", None),
    "history": ("GET", "secret-home-page/-/history", None),
    "revision": ("GET", "secret-home-page/-/revisions/1", None),
    "diff": ("GET", "secret-home-page/-/diff?from=1&to=2", None),
    "diff_inline": ("GET", "secret-home-page/-/diff?from=1&to=2&view=inline", None),
    "recent": ("GET", "-/recent", None),
    "new": ("GET", "-/new", None),
    "create": ("POST", "-/new", {"title": "Fresh page", "parent": "", "body": "x"}),
    "edit": ("GET", "secret-home-page/-/edit", None),
    "save": ("POST", "secret-home-page/-/edit", {"body": "edited", "base_revision": "2", "action": "save"}),
    "preview": ("POST", "-/preview", {"body": "# Hi"}),
    "restore_revision": ("POST", "secret-home-page/-/revisions/1/restore", {}),
    "move_form": ("GET", "secret-home-page/secret-child/-/move", None),
    "rename": ("POST", "secret-home-page/rename-me/-/rename", {"title": "Renamed"}),
    "move": ("POST", "secret-home-page/move-me/-/move", {"parent": ""}),
    "reorder": ("POST", "secret-home-page/secret-child/-/reorder", {"where": "down"}),
    "delete": ("POST", "secret-home-page/delete-me/-/delete", {}),
    "trash": ("GET", "-/trash", None),
    "trash_restore": ("POST", "-/trash/{trashed}/restore", {}),
    "tags": ("GET", "-/tags", None),
    "tagged": ("GET", "-/tags/ops", None),
    "watch": ("POST", "secret-home-page/-/watch", {"on": "1"}),
    "lock": ("POST", "secret-home-page/lock-me/-/lock", {"locked": "1"}),
    "comment": ("POST", "secret-home-page/-/comments", {"body": "A new comment"}),
    "comment_edit_form": ("GET", "secret-home-page/-/comments/{owners_comment}/edit", None),
    "comment_delete": ("POST", "secret-home-page/-/comments/{members_comment}/delete", {}),
    "settings": ("GET", "-/settings", None),
    "attachments": ("GET", "secret-home-page/-/attachments", None),
    "attachment_file": ("GET", "-/files/{attachment}", None),
    "upload": ("POST", "secret-home-page/-/attachments", "file"),
    "attachment_delete": ("POST", "secret-home-page/-/attachments/{attachment}/delete", {}),
    "settings_save": ("POST", "-/settings", {}),
}


def test_the_matrix_covers_every_wiki_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("wiki.")}
    covered = {
        "wiki.home", "wiki.page", "wiki.history", "wiki.revision", "wiki.diff", "wiki.recent", "wiki.new_page",
        "wiki.edit", "wiki.preview", "wiki.restore_revision", "wiki.move", "wiki.rename", "wiki.reorder",
        "wiki.delete", "wiki.trash", "wiki.restore", "wiki.tags", "wiki.tagged", "wiki.watch", "wiki.lock",
        "wiki.add_comment", "wiki.edit_comment", "wiki.delete_comment", "wiki.settings",
        "wiki.attachments_page", "wiki.attachment_file", "wiki.delete_attachment",
    }
    assert endpoints == covered


@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("role", ROLES)
def test_wiki_routes(world, client_for, access, role):
    people, places = world
    c, ids = places[access]
    client = client_for(people[role])
    failures = []
    for route, (method, path, data) in ROUTES.items():
        url = f"/c/{c.slug}/wiki/" + path.format(**ids)
        if data == "file":
            data = {"file": (io.BytesIO(b"more notes"), "more.txt")}
        r = client.open(url, method=method, data=data)
        r.get_data()
        r.close()
        want = expected(route, access, role)
        if r.status_code != want:
            failures.append(f"{route}: {method} {url}: got {r.status_code}, want {want}")
        if want == 404:
            body = text(r)
            assert c.name not in body and "Secret" not in body, f"{url} leaks the restricted wiki"
        if role == "anonymous":
            assert "/login" in r.headers.get("Location", "")
    assert not failures, "\n".join(failures)


def test_no_wiki_when_the_tool_is_off(make_user, make_community, client_for, wiki):
    owner = make_user("owner")
    c = make_community(owner, name="No wiki here", tools=("blog", "forums"))
    client = client_for(owner)
    assert client.get(f"/c/{c.slug}/wiki/").status_code == 404
    assert client.get(f"/c/{c.slug}/wiki/-/new").status_code == 404
    assert "/wiki/" not in text(client.get(f"/c/{c.slug}/"))


def test_archived_community_wiki_is_read_only(app, make_user, make_community, client_for, wiki):
    from collab.extensions import db
    from communities.models import Community

    owner = make_user("owner")
    c = make_community(owner, name="Old times")
    wiki.create(c, owner, "Home", body="Archived text")
    with app.app_context():
        db.session.get(Community, c.id).is_archived = True
        db.session.commit()
    client = client_for(owner)
    body = text(client.get(f"/c/{c.slug}/wiki/"))
    assert "Archived text" in body and "/-/edit" not in body
    assert client.get(f"/c/{c.slug}/wiki/home/-/edit").status_code == 403
    assert client.post(f"/c/{c.slug}/wiki/home/-/delete").status_code == 403
