"""Live co-editing over the /wiki namespace (Flask-SocketIO test client, pycrdt documents playing
the browsers): updates reach the other editors only after they are stored; malformed, oversized,
unauthorised and flooding updates are refused and change nothing; the document survives a new
server process on the same database; quiet documents become revisions with their contributors;
a plain form save during a live session is merged into the shared text."""
from __future__ import annotations

import base64

import pytest
from pycrdt import Doc, Text

from collab.extensions import db, socketio

from tests.wiki.conftest import url

NS = "/wiki"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def _sock(app, client):
    s = socketio.test_client(app, namespace=NS, flask_test_client=client)
    assert s.is_connected(NS)
    return s


class Editor:
    """A browser's side: its own Yjs document, kept in sync through the socket."""

    def __init__(self, app, client, page_id):
        self.sock = _sock(app, client)
        self.page = page_id
        self.doc = Doc()
        self.text = self.doc.get("body", type=Text)
        self.generation = None

    def sync(self):
        answer = self.sock.emit("sync", {"page": self.page, "sv": b64(self.doc.get_state()),
                                         "generation": self.generation}, namespace=NS, callback=True)
        assert answer["ok"], answer
        if answer["reset"]:
            self.doc = Doc()
            self.text = self.doc.get("body", type=Text)
        self.generation = answer["generation"]
        self.doc.apply_update(unb64(answer["update"]))
        mine = self.doc.get_update(unb64(answer["sv"]))
        return answer, mine

    def edit(self, fn):
        """Change the local text; returns the update to send."""
        before = self.doc.get_state()
        fn(self.text)
        return self.doc.get_update(before)

    def send(self, update, generation=None):
        return self.sock.emit("update", {"page": self.page, "update": b64(update),
                                         "generation": generation or self.generation},
                              namespace=NS, callback=True)

    def receive(self):
        """Apply the updates broadcast to this socket; returns the events (name, payload)."""
        events = [(e["name"], e["args"][0]) for e in self.sock.get_received(NS)]
        for name, payload in events:
            if name == "update" and payload["page"] == self.page:
                self.doc.apply_update(unb64(payload["update"]))
        return events

    def value(self):
        return str(self.text)


def test_two_editors_exchange_updates_only_after_storing(app, community, people, client_for, wiki):
    page = wiki.create(community, people["owner"], "Runbook", body="Step one.\n")
    ana = Editor(app, client_for(people["member"]), page)
    bo = Editor(app, client_for(people["other"]), page)
    ana.sync()
    bo.sync()
    assert ana.value() == bo.value() == "Step one.\n"

    upd = ana.edit(lambda t: t.insert(len(t), "Step two (安娜).\n"))
    assert ana.send(upd) == {"ok": True}
    bo.receive()
    assert bo.value() == "Step one.\nStep two (安娜).\n"
    assert not [e for e in ana.receive() if e[0] == "update"]  # the sender does not hear its own update

    # Concurrent edits on both sides merge the same way everywhere.
    u1 = ana.edit(lambda t: t.insert(0, "# Title\n"))
    u2 = bo.edit(lambda t: t.insert(len(t), "Step three.\n"))
    assert ana.send(u1)["ok"] and bo.send(u2)["ok"]
    ana.receive()
    bo.receive()
    assert ana.value() == bo.value() == "# Title\nStep one.\nStep two (安娜).\nStep three.\n"

    # Stored: a third editor who syncs now gets everything from the server.
    cy = Editor(app, client_for(people["moderator"]), page)
    cy.sync()
    assert cy.value() == ana.value()


def test_offline_edits_merge_on_reconnect(app, community, people, client_for, wiki):
    page = wiki.create(community, people["owner"], "Notes", body="alpha\nbeta\n")
    ana = Editor(app, client_for(people["member"]), page)
    bo = Editor(app, client_for(people["other"]), page)
    ana.sync()
    bo.sync()
    ana.sock.disconnect(NS)
    # Ana keeps typing offline; Bo edits meanwhile.
    ana.edit(lambda t: t.insert(0, "offline 离线 "))
    assert bo.send(bo.edit(lambda t: t.insert(len(t), "gamma\n")))["ok"]
    # Ana reconnects: the sync brings Bo's edit, and sends hers (the state-vector diff).
    ana.sock = _sock(app, client_for(people["member"]))
    _answer, mine = ana.sync()
    assert ana.value() == "offline 离线 alpha\nbeta\ngamma\n"
    assert ana.send(mine)["ok"]
    bo.receive()
    assert bo.value() == ana.value()


