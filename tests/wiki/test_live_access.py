"""Lost access ends live co-editing at once (Socket.IO test client): someone removed from the
community, or a community whose posting rule leaves members out, is taken out of the page's
presence and room by the core's access hook, is told why, and hears no more of the text."""
from __future__ import annotations

import base64

from pycrdt import Doc, Text

from collab.extensions import db, socketio

NS = "/wiki"


class Editor:
    def __init__(self, app, client, page_id):
        self.sock = socketio.test_client(app, namespace=NS, flask_test_client=client)
        assert self.sock.is_connected(NS)
        self.page = page_id
        self.doc = Doc()
        self.text = self.doc.get("body", type=Text)
        assert self.sock.emit("join", {"page": page_id}, namespace=NS, callback=True)["ok"]
        answer = self.sock.emit("sync", {"page": page_id, "sv": None, "generation": None}, namespace=NS,
                                callback=True)
        assert answer["ok"], answer
        self.generation = answer["generation"]
        self.doc.apply_update(base64.b64decode(answer["update"]))

    def type(self, s):
        before = self.doc.get_state()
        self.text.insert(len(self.text), s)
        return self.sock.emit("update", {"page": self.page, "generation": self.generation,
                                         "update": base64.b64encode(self.doc.get_update(before)).decode()},
                              namespace=NS, callback=True)

    def events(self):
        return [(e["name"], e["args"][0]) for e in self.sock.get_received(NS)]


def _change(app, fn):
    from collab.accounts.models import User  # noqa: F401 - loaded by fn
    from communities.models import Community  # noqa: F401

    with app.test_request_context("/", method="POST"):
        fn()
        db.session.commit()


def test_a_removed_member_leaves_the_page_at_once(app, community, people, client_for, wiki):
    from collab.accounts.models import User
    from communities import services
    from communities.models import Community

    page = wiki.create(community, people["owner"], "Runbook", body="one\n")
    ana = Editor(app, client_for(people["member"]), page)
    bo = Editor(app, client_for(people["other"]), page)
    ana.events(), bo.events()

    _change(app, lambda: services.remove_member(db.session.get(Community, community.id),
                                                db.session.get(User, people["other"].id)))

    told = [p for n, p in bo.events() if n == "coedit_error"]
    assert told and told[-1]["page"] == page and told[-1]["error"] == "forbidden" and told[-1]["message"]
    seen = ana.events()
    presence = [p for n, p in seen if n == "presence"]
    assert presence and [e["name"] for e in presence[-1]["editors"]] == ["Member"]
    assert any(n == "cursor_gone" for n, _p in seen)
    # Ana types on: Bo no longer hears the text; his own updates are refused.
    assert ana.type("two\n")["ok"]
    assert not [e for e in bo.events() if e[0] == "update"]
    assert bo.type("intruder")["error"] == "forbidden"
    # Someone else's removal elsewhere leaves Ana alone.
    assert not [e for e in ana.events() if e[0] == "coedit_error"]


def test_members_leave_when_only_moderators_may_post(app, community, people, client_for, wiki):
    from communities import services
    from communities.models import Community

    page = wiki.create(community, people["owner"], "Runbook", body="one\n")
    ana = Editor(app, client_for(people["member"]), page)
    mod = Editor(app, client_for(people["moderator"]), page)
    ana.events(), mod.events()

    _change(app, lambda: services.set_posting(db.session.get(Community, community.id), "moderators"))

    assert [p["error"] for n, p in ana.events() if n == "coedit_error"] == ["forbidden"]
    assert not [e for e in mod.events() if e[0] == "coedit_error"]  # the moderator stays
    assert mod.type("two\n")["ok"]
    assert not [e for e in ana.events() if e[0] == "update"]


def _hide(app, moderator, page_id):
    from collab.accounts.models import User
    from collab.moderation import services

    _change(app, lambda: services.resolve(db.session.get(User, moderator.id), f"wiki_page:{page_id}", "hide",
                                          "off topic"))


def test_a_page_a_moderator_hides_is_left_by_everyone_but_its_author_and_the_moderators(
        app, community, people, client_for, wiki):
    page = wiki.create(community, people["member"], "Reorg plan", body="one\n")
    author = Editor(app, client_for(people["member"]), page)
    other = Editor(app, client_for(people["other"]), page)
    mod = Editor(app, client_for(people["moderator"]), page)
    author.events(), other.events(), mod.events()

    _hide(app, people["moderator"], page)

    assert [p["error"] for n, p in other.events() if n == "coedit_error"] == ["not_found"]
    assert not [e for e in author.events() + mod.events() if e[0] == "coedit_error"]
    assert author.type("the secret part\n")["ok"]
    assert not [e for e in other.events() if e[0] == "update"]
    assert [e for e in mod.events() if e[0] == "update"]
    # Joining again is refused as if the page did not exist; the page answers 404 too.
    spy = socketio.test_client(app, namespace=NS, flask_test_client=client_for(people["other"]))
    assert spy.emit("join", {"page": page}, namespace=NS, callback=True) == {"ok": False, "error": "not found"}
    author.type("more\n")
    assert not [e for e in spy.get_received(NS) if e["name"] in ("update", "presence", "cursor")]
    assert client_for(people["other"]).get(f"/c/{community.slug}/wiki/reorg-plan").status_code == 404


def test_a_moderator_made_member_leaves_a_hidden_page(app, community, people, client_for, wiki):
    from collab.accounts.models import User
    from communities import services
    from communities.models import Community

    page = wiki.create(community, people["member"], "Reorg plan", body="one\n")
    _hide(app, people["moderator"], page)
    author = Editor(app, client_for(people["member"]), page)
    mod = Editor(app, client_for(people["moderator"]), page)
    mod.events()

    _change(app, lambda: services.set_role(db.session.get(Community, community.id),
                                           db.session.get(User, people["moderator"].id), "member"))
    assert [p["error"] for n, p in mod.events() if n == "coedit_error"] == ["not_found"]
    assert author.type("after the demotion\n")["ok"]
    assert not [e for e in mod.events() if e[0] == "update"]
