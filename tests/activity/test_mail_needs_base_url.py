"""Email sent outside a request needs the site's address (COLLAB_BASE_URL): without it nothing
goes out with a wrong http://localhost:5000 link; the admin is told what to set."""
from __future__ import annotations

import logging
import time

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from collab.activity import mail
from collab.activity.models import Notification
from collab.cli import main
from collab.extensions import db
from tests.activity.test_mail import _mention, _setup, smtp  # noqa: F401  (fixture)


def _send_digests(app):
    return CliRunner().invoke(main, ["send-digests"], obj=ScriptInfo(create_app=lambda: app))


def test_send_digests_refuses_without_the_sites_address_and_the_mail_waits(app, smtp, make_user,  # noqa: F811
                                                                          make_community):
    ana, bob, place = _setup(app, smtp, make_user, make_community)
    app.config["BASE_URL"] = None
    _mention(app, ana, place, "Roadmap")
    result = _send_digests(app)
    assert result.exit_code != 0 and "set COLLAB_BASE_URL" in result.output
    assert smtp[1].messages == []
    with app.app_context():
        assert db.session.scalars(select(Notification.mail)).all() == ["now"]  # waits, not lost
    app.config["BASE_URL"] = "https://collab.example.com"
    result = _send_digests(app)
    assert result.exit_code == 0, result.output
    (_, msg), = smtp[1].messages
    assert msg["List-Unsubscribe"].startswith("<https://collab.example.com/")
    assert "localhost:5000" not in msg.get_payload(decode=True).decode()


def test_the_background_sender_holds_mail_and_warns_without_the_sites_address(app, smtp, make_user,  # noqa: F811
                                                                             make_community, caplog):
    ana, bob, place = _setup(app, smtp, make_user, make_community)
    app.config["BASE_URL"] = None
    caplog.set_level(logging.WARNING, logger="collab.activity.mail")
    thread = mail.MailThread(app, poll=30).start()
    try:
        _mention(app, ana, place, "Roadmap")
        deadline = time.monotonic() + 10
        while "COLLAB_BASE_URL" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        thread.stop()
    assert "set COLLAB_BASE_URL" in caplog.text and smtp[1].messages == []