def test_bad_updates_are_refused_and_change_nothing(app, community, people, client_for, wiki):
    page = wiki.create(community, people["owner"], "Spec", body="safe\n")
    ana = Editor(app, client_for(people["member"]), page)
    bo = Editor(app, client_for(people["other"]), page)
    ana.sync()
    bo.sync()
    bo.receive()
    for bad, code in ((b64(b"\x01\x02garbage"), "invalid"), ("not base64!", "invalid"), (None, "invalid"),
                      ({"an": "object"}, "invalid"), (b"\x01\x02", "invalid"),
                      (b64(b"\x00" * (app.config["WIKI_UPDATE_MAX_BYTES"] + 1)), "too_large")):
        answer = ana.sock.emit("update", {"page": page, "update": bad, "generation": ana.generation},
                               namespace=NS, callback=True)
        assert answer["ok"] is False and answer["error"] == code, answer
        errors = [p for n, p in ana.receive() if n == "coedit_error"]
        assert errors and errors[-1]["error"] == code and errors[-1]["message"]
    # A text that would pass the page size limit.
    big = ana.edit(lambda t: t.insert(0, "x" * 300_001))
    assert ana.send(big)["error"] == "document_too_large"
    # An update for another generation of the document (a copy from before it was replaced).
    stale = Editor(app, client_for(people["member"]), page)
    assert stale.send(stale.edit(lambda t: t.insert(0, "old")), generation="0" * 16)["error"] == "stale"
    # Nothing reached the others, and the stored document is intact.
    assert not [e for e in bo.receive() if e[0] == "update"]
    cy = Editor(app, client_for(people["moderator"]), page)
    cy.sync()
    assert cy.value() == "safe\n"


ACCESS = ["public", "moderated", "restricted"]


@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("role", ["outsider", "admin", "member"])
def test_every_event_asks_access(app, make_user, make_community, admin_user, client_for, wiki, access, role):
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    c = make_community(owner, name=f"C {access}", access=access, members=[member])
    page = wiki.create(c, owner, "Plans", body="plan\n")
    own = Editor(app, client_for(owner), page)
    own.sync()
    own.receive()
    person = {"outsider": outsider, "admin": admin_user, "member": member}[role]
    them = Editor(app, client_for(person), page)
    upd = Editor(app, client_for(owner), page)
    upd.sync()
    change = upd.edit(lambda t: t.insert(0, "INTRUDER "))
    want = "ok" if role == "member" else ("not_found" if role == "outsider" and access == "restricted"
                                          else "forbidden")
    sync = them.sock.emit("sync", {"page": page, "sv": b64(b"\x00"), "generation": None}, namespace=NS,
                          callback=True)
    sent = them.sock.emit("update", {"page": page, "update": b64(change), "generation": upd.generation},
                          namespace=NS, callback=True)
    cursor = them.sock.emit("cursor", {"page": page, "anchor": b64(b"\x01"), "head": b64(b"\x01")},
                            namespace=NS, callback=True)
    if want == "ok":
        assert sync["ok"] and sent["ok"] and cursor["ok"]
        own.receive()
        assert own.value() == "INTRUDER plan\n"
    else:
        for answer in (sync, sent, cursor):
            assert answer["ok"] is False and answer["error"] == want
        assert "update" not in sync and "sv" not in sync  # learns nothing of the text
        assert not [e for e in own.receive() if e[0] in ("update", "cursor")]
        check = Editor(app, client_for(owner), page)
        check.sync()
        assert check.value() == "plan\n"


