"""The admin console end to end: people (find, create, invite by email, deactivate, admin rights,
one-time password reset links), communities (find, archive, restore, change access, transfer),
and the audit entry each action leaves, with before and after."""
from __future__ import annotations

import email
import re
from email import policy
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from collab import audit
from collab.accounts.models import PasswordReset, SiteInvite, User
from collab.db import utcnow
from collab.extensions import db
from communities.models import Community, Membership
from tests.helpers import text
from tests.live import free_port


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(app):
    """A real local SMTP server, set as the site's mail server through the console's settings."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, sink
    controller.stop()


def entries(app, action=None):
    with app.app_context():
        stmt = audit.entries_query(action=action or "")
        rows = db.session.scalars(stmt).all()
        return [(e.action, e.actor_name, e.target_key, e.target_label, e.community_id, e.before, e.after)
                for e in rows]


def set_mail_server(admin, port):
    r = admin.post("/admin/settings", data={"registration_mode": "open", "community_creation": "all",
                                           "default_locale": "en", "smtp_host": "127.0.0.1", "smtp_port": port})
    assert r.status_code == 302


def test_people_search_create_deactivate_and_admin_rights_are_audited(app, make_user, client_for, admin_user):
    wang = make_user("wangwei", display_name="王伟", email="wei.wang@corp.example")
    make_user("ana")
    admin = client_for(admin_user)
    for q in ("王伟", "wei.wang@corp", "WANGW"):
        body = text(admin.get("/admin/users", query_string={"q": q}))
        assert "@wangwei" in body and "@ana" not in body, q
    # Create, keeping what was typed when a rule is broken.
    r = admin.post("/admin/users/new", data={"username": "ana", "display_name": "Second Ana", "email": "a2@x.example",
                                             "password": "long-enough-1", "confirm": "long-enough-1"})
    assert "That username is taken" in text(r) and 'value="Second Ana"' in text(r) and 'value="a2@x.example"' in text(r)
    r = admin.post("/admin/users/new", data={"username": "lina", "display_name": "Lina", "email": "lina@x.example",
                                             "password": "long-enough-1", "confirm": "long-enough-1"})
    assert r.status_code == 302
    lina = client_for(None)
    assert lina.post("/login", data={"login": "lina", "password": "long-enough-1"}).status_code == 302
    # Deactivate: signed out at once, cannot sign in; reactivate.
    wang_c = client_for(wang)
    r = admin.post(f"/admin/users/{wang.id}/deactivate", data={"next": "/admin/users?q=wang"})
    assert r.headers["Location"] == "/admin/users?q=wang"
    assert wang_c.get("/").status_code == 302
    assert client_for(None).post("/login", data={"login": "wangwei", "password": "correct-horse"}).status_code == 200
    admin.post(f"/admin/users/{wang.id}/reactivate", data={"next": "//evil.example/"})
    assert client_for(wang).get("/").status_code == 200
    # Admin rights: grant, the console opens; revoke, it is gone. Nobody removes their own.
    admin.post(f"/admin/users/{wang.id}/grant-admin")
    assert client_for(wang).get("/admin/").status_code == 200
    admin.post(f"/admin/users/{wang.id}/revoke-admin")
    assert client_for(wang).get("/admin/").status_code == 404
    r = admin.post(f"/admin/users/{admin_user.id}/revoke-admin", follow_redirects=True)
    assert "cannot remove your own admin rights" in text(r)
    r = admin.post(f"/admin/users/{admin_user.id}/deactivate", follow_redirects=True)
    assert "cannot deactivate yourself" in text(r)
    log = entries(app)
    actions = [e[0] for e in log][::-1]
    assert actions == ["user.create", "user.deactivate", "user.reactivate", "user.grant_admin", "user.revoke_admin"]
    by_action = {e[0]: e for e in log}
    assert by_action["user.deactivate"][1:4] == ("Site Admin", f"user:{wang.id}", "wangwei")
    assert by_action["user.deactivate"][5:] == ({"deactivated": False}, {"deactivated": True})
    assert by_action["user.grant_admin"][5:] == ({"admin": False}, {"admin": True})
    assert by_action["user.create"][6]["username"] == "lina"
    # The log page shows them, filterable by who and what.
    page = text(admin.get("/admin/audit", query_string={"action": "user.deactivate"}))
    assert 'data-action="user.deactivate"' in page and 'data-action="user.create"' not in page
    assert 'data-action="user.create"' in text(admin.get("/admin/audit", query_string={"actor": "siteadmin"}))
    assert "No actions recorded" in text(admin.get("/admin/audit", query_string={"actor": "ana"}))
    page = text(admin.get("/admin/audit", query_string={"actor": "ghost"}))
    assert "No account with that username" in page and 'value="ghost"' in page
    # Days at the ends of the calendar are no bound at all (they were a 500).
    page = text(admin.get("/admin/audit", query_string={"since": "0001-01-01", "until": "9999-12-31"}))
    assert 'data-action="user.create"' in page


def test_reset_link_is_shown_once_emailed_works_once_and_expires(app, make_user, client_for, admin_user, smtp):
    controller, sink = smtp
    kim = make_user("kim", locale="zh_Hans")
    admin = client_for(admin_user)
    # Without a mail server: the admin copies the link.
    r = admin.post(f"/admin/users/{kim.id}/reset-password", follow_redirects=True)
    page = text(r)
    link = re.search(r'(http://[^"]+/reset-password/[^"]+)"', page).group(1)
    assert "was not emailed" in page
    assert "shown only once" in text(admin.get(f"/admin/users/{kim.id}/reset-link", follow_redirects=True))
    # With the site's mail server set, the next link is emailed too (in the person's language),
    # and the earlier link stops working.
    set_mail_server(admin, controller.port)
    page = text(admin.post(f"/admin/users/{kim.id}/reset-password", follow_redirects=True))
    assert "It was also emailed to kim@example.com" in page
    second = re.search(r'(http://[^"]+/reset-password/[^"]+)"', page).group(1)
    (rcpt, msg), = sink.messages
    assert rcpt == ["kim@example.com"] and second in msg.get_content() and "设置新密码" in str(msg["Subject"])
    anon = client_for(None)
    path = lambda u: u.split("localhost", 1)[-1]  # noqa: E731
    assert anon.get(path(link)).status_code == 404
    assert "Set a new password" in text(anon.get(path(second)))
    r = anon.post(path(second), data={"password": "short", "confirm": "short"})
    assert r.status_code == 200 and "Field must be between 8 and 512 characters long" in text(r)
    r = anon.post(path(second), data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert anon.post("/login", data={"login": "kim", "password": "brand-new-pass"}).status_code == 302
    assert client_for(None).get(path(second)).status_code == 404  # once only
    # Expired links do not work.
    r = admin.post(f"/admin/users/{kim.id}/reset-password", follow_redirects=True)
    third = re.search(r'(http://[^"]+/reset-password/[^"]+)"', text(r)).group(1)
    with app.app_context():
        for row in db.session.scalars(select(PasswordReset).where(PasswordReset.used_at.is_(None))):
            row.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client_for(None).get(path(third)).status_code == 404
    # A link outlives nothing: changing one's password spends the link an admin made before.
    fourth = re.search(r'(http://[^"]+/reset-password/[^"]+)"',
                       text(admin.post(f"/admin/users/{kim.id}/reset-password", follow_redirects=True))).group(1)
    assert "Set a new password" in text(client_for(None).get(path(fourth)))
    kims = client_for(None)
    assert kims.post("/login", data={"login": "kim", "password": "brand-new-pass"}).status_code == 302
    r = kims.post("/settings/password", data={"current": "brand-new-pass", "password": "another-pass-9",
                                              "confirm": "another-pass-9"})
    assert r.status_code == 302
    assert client_for(None).get(path(fourth)).status_code == 404
    actions = [e for e in entries(app, "user.reset_password")]
    assert len(actions) == 4 and [a[6]["emailed"] for a in actions] == [True, True, True, False]
    with app.app_context():  # only hashes are kept
        stored = db.session.scalars(select(PasswordReset.token_hash)).all()
        assert all(second.rsplit("/", 1)[-1] != h for h in stored)


def test_invite_by_email_sends_the_link_and_it_registers_once(app, make_user, client_for, admin_user, smtp):
    controller, sink = smtp
    admin = client_for(admin_user)
    r = admin.post("/admin/invites", data={"email": "bad address"})
    assert "valid email" in text(r) and 'value="bad address"' in text(r)
    set_mail_server(admin, controller.port)
    admin.post("/admin/settings", data={"registration_mode": "invite", "community_creation": "all",
                                        "default_locale": "en", "smtp_host": "127.0.0.1", "smtp_port": controller.port})
    r = admin.post("/admin/invites", data={"email": "New.Hire@Corp.example"}, follow_redirects=True)
    assert "emailed to new.hire@corp.example" in text(r)
    (rcpt, msg), = sink.messages
    link = re.search(r"http://\S+/register\?invite=\S+", msg.get_content()).group(0)
    assert rcpt == ["new.hire@corp.example"]
    anon = client_for(None)
    assert anon.get("/register").status_code == 403  # invite-only
    path = link.split("localhost", 1)[-1]
    assert 'value="new.hire@corp.example"' in text(anon.get(path))
    with app.app_context():
        token = db.session.scalar(select(SiteInvite.token))
    r = anon.post("/register", data={"username": "newhire", "email": "new.hire@corp.example", "password": "long-enough-1",
                                     "confirm": "long-enough-1", "invite": token})
    assert r.status_code == 302
    assert "Registration is closed" in text(client_for(None).get(path))
    (action, *_rest, after), = [(e[0], e[6]) for e in entries(app, "user.invite")]
    assert after == {"email": "new.hire@corp.example", "emailed": True}


def test_communities_archive_restore_access_and_transfer_are_audited(app, make_user, make_community, client_for,
                                                                      admin_user):
    owner, heir, walker = make_user("owner"), make_user("heir"), make_user("walker")
    c = make_community(owner, name="Old Project", access="public")
    make_community(owner, name="Kitchen", access="restricted")
    admin = client_for(admin_user)
    body = text(admin.get("/admin/communities", query_string={"q": "old"}))
    assert "Old Project" in body and "Kitchen" not in body and "@owner" in body
    assert "Kitchen" in text(admin.get("/admin/communities", query_string={"status": "restricted"}))
    admin.post(f"/admin/communities/{c.id}/archive")
    assert "archived" in text(client_for(walker).post(f"/c/{c.slug}/join", follow_redirects=True))
    admin.post(f"/admin/communities/{c.id}/restore")
    r = admin.post(f"/admin/communities/{c.id}/access", data={"access": "restricted", "next": "/admin/communities"})
    assert r.headers["Location"] == "/admin/communities"
    assert client_for(walker).get(f"/c/{c.slug}/").status_code == 404
    r = admin.post(f"/admin/communities/{c.id}/access", data={"access": "secret"}, follow_redirects=True)
    assert "Choose public, moderated or restricted" in text(r)
    r = admin.post(f"/admin/communities/{c.id}/transfer", data={"username": "nobody"})
    assert "No active account" in text(r) and 'value="nobody"' in text(r)
    admin.post(f"/admin/communities/{c.id}/transfer", data={"username": "@heir"})
    with app.app_context():
        roles = dict(db.session.execute(select(Membership.user_id, Membership.role)
                                        .where(Membership.community_id == c.id)).all())
        assert roles == {owner.id: "moderator", heir.id: "owner"}
        assert db.session.get(Community, c.id).access == "restricted"
    log = {e[0]: e for e in entries(app)}
    assert set(log) == {"community.archive", "community.restore", "community.access", "community.transfer"}
    assert all(e[4] == c.id and e[2] == f"community:{c.id}" for e in log.values())
    assert log["community.access"][5:] == ({"access": "public"}, {"access": "restricted"})
    assert log["community.transfer"][5:] == ({"owners": ["owner"]}, {"owners": ["heir"]})
    # The new owner reads the community's log; the former owner (now a moderator) may not.
    heir_log = text(client_for(heir).get(f"/c/{c.slug}/settings/log"))
    assert "Ownership transferred" in heir_log and "Access changed" in heir_log
    assert client_for(owner).get(f"/c/{c.slug}/settings/log").status_code == 403


def test_console_pages_in_chinese_and_the_side_navigation(app, make_user, client_for, admin_user):
    admin = client_for(admin_user)
    with app.app_context():
        db.session.get(User, admin_user.id).locale = "zh_Hans"
        db.session.commit()
    page = text(admin.get("/admin/"))
    assert 'class="admin-nav"' in page
    for label in ("概览", "人员", "社区", "站点设置", "审计日志"):
        assert label in page, label
    assert 'aria-current="page">概览' in page
    assert 'aria-current="page">审计日志' in text(admin.get("/admin/audit"))
