"""Site settings an admin changes in the console take effect: registration mode, who creates
communities, the default language, the upload limit (enforced by collab.files for every tool) and
the mail server (used by every sender, the configuration as fallback; its password never shown
back). Every change is audited, the password only as "set". And CSRF protects every console and
community-settings form."""
from __future__ import annotations

import email
import re
import time
from email import policy

import pytest
from aiosmtpd.controller import Controller

from collab import activity, audit
from collab.accounts.models import User
from collab.activity import mail as activity_mail
from collab.activity.models import NotificationPreference
from collab.extensions import db
from collab.settings import smtp_config
from communities.models import Community
from tests.conftest import csrf_token
from tests.helpers import text
from tests.live import free_port

BASE = {"registration_mode": "open", "community_creation": "all", "default_locale": "en"}


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, sink
    controller.stop()


def test_mail_server_from_settings_is_used_by_notifications_and_its_password_never_shown(
        app, make_user, make_community, client_for, admin_user, smtp):
    controller, sink = smtp
    admin = client_for(admin_user)
    with app.app_context():
        assert smtp_config()["host"] is None  # TestConfig: no server configured
    page = text(admin.get("/admin/settings"))
    assert "No mail server is set" in page and "Send test email" not in page
    r = admin.post("/admin/settings", data={**BASE, "smtp_host": "127.0.0.1", "smtp_port": "not a port",
                                            "smtp_user": "mailer", "smtp_password": "s3cret-pw",
                                            "smtp_from": "collab@corp.example"})
    body = text(r)
    assert r.status_code == 200 and 'value="127.0.0.1"' in body and 'value="mailer"' in body
    assert "s3cret-pw" not in body  # not even after a validation error
    r = admin.post("/admin/settings", data={**BASE, "smtp_host": "127.0.0.1", "smtp_port": controller.port,
                                            "smtp_from": "collab@corp.example", "smtp_password": "s3cret-pw"})
    assert r.status_code == 302
    page = text(admin.get("/admin/settings"))
    assert "s3cret-pw" not in page and 'data-testid="password-saved"' in page
    assert f"Email goes through 127.0.0.1:{controller.port}" in page
    # Saving again without typing it keeps the password.
    admin.post("/admin/settings", data={**BASE, "smtp_host": "127.0.0.1", "smtp_port": controller.port,
                                        "smtp_from": "collab@corp.example"})
    with app.app_context():
        cfg = smtp_config()
        assert (cfg["host"], cfg["port"], cfg["password"], cfg["sender"]) == (
            "127.0.0.1", controller.port, "s3cret-pw", "collab@corp.example")
    # The test email and a notification email both go through it.
    r = admin.post("/admin/settings/test-email", follow_redirects=True)
    assert "A test email was sent to siteadmin@example.com" in text(r)
    ana, bob = make_user("ana"), make_user("bob")
    place = make_community(ana, "Place", members=[bob])
    with app.app_context():
        db.session.add(NotificationPreference(user_id=bob.id, kind="mention", channel="email"))
        activity.notify_mentions("hi @bob", actor=db.session.get(User, ana.id), key="wiki_page:1",
                                 community=db.session.get(Community, place.id), title="Hello", url="/c/place/")
        db.session.commit()
        assert activity_mail.send_now() == 1
    assert [m[0] for m in sink.messages] == [["siteadmin@example.com"], ["bob@example.com"]]
    assert all(m[1]["From"] == "collab@corp.example" for m in sink.messages)
    # Removing the saved server falls back to the configuration (none here).
    admin.post("/admin/settings", data={**BASE, "smtp_host": "", "smtp_port": "", "smtp_from": "", "smtp_user": "",
                                        "smtp_clear_password": "y"})
    with app.app_context():
        assert smtp_config()["host"] is None and smtp_config()["password"] is None
    entries = []
    with app.app_context():
        entries = [(e.before, e.after) for e in db.session.scalars(audit.entries_query(action="site.settings"))][::-1]
    assert entries[0][1]["smtp_password"] == "set" and entries[0][0]["smtp_password"] == ""
    assert "s3cret-pw" not in repr(entries)
    assert entries[-1][1] == {"smtp_host": "", "smtp_port": "", "smtp_from": "", "smtp_password": ""}


@pytest.mark.app_config(SMTP_HOST="127.0.0.1", SMTP_FROM="config@corp.example")
def test_configuration_is_the_fallback(app):
    with app.app_context():
        cfg = smtp_config()
        assert cfg["host"] == "127.0.0.1" and cfg["sender"] == "config@corp.example"