def test_lock_and_trash_stop_updates(app, community, people, client_for, wiki):
    from wiki import social
    from wiki.models import WikiPage

    page = wiki.create(community, people["owner"], "Runbook", body="x\n")
    ana = Editor(app, client_for(people["member"]), page)
    ana.sync()
    with app.test_request_context("/", method="POST"):
        social.set_locked(db.session.get(WikiPage, page), None, True)
        db.session.commit()
    assert ana.send(ana.edit(lambda t: t.insert(0, "y")))["error"] == "forbidden"
    mod = Editor(app, client_for(people["moderator"]), page)
    mod.sync()
    assert mod.value() == "x\n"
    wiki.call("delete_page", page, people["moderator"])
    assert mod.send(mod.edit(lambda t: t.insert(0, "z")))["error"] == "not_found"


@pytest.mark.app_config(WIKI_UPDATE_RATE_LIMIT="5 per 10 seconds")
def test_floods_are_rate_limited(app, community, people, client_for, wiki):
    page = wiki.create(community, people["owner"], "Flood", body="")
    ana = Editor(app, client_for(people["member"]), page)
    bo = Editor(app, client_for(people["other"]), page)
    ana.sync()
    bo.sync()
    answers = [ana.send(ana.edit(lambda t, i=i: t.insert(len(t), str(i)))) for i in range(8)]
    assert [a["ok"] for a in answers] == [True] * 5 + [False] * 3
    assert {a["error"] for a in answers[5:]} == {"rate_limited"}
    bo.receive()
    assert bo.value() == "01234"
    # Another person is not slowed down by Ana's flood.
    assert bo.send(bo.edit(lambda t: t.insert(0, "b")))["ok"]
    # The refused edits changed nothing on the server; Ana's copy keeps them (her next sync sends
    # them once she is allowed again).
    cy = Editor(app, client_for(people["moderator"]), page)
    cy.sync()
    assert cy.value() == "b01234"
    assert ana.value() == "01234567"


@pytest.mark.app_config(WIKI_LIVE_COMPACT_EVERY=7)
def test_restart_loses_nothing_acknowledged(app, app_on_same_instance, community, people, client_for, wiki):
    page = wiki.create(community, people["owner"], "Runbook", body="start\n")
    editors = [Editor(app, client_for(people[k]), page) for k in ("member", "other", "moderator")]
    for e in editors:
        e.sync()
    acked = 0
    for round_ in range(30):  # folded into the state every 7 updates; the last ones still appended
        e = editors[round_ % 3]
        assert e.send(e.edit(lambda t, r=round_: t.insert(len(t), f"{r}字 ")))["ok"]
        acked += 1
    for e in editors:
        e.receive()
    expected = editors[0].value()
    assert all(e.value() == expected for e in editors) and expected.count("字") == acked
    from wiki.models import WikiLiveUpdate

    with app.app_context():
        assert 0 < db.session.query(WikiLiveUpdate).count() < 7
    # A new server process on the same database (the old one is gone with its memory).
    other = app_on_same_instance()
    new_client = other.test_client()
    new_client.post("/login", data={"login": "member", "password": "correct-horse"})
    fresh = socketio.test_client(other, namespace=NS, flask_test_client=new_client)
    answer = fresh.emit("sync", {"page": page, "sv": None, "generation": None}, namespace=NS, callback=True)
    assert answer["ok"]
    doc = Doc()
    doc.apply_update(unb64(answer["update"]))
    assert str(doc.get("body", type=Text)) == expected


def test_quiet_documents_become_revisions_with_contributors(app, community, people, client_for, wiki):
    from datetime import timedelta

    from collab.db import utcnow
    from wiki import live
    from wiki.models import WikiRevisionContributor

    page = wiki.create(community, people["owner"], "Runbook", body="one\n")
    ana = Editor(app, client_for(people["member"]), page)
    bo = Editor(app, client_for(people["other"]), page)
    ana.sync()
    bo.sync()
    assert ana.send(ana.edit(lambda t: t.insert(len(t), "two (Ana)\n")))["ok"]
    assert bo.send(bo.edit(lambda t: t.insert(0, "zero (Bo)\n")))["ok"]
    assert live.sweep(app) == 0  # not quiet yet
    later = utcnow() + timedelta(seconds=app.config["WIKI_LIVE_QUIET_SECONDS"] + 1)
    assert live.sweep(app, now=later) == 1
    assert live.sweep(app, now=later) == 0  # saved once
    revs = wiki.revisions(page)
    assert revs[-1][1] == "zero (Bo)\none\ntwo (Ana)\n"
    assert revs[-1][3] == people["other"].id  # the last to edit is the author
    with app.app_context():
        who = {c.user_id for c in db.session.query(WikiRevisionContributor).all()}
    assert who == {people["member"].id, people["other"].id}
    # The history names both.
    history = client_for(people["owner"]).get(url(community, "runbook", "history")).get_data(as_text=True)
    assert "Member" in history and "Other" in history


