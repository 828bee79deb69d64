"""Notification email through a real local SMTP server (aiosmtpd): at once, as a digest, the
one-click unsubscribe link, and nothing about places the person may no longer read."""
from __future__ import annotations

import email
import email.header
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from collab import activity
from collab.accounts.models import User
from collab.activity import mail
from collab.activity.models import Notification, NotificationPreference
from collab.extensions import db
from communities.models import Community
from tests.live import free_port


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, sink
    controller.stop()


def _setup(app, smtp, make_user, make_community, channel="email"):
    controller, _ = smtp
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, BASE_URL="http://collab.test")
    ana, bob = make_user("ana"), make_user("bob")
    place = make_community(ana, "Place", access="restricted", members=[bob])
    with app.app_context():
        db.session.add(NotificationPreference(user_id=bob.id, kind="mention", channel=channel))
        db.session.commit()
    return ana, bob, place


def _mention(app, ana, place, title):
    with app.app_context():
        activity.notify_mentions("hi @bob", actor=db.session.get(User, ana.id), key=f"wiki_page:{title}",
                                 community=db.session.get(Community, place.id), title=title, url="/c/place/")
        db.session.commit()


def test_email_now_is_sent_by_the_background_sender_soon_after_commit(app, smtp, make_user, make_community):
    ana, bob, place = _setup(app, smtp, make_user, make_community)
    thread = mail.MailThread(app, poll=30).start()
    try:
        _mention(app, ana, place, "Roadmap")
        deadline = time.monotonic() + 10
        while not smtp[1].messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        thread.stop()
    (rcpt, msg), = smtp[1].messages
    assert rcpt == ["bob@example.com"] and msg["Subject"] == "Ana mentioned you in Roadmap"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "http://collab.test/notifications/" in msg.get_payload(decode=True).decode()
    with app.app_context():
        assert db.session.scalars(select(Notification.mail)).all() == ["sent"]


def test_digest_collects_everything_once_and_skips_what_one_may_no_longer_read(app, smtp, make_user, make_community, client_for):
    ana, bob, place = _setup(app, smtp, make_user, make_community, channel="digest")
    _mention(app, ana, place, "First")
    _mention(app, ana, place, "Second")
    with app.app_context():
        assert mail.send_now() == 0
        assert mail.send_digests() == 1
        assert mail.send_digests() == 0  # sent once
    (_, msg), = smtp[1].messages
    body = msg.get_payload(decode=True).decode()
    assert "Ana mentioned you in First" in body and "Ana mentioned you in Second" in body
    _mention(app, ana, place, "Third")
    client_for(bob).post(f"/c/{place.slug}/leave")
    with app.app_context():
        assert mail.send_digests() == 0
    assert len(smtp[1].messages) == 1


