"""Presence over the /wiki Socket.IO namespace: people editing a page see who else is editing it,
live; leaving and dropping the connection update the others; every join asks collab.access (the
socket-event rows of the access matrix)."""
from __future__ import annotations

import pytest

from collab.extensions import socketio

NS = "/wiki"


def _sock(app, client):
    s = socketio.test_client(app, namespace=NS, flask_test_client=client)
    assert s.is_connected(NS)
    return s


def _names(sock):
    """The editors in the last presence event this socket received (None: none received)."""
    events = [e for e in sock.get_received(NS) if e["name"] == "presence"]
    return [p["name"] for p in events[-1]["args"][0]["editors"]] if events else None


def test_anonymous_sockets_are_refused(app):
    assert not socketio.test_client(app, namespace=NS).is_connected(NS)


def test_editors_see_each_other_join_and_leave(app, community, people, client_for, wiki):
    page = wiki.create(community, people["owner"], "Runbook")
    other_page = wiki.create(community, people["owner"], "Elsewhere")
    ana = _sock(app, client_for(people["member"]))
    bo = _sock(app, client_for(people["other"]))
    cy = _sock(app, client_for(people["moderator"]))

    answer = ana.emit("join", {"page": page}, namespace=NS, callback=True)
    assert answer["ok"] and [p["name"] for p in answer["editors"]] == ["Member"]
    answer = bo.emit("join", {"page": page}, namespace=NS, callback=True)
    assert sorted(p["name"] for p in answer["editors"]) == ["Member", "Other"]
    assert sorted(_names(ana)) == ["Member", "Other"]  # Ana hears that Bo came
    # Someone on another page is not announced here, and hears nothing from this one.
    assert cy.emit("join", {"page": other_page}, namespace=NS, callback=True)["ok"]
    assert _names(ana) is None and _names(cy) == ["Moder"]
    # A second tab of the same person shows once.
    bo2 = _sock(app, client_for(people["other"]))
    answer = bo2.emit("join", {"page": page}, namespace=NS, callback=True)
    assert sorted(p["name"] for p in answer["editors"]) == ["Member", "Other"]

    bo.emit("leave", {"page": page}, namespace=NS, callback=True)
    assert sorted(_names(ana)) == ["Member", "Other"]  # Bo's other tab is still there
    bo2.disconnect(NS)  # a dropped connection counts as leaving
    assert _names(ana) == ["Member"]
    for s in (ana, bo, cy):
        s.disconnect(NS)


ACCESS = ["public", "moderated", "restricted"]
ROLES = ["outsider", "member", "moderator", "owner", "admin"]


def _want(access: str, role: str) -> str:
    """Written from the rules: editors join; readers who may not edit are refused; a restricted
    community's pages do not exist for outsiders."""
    if role in ("member", "moderator", "owner"):
        return "ok"
    if role == "outsider" and access == "restricted":
        return "not found"
    return "forbidden"  # readers (outsiders of open communities, admins who are not members)


@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("role", ROLES)
def test_join_asks_access(app, make_user, make_community, admin_user, client_for, wiki, access, role):
    owner, moderator, member, outsider = (make_user(n) for n in ("owner", "moder", "member", "outsider"))
    c = make_community(owner, name=f"Secret {access}", access=access, members=[member], moderators=[moderator])
    page = wiki.create(c, owner, "Secret page")
    person = {"owner": owner, "moderator": moderator, "member": member, "outsider": outsider,
              "admin": admin_user}[role]
    watcher = _sock(app, client_for(owner))
    assert watcher.emit("join", {"page": page}, namespace=NS, callback=True)["ok"]
    watcher.get_received(NS)
    sock = _sock(app, client_for(person))
    answer = sock.emit("join", {"page": page}, namespace=NS, callback=True)
    want = _want(access, role)
    if want == "ok":
        assert answer["ok"] and sorted(p["name"] for p in answer["editors"]) == sorted({"Owner", person.name})
        assert sorted(_names(watcher)) == sorted({"Owner", person.name})
    else:
        assert answer == {"ok": False, "error": want}  # learns nothing about the editors
        assert _names(watcher) is None  # and nobody hears of it
        # Nor does it receive the page's presence events afterwards.
        watcher.emit("leave", {"page": page}, namespace=NS, callback=True)
        watcher.emit("join", {"page": page}, namespace=NS, callback=True)
        assert _names(sock) is None
    # A page that does not exist answers like a restricted one.
    assert sock.emit("join", {"page": 987654}, namespace=NS, callback=True) == {"ok": False, "error": "not found"}
    assert sock.emit("join", {"page": "x"}, namespace=NS, callback=True)["ok"] is False
    sock.disconnect(NS)
    watcher.disconnect(NS)


def test_locked_pages_and_restricted_editing_keep_members_out(app, community, people, client_for, wiki):
    from collab.extensions import db
    from wiki import social
    from wiki.models import WikiPage

    page = wiki.create(community, people["owner"], "Runbook")
    with app.test_request_context("/", method="POST"):
        social.set_locked(db.session.get(WikiPage, page), None, True)
        db.session.commit()
    member = _sock(app, client_for(people["member"]))
    assert member.emit("join", {"page": page}, namespace=NS, callback=True)["error"] == "forbidden"
    mod = _sock(app, client_for(people["moderator"]))
    assert mod.emit("join", {"page": page}, namespace=NS, callback=True)["ok"]
    member.disconnect(NS)
    mod.disconnect(NS)