def test_plain_form_save_merges_into_the_live_document(app, community, people, client_for, wiki):
    page = wiki.create(community, people["owner"], "Runbook", body="line one\nline two\nline three\n")
    ana = Editor(app, client_for(people["member"]), page)
    ana.sync()
    # Cy, without JavaScript, opens the form on revision 1 ...
    cy = client_for(people["moderator"])
    form = cy.get(url(community, "runbook", "edit")).get_data(as_text=True)
    assert "line one" in form
    # ... Ana types live meanwhile (not saved yet) ...
    assert ana.send(ana.edit(lambda t: t.insert(0, "LIVE: ")))["ok"]
    # ... and Cy saves a change to another line through the plain form.
    r = cy.post(url(community, "runbook", "edit"), data={
        "body": "line one\nline two\nline three, by Cy\n", "base_revision": "1", "summary": "tweak",
        "action": "save"})
    assert r.status_code == 302
    ana.receive()
    assert ana.value() == "LIVE: line one\nline two\nline three, by Cy\n"  # merged, nothing dropped
    revs = wiki.revisions(page)
    assert revs[-1][1] == ana.value() and revs[-1][3] == people["moderator"].id
    # An overlapping plain save is a conflict; the live text stays as it was.
    r = cy.post(url(community, "runbook", "edit"), data={
        "body": "EDITED: line one\nline two\nline three\n", "base_revision": "1", "action": "save"})
    assert r.status_code == 409
    cy_text = r.get_data(as_text=True)
    assert "EDITED: line one" in cy_text
    # The markers name the other side for what it is, whether typed live or saved through a form.
    assert "changed by others since you started" in cy_text and "edited live" not in cy_text
    assert ana.value() == "LIVE: line one\nline two\nline three, by Cy\n"


def test_live_editor_form_posts_its_document(app, community, people, client_for, wiki):
    """The editor page with JavaScript posts its whole Yjs state: saved even if its last
    updates never reached the server (offline)."""
    import base64

    page = wiki.create(community, people["owner"], "Runbook", body="a\n")
    ana_client = client_for(people["member"])
    html = ana_client.get(url(community, "runbook", "edit")).get_data(as_text=True)
    import re

    state = base64.b64decode(re.search(r'data-live-state="([^"]+)"', html).group(1))
    generation = re.search(r'data-live-generation="([^"]+)"', html).group(1)
    doc = Doc()
    doc.apply_update(state)
    text = doc.get("body", type=Text)
    assert str(text) == "a\n"
    text.insert(len(text), "offline b\n")
    r = ana_client.post(url(community, "runbook", "edit"), data={
        "body": "ignored", "base_revision": "1", "action": "save", "live_generation": generation,
        "live_state": base64.b64encode(doc.get_update()).decode()})
    assert r.status_code == 302
    assert wiki.revisions(page)[-1][1] == "a\noffline b\n"


def test_a_posted_document_over_the_limit_is_refused_and_leaves_the_shared_one_as_it_was(
        app, community, people, client_for, wiki):
    import re

    from wiki.models import BODY_MAX

    page = wiki.create(community, people["owner"], "Runbook", body="a\n")

    def editor(client):
        html = client.get(url(community, "runbook", "edit")).get_data(as_text=True)
        doc = Doc()
        doc.apply_update(base64.b64decode(re.search(r'data-live-state="([^"]+)"', html).group(1)))
        return doc, re.search(r'data-live-generation="([^"]+)"', html).group(1)

    ana = client_for(people["member"])
    doc, generation = editor(ana)
    text = doc.get("body", type=Text)
    text.insert(len(text), "x" * (BODY_MAX + 10))
    state = base64.b64encode(doc.get_update()).decode()
    r = ana.post(url(community, "runbook", "edit"), data={
        "body": str(text), "base_revision": "1", "action": "save", "live_generation": generation, "live_state": state})
    assert r.status_code == 200 and "cannot be longer than" in r.get_data(as_text=True)  # told, the text kept
    # A client whose form text and document disagree: the document is not taken; the form's text is.
    r = ana.post(url(community, "runbook", "edit"), data={
        "body": "a\nshort\n", "base_revision": "1", "action": "save", "live_generation": generation,
        "live_state": state})
    assert r.status_code == 302 and wiki.revisions(page)[-1][1] == "a\nshort\n"
    # The next editor gets the stored text, not the refused one, and saves normally.
    bo = client_for(people["other"])
    doc2, _generation = editor(bo)
    assert str(doc2.get("body", type=Text)) == "a\nshort\n"
    r = bo.post(url(community, "runbook", "edit"), data={"body": "a\nshort\nb\n", "base_revision": "2",
                                                          "action": "save"})
    assert r.status_code == 302
    assert wiki.revisions(page)[-1][1] == "a\nshort\nb\n"