def test_one_click_unsubscribe_turns_that_kind_off(app, smtp, make_user, make_community):
    ana, bob, place = _setup(app, smtp, make_user, make_community)
    _mention(app, ana, place, "Roadmap")
    with app.app_context():
        assert mail.send_now() == 1
    (_, msg), = smtp[1].messages
    link = msg["List-Unsubscribe"].strip("<>").replace("http://collab.test", "")
    anonymous = app.test_client()
    assert "Stop notifications about" in anonymous.get(link).get_data(as_text=True)
    r = anonymous.post(link, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 204
    with app.app_context():
        assert activity.channel_of(bob.id, "mention") == "off"
    _mention(app, ana, place, "Again")
    with app.app_context():
        assert mail.send_now() == 0
    assert anonymous.post(link[:-3] + "abc").status_code == 404


def test_several_senders_at_once_mail_each_notification_once(app, smtp, make_user, make_community):
    """Every server process runs a sender: they claim rows, so nobody gets a mail twice."""
    import threading

    ana, bob, place = _setup(app, smtp, make_user, make_community)
    cy = make_user("cy")
    with app.app_context():
        db.session.add(NotificationPreference(user_id=cy.id, kind="mention", channel="email"))
        from communities import services as community_services

        community_services._add_member(db.session.get(Community, place.id), db.session.get(User, cy.id))
        db.session.commit()
        for i in range(6):
            activity.notify_mentions("hi @bob and @cy", actor=db.session.get(User, ana.id), key=f"wiki_page:{i}",
                                     community=db.session.get(Community, place.id), title=f"Page {i}", url="/c/place/")
        db.session.commit()
    results, start = [], threading.Barrier(3)

    def sender():
        start.wait()
        with app.app_context():
            try:
                results.append(mail.send_now())
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    subjects = sorted((tuple(rcpt), msg["Subject"]) for rcpt, msg in smtp[1].messages)
    assert len(subjects) == 12 and len(set(subjects)) == 12, subjects
    assert sum(results) == 12
    with app.app_context():
        assert set(db.session.scalars(select(Notification.mail))) == {"sent"}


def test_a_failed_send_gives_its_claim_back(app, smtp, make_user, make_community):
    ana, bob, place = _setup(app, smtp, make_user, make_community)
    _mention(app, ana, place, "Plans")
    app.config["SMTP_PORT"] = free_port()  # nobody listens: the send fails
    with app.app_context(), pytest.raises(OSError):
        mail.send_now()
    with app.app_context():
        n = db.session.scalars(select(Notification)).one()
        assert n.mail == "now" and n.mail_claimed_at is None  # waiting, free for the next pass
    app.config["SMTP_PORT"] = smtp[0].port
    with app.app_context():
        assert mail.send_now() == 1
    assert len(smtp[1].messages) == 1


def test_mail_comes_in_the_persons_language_else_the_sites(app, smtp, make_user, make_community):
    """Bob chose no language: the site's default (an admin setting) decides; Cy chose English."""
    from collab.settings import set_setting

    ana, bob, place = _setup(app, smtp, make_user, make_community)
    cy = make_user("cy")
    with app.app_context():
        set_setting("default_locale", "zh_Hans")
        db.session.get(User, cy.id).locale = "en"
        from communities import services
        services._add_member(db.session.get(Community, place.id), db.session.get(User, cy.id))
        db.session.add(NotificationPreference(user_id=cy.id, kind="mention", channel="email"))
        db.session.commit()
        activity.notify_mentions("hi @bob and @cy", actor=db.session.get(User, ana.id), key="wiki_page:Plan",
                                 community=db.session.get(Community, place.id), title="Plan", url="/c/place/")
        db.session.commit()
        assert mail.send_now() == 2
    subjects = {rcpt[0]: str(email.header.make_header(email.header.decode_header(msg["Subject"])))
                for rcpt, msg in smtp[1].messages}
    assert subjects == {"cy@example.com": "Ana mentioned you in Plan", "bob@example.com": "Ana 在《Plan》中提到了你"}


def test_a_name_that_breaks_lines_neither_stops_the_mail_nor_passes_the_form(app, smtp, make_user, make_community,
                                                                             client_for):
    """A line separator in a name made the email library refuse every message quoting it, and
    the sender retried that message on every pass: nobody's mail went out any more."""
    _controller, sink = smtp
    ana, bob, place = _setup(app, smtp, make_user, make_community)
    eve, carol = make_user("eve"), make_user("carol")
    r = client_for(eve).post("/settings/profile", data={"display_name": "Eve\u2028Evil"})
    assert r.status_code == 200 and "Remove the control characters" in r.get_data(as_text=True)
    with app.app_context():
        db.session.get(User, eve.id).display_name = "Eve\u2028Evil"  # as an older version may have stored it
        db.session.add(NotificationPreference(user_id=carol.id, kind="mention", channel="email"))
        from communities.models import Membership

        for who in (eve, carol):
            db.session.add(Membership(user_id=who.id, community_id=place.id, role="member"))
        db.session.commit()
        for actor, who, title in ((eve, "bob", "From eve"), (ana, "bob", "From ana"), (ana, "carol", "For carol")):
            activity.notify_mentions(f"hi @{who}", actor=db.session.get(User, actor.id), key=f"wiki_page:{title}",
                                     community=db.session.get(Community, place.id), title=title, url="/c/place/")
            db.session.commit()
        assert mail.send_now() == 3
    subjects = sorted(str(email.header.make_header(email.header.decode_header(m["Subject"]))) for _r, m in sink.messages)
    assert len(subjects) == 3 and any(s.startswith("Eve Evil") for s in subjects), subjects
    assert all("\u2028" not in s and "\n" not in s for s in subjects)