def test_upload_limit_is_enforced_for_every_tool(app, make_user, make_community, client_for, admin_user):
    owner = make_user("owner")
    c = make_community(owner, name="Files")
    oc, admin = client_for(owner), client_for(admin_user)
    from wiki import services as wiki

    with app.test_request_context("/", method="POST"):
        page = wiki.create_page(db.session.get(Community, c.id), db.session.get(User, owner.id), title="Docs")
        db.session.commit()
        path = page.path

    def store(size):
        from collab import files

        with app.test_request_context("/", method="POST"):
            stored = files.store(b"a" * size, "notes.txt", uploader=owner.id, community=c.id)
            db.session.rollback()
            return stored.size

    assert store(3 * 1024 * 1024) == 3 * 1024 * 1024  # the configuration's 10 MB
    r = admin.post("/admin/settings", data={**BASE, "upload_max_mb": "0"})
    assert "Number must be between 1 and 1024" in text(r) and 'value="0"' in text(r)
    admin.post("/admin/settings", data={**BASE, "upload_max_mb": "2"})
    from collab.files import UploadError

    with pytest.raises(UploadError, match="larger than 2.0 MB"):
        store(2 * 1024 * 1024 + 1)
    assert store(2 * 1024 * 1024) == 2 * 1024 * 1024
    # The tools tell people the limit in force.
    assert "Up to 2.0 MB" in text(oc.get(f"/c/{c.slug}/wiki/{path}/-/attachments"))
    with app.app_context():
        (before, after), = [(e.before, e.after) for e in db.session.scalars(audit.entries_query(action="site.settings"))]
        assert before == {"upload_max_mb": ""} and after == {"upload_max_mb": "2"}


def test_registration_creation_and_language_settings_take_effect(app, make_user, client_for, admin_user):
    walker = make_user("walker")
    admin = client_for(admin_user)
    admin.post("/admin/settings", data={"registration_mode": "admin", "community_creation": "admins",
                                        "default_locale": "zh_Hans"})
    anon = client_for(None)
    r = anon.get("/register")
    assert r.status_code == 403
    assert 'lang="zh-Hans"' in text(anon.get("/login"))
    assert client_for(walker).get("/c/new").status_code == 403
    assert admin.get("/c/new").status_code == 200


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_console_and_community_settings_forms_need_the_csrf_token(app, make_user, make_community, admin_user):
    owner = make_user("owner")
    c = make_community(owner, name="Guarded", access="moderated")
    client = app.test_client()
    token = csrf_token(text(client.get("/login")))
    assert client.post("/login", data={"login": "siteadmin", "password": "correct-horse",
                                       "csrf_token": token}).status_code == 302
    posts = [
        (f"/admin/users/{owner.id}/deactivate", {}), (f"/admin/users/{owner.id}/grant-admin", {}),
        (f"/admin/users/{owner.id}/reset-password", {}), ("/admin/users/new", {"username": "x"}),
        ("/admin/invites", {}), (f"/admin/communities/{c.id}/archive", {}),
        (f"/admin/communities/{c.id}/access", {"access": "restricted"}),
        (f"/admin/communities/{c.id}/delete", {"confirm": "Guarded"}),
        (f"/admin/communities/{c.id}/transfer", {"username": "siteadmin"}),
        ("/admin/settings", BASE), ("/admin/settings/test-email", {}),
        (f"/c/{c.slug}/settings", {"name": "Hijacked", "slug": c.slug, "access": "public", "posting": "members"}),
        (f"/c/{c.slug}/invite", {"people": "siteadmin"}),
        (f"/c/{c.slug}/requests/bulk", {"decision": "approve", "request": ["1"]}),
        (f"/c/{c.slug}/members/{owner.id}/role", {"role": "member"}),
        (f"/c/{c.slug}/members/{owner.id}/remove", {}),
    ]
    for url, data in posts:
        r = client.post(url, data=data)
        assert r.status_code == 400, url
    with app.app_context():
        community = db.session.get(Community, c.id)
        assert community is not None and community.name == "Guarded" and not community.is_archived
        assert not db.session.get(User, owner.id).is_deactivated
        assert db.session.scalars(audit.entries_query()).first() is None
    # With the form's token the same request goes through.
    page = text(client.get(f"/admin/communities/{c.id}/delete"))
    r = client.post(f"/admin/communities/{c.id}/delete", data={"confirm": "Guarded", "csrf_token": csrf_token(page)})
    assert r.status_code == 302
    assert re.search(r"Guarded", text(client.get("/admin/audit")))