def test_cursors_carry_the_senders_identity_and_go_with_them(app, community, people, client_for, wiki):
    page = wiki.create(community, people["owner"], "Runbook", body="hello\n")
    ana = Editor(app, client_for(people["member"]), page)
    bo = Editor(app, client_for(people["other"]), page)
    ana.sync()
    bo.sync()
    ana.receive()
    # Whatever a client claims, the name and colour are the server's (from the signed-in person).
    answer = bo.sock.emit("cursor", {"page": page, "anchor": b64(b"\x01\x02"), "head": b64(b"\x01\x02"),
                                     "user": {"name": "Admin"}}, namespace=NS, callback=True)
    assert answer == {"ok": True}
    cursors = [p for n, p in ana.receive() if n == "cursor"]
    assert len(cursors) == 1
    assert cursors[0]["user"]["name"] == "Other" and cursors[0]["user"]["colour"] == people["other"].id % 8
    assert cursors[0]["head"] == b64(b"\x01\x02")
    assert bo.sock.emit("cursor", {"page": page, "anchor": b64(b"x" * 200), "head": None}, namespace=NS,
                        callback=True)["error"] == "too_large"
    bo.sock.disconnect(NS)
    gone = [p for n, p in ana.receive() if n == "cursor_gone"]
    assert gone and gone[0]["sid"] == cursors[0]["sid"]


@pytest.mark.app_config(WIKI_LIVE_COMPACT_EVERY=2)
def test_server_processes_share_the_document_through_the_database(app, app_on_same_instance, community, people,
                                                                   wiki):
    """Two server processes (two apps, each with its own document cache) on one database: what
    one stores, the other's stale copy picks up on its next sync, compactions included."""
    from collab.accounts.models import User
    from wiki import live
    from wiki.models import WikiPage

    page = wiki.create(community, people["owner"], "Runbook", body="x\n")
    other = app_on_same_instance(WIKI_LIVE_COMPACT_EVERY=2)

    def in_app(a, fn):
        with a.test_request_context("/", method="POST"):
            return fn(db.session.get(WikiPage, page), db.session.get(User, people["member"].id))

    start = in_app(app, lambda p, u: live.sync_answer(p, None, None))
    assert in_app(other, lambda p, u: live.sync_answer(p, None, None))["generation"] == start["generation"]
    mine = Doc()
    mine.apply_update(start["update"])
    text = mine.get("body", type=Text)
    for word in ("one ", "two ", "three ", "四 ", "five "):  # through the first process, compacted twice
        before = mine.get_state()
        text.insert(0, word)
        in_app(app, lambda p, u, upd=mine.get_update(before): live.apply_update(p, u, upd, start["generation"]))
    theirs = Doc()
    theirs.apply_update(start["update"])
    answer = in_app(other, lambda p, u: live.sync_answer(p, theirs.get_state(), start["generation"]))
    theirs.apply_update(answer["update"])
    assert str(theirs.get("body", type=Text)) == "five 四 three two one x\n"
    # The second process's save has all of it.
    with other.test_request_context("/", method="POST"):
        saved = live.save(page, db.session.get(User, people["other"].id))
        db.session.commit()
    assert saved.revision is not None
    assert wiki.revisions(page)[-1][1] == "five 四 three two one x\n"
