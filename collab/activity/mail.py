"""Notification email: sent through SMTP (COLLAB_SMTP_*), at once for people who chose "email"
and as one daily digest for those who chose "digest". Every message carries a one-click
unsubscribe link (RFC 8058) that turns that kind off.

A notification waits in the database with mail="now" or "digest" and becomes "sent" once the
server handed it to SMTP. In `collab serve` a background thread sends the "now" ones right after
the commit that made them (and polls, in case another process made them) and the digest once a
day; `collab send-digests` does the same from the command line.
"""
from __future__ import annotations

import logging
import smtplib
import threading
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, url_for
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from collab import mail as core_mail
from collab.accounts.models import User
from collab.db import savepoint_released, utcnow, write_intent
from collab.extensions import db
from collab.settings import locale_for
from collab.text import word_list

from .inbox import _readable
from .labels import KIND_LINES, KIND_NAMES, someone
from .models import MAIL_DIGEST, MAIL_NONE, MAIL_NOW, MAIL_SENT, OFF, Notification

log = logging.getLogger(__name__)
_wake = threading.Event()
_NEW_MAIL = "collab_activity_new_mail"
DIGEST_LIMIT = 50
_POLICY = core_mail.POLICY


# --------------------------------------------------------------------------- unsubscribe tokens


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="collab-unsubscribe")


def unsubscribe_token(user_id: int, kinds: str | list[str]) -> str:
    """A link that turns off ``kinds`` (one kind, or every kind a digest is about)."""
    kinds = [kinds] if isinstance(kinds, str) else sorted(set(kinds))
    return _serializer().dumps([user_id, kinds[0] if len(kinds) == 1 else kinds])


def read_unsubscribe_token(token: str) -> tuple[int, list[str]] | None:
    try:
        user_id, kinds = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if (not isinstance(user_id, int) or not isinstance(kinds, list) or not kinds
            or not all(isinstance(k, str) and k in KIND_NAMES for k in kinds)):
        return None
    return user_id, kinds


# --------------------------------------------------------------------------- messages


def configured() -> bool:
    """An email server is set (in site settings or the configuration)."""
    return core_mail.configured()


NO_BASE_URL = ("Links in notification email need the site's address: set COLLAB_BASE_URL to it (for "
               "example https://collab.example.com). `collab serve` sets it from the address it serves on.")


def base_url() -> str | None:
    """The site's address for the links in email, or None when nothing says it: outside a request
    only COLLAB_BASE_URL (which `collab serve` fills in) does, and a guess such as
    http://localhost:5000 would put a wrong link and unsubscribe address in every mail, so then
    no mail goes out (it waits in the database)."""
    base = current_app.config.get("BASE_URL")
    return base.rstrip("/") if base else None


def _paths() -> tuple[str, str]:
    with current_app.test_request_context("/"):
        return url_for("activity.unsubscribe", token="~")[:-1], url_for("activity.open_notification", nid=0)[:-1]


def _line(n: Notification, actors: dict[int, str]) -> str:
    return str(KIND_LINES[n.kind] % {"actor": actors.get(n.actor_id) or someone(), "title": n.title})


def _message(user: User, items: list[Notification], actors: dict[int, str], digest: bool) -> EmailMessage:
    base = base_url() or ""
    unsub_path, open_path = _paths()
    kinds = sorted({n.kind for n in items})
    # One-click unsubscribe turns off every kind this mail is about.
    unsub = base + unsub_path + unsubscribe_token(user.id, kinds)
    msg = EmailMessage(policy=_POLICY)
    if digest:
        msg["Subject"] = gettext("Your daily collab digest: %(num)d notifications", num=len(items))
    else:
        msg["Subject"] = core_mail.header_text(_line(items[0], actors))
    msg["From"] = core_mail.sender()
    msg["To"] = user.email
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="collab")
    msg["List-Unsubscribe"] = f"<{unsub}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    lines = [gettext("Hello %(name)s,", name=user.name), ""]
    if digest:
        lines += [gettext("Here is what happened since your last digest:"), ""]
    for n in items:
        lines += [_line(n, actors), f"  {base}{open_path}{n.id}", ""]
    names = word_list(KIND_NAMES[k] for k in kinds)
    lines += ["-- ", gettext("You get these emails because of your notification settings (%(kinds)s).", kinds=names),
              gettext("Stop these emails: %(url)s", url=unsub),
              gettext("All settings: %(url)s", url=base + _settings_path())]
    msg.set_content("\n".join(lines))
    return msg


def _settings_path() -> str:
    with current_app.test_request_context("/"):
        return url_for("activity.settings")


def _connect() -> smtplib.SMTP:
    return core_mail.connect()


def _actor_names(items) -> dict[int, str]:
    ids = {n.actor_id for n in items if n.actor_id}
    if not ids:
        return {}
    return {u.id: u.name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


CLAIM_LEASE = timedelta(minutes=10)


def _free():
    stale = utcnow() - CLAIM_LEASE
    return or_(Notification.mail_claimed_at.is_(None), Notification.mail_claimed_at < stale)


def _claim(uid: int, state: str) -> list[int]:
    """Take this person's waiting rows for this process, so no other sender mails them too.

    One write transaction: BEGIN IMMEDIATE serialises it on SQLite; on PostgreSQL the rows are
    locked FOR UPDATE SKIP LOCKED (another sender skips them) and the UPDATE re-checks them.
    """
    ids_q = select(Notification.id).where(Notification.user_id == uid, Notification.mail == state, _free())
    if db.session.get_bind().dialect.name == "postgresql":
        ids_q = ids_q.with_for_update(skip_locked=True)
    with write_intent():
        ids = list(db.session.scalars(ids_q))
        claimed: list[int] = []
        if ids:
            claimed = list(db.session.scalars(
                update(Notification).where(Notification.id.in_(ids), Notification.mail == state, _free())
                .values(mail_claimed_at=utcnow()).returning(Notification.id)
                .execution_options(synchronize_session=False)))
        db.session.commit()
    return claimed


def _release(ids: list[int], state: str) -> None:
    """Give back claimed rows that were not sent (SMTP failed): the next pass tries them again."""
    if not ids:
        return
    with write_intent():
        db.session.execute(update(Notification).where(Notification.id.in_(ids), Notification.mail == state)
                           .values(mail_claimed_at=None).execution_options(synchronize_session=False))
        db.session.commit()


def _send(state: str, limit_per_user: int | None) -> int:
    """Send every waiting notification in ``state``; returns the number of messages sent.

    Several processes may run this at once (each server's sender thread, `collab send-digests`):
    each person's rows are claimed first, so every notification is mailed once.
    """
    if not configured():
        return 0
    user_ids = list(db.session.scalars(select(Notification.user_id).where(Notification.mail == state).distinct()))
    db.session.rollback()
    sent = 0
    smtp = None
    claimed: list[int] = []
    try:
        for uid in user_ids:
            claimed = _claim(uid, state)
            if not claimed:
                continue
            user = db.session.get(User, uid)
            mine = Notification.id.in_(claimed)
            if user is None or user.is_deactivated:
                db.session.execute(update(Notification).where(mine).values(mail=MAIL_NONE)
                                   .execution_options(synchronize_session=False))
                db.session.commit()
                claimed = []
                continue
            items = list(db.session.scalars(select(Notification).where(mine, _readable(user)).order_by(Notification.id)))
            # What the person may no longer read is never mailed.
            db.session.execute(update(Notification).where(
                mine, Notification.id.not_in([n.id for n in items] or [0])).values(mail=MAIL_NONE)
                .execution_options(synchronize_session=False))
            if not items:
                db.session.commit()
                claimed = []
                continue
            actors = _actor_names(items)
            try:
                with force_locale(locale_for(user)):
                    if state == MAIL_NOW:
                        messages = [([n], _message(user, [n], actors, digest=False)) for n in items]
                    else:
                        shown = items[-(limit_per_user or DIGEST_LIMIT):][::-1]
                        messages = [(items, _message(user, shown, actors, digest=True))]
            except Exception:  # one person's mail that cannot be written must not stop everyone's
                log.exception("could not write the email of notifications %s; they are not mailed",
                              [n.id for n in items])
                db.session.rollback()
                db.session.execute(update(Notification).where(mine).values(mail=MAIL_NONE)
                                   .execution_options(synchronize_session=False))
                db.session.commit()
                claimed = []
                continue
            for batch, msg in messages:
                if smtp is None:
                    smtp = _connect()
                smtp.send_message(msg)
                for n in batch:
                    n.mail = MAIL_SENT
                db.session.commit()
                sent += 1
            claimed = []
    finally:
        db.session.rollback()
        try:
            _release(claimed, state)
        except Exception:
            log.exception("could not release claimed notification email; it is retried after the lease")
        if smtp is not None:
            try:
                smtp.quit()
            except smtplib.SMTPException:
                pass
    return sent


def send_now() -> int:
    """Mail the notifications people want by email at once."""
    return _send(MAIL_NOW, None)


def send_digests() -> int:
    """One digest per person with everything waiting for it."""
    return _send(MAIL_DIGEST, DIGEST_LIMIT)


# --------------------------------------------------------------------------- the sender thread


def _after_flush(session: Session, flush_context) -> None:
    if any(isinstance(o, Notification) and o.mail == MAIL_NOW for o in session.new):
        session.info[_NEW_MAIL] = True


def _after_commit(session: Session) -> None:
    if savepoint_released(session):
        return
    if session.info.pop(_NEW_MAIL, None):
        _wake.set()


def _after_rollback(session: Session, previous=None) -> None:
    session.info.pop(_NEW_MAIL, None)


def install_mail_hooks() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


class MailThread:
    """Sends "now" mail soon after the commit that made it, and the daily digest at DIGEST_HOUR
    (UTC, once a day: the date of the last digest is kept in the instance folder)."""

    def __init__(self, app, poll: float = 15.0):
        self.app, self.poll = app, poll
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="collab-mail", daemon=True)
        self.stamp = Path(app.instance_path) / "last-digest"
        self._warned = False

    def start(self) -> MailThread:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        _wake.set()
        self.thread.join(timeout=10)

    def _digest_due(self, now: datetime) -> bool:
        if now.hour < int(self.app.config.get("DIGEST_HOUR", 7)):
            return False
        today = now.date().isoformat()
        try:
            return self.stamp.read_text().strip() != today
        except OSError:
            return True

    def _run(self) -> None:
        while not self._stop.is_set():
            _wake.wait(self.poll)
            _wake.clear()
            if self._stop.is_set():
                break
            # Let a burst of commits land before sending, so one wake-up sends them all.
            time.sleep(0.05)
            try:
                with self.app.app_context():
                    if not base_url():
                        if not self._warned and configured():
                            log.warning("no notification email is sent: %s", NO_BASE_URL)
                            self._warned = True
                        continue
                    send_now()
                    now = datetime.now(timezone.utc)
                    if self._digest_due(now):
                        send_digests()
                        self.stamp.write_text(now.date().isoformat())
                    db.session.remove()
            except Exception:  # keep the thread alive; the mail waits in the database
                log.exception("sending notification email failed; will retry")
                self._stop.wait(5)


def start_mail_thread(app) -> MailThread | None:
    # Started whatever the settings say: an admin may set the email server later, in site
    # settings; until then the thread finds nothing to send.
    if app.config.get("MAIL_SENDER", "thread") != "thread":
        return None
    thread = MailThread(app).start()
    app.extensions["collab_mail_thread"] = thread
    return thread


__all__ = ["send_now", "send_digests", "unsubscribe_token", "read_unsubscribe_token", "start_mail_thread",
           "install_mail_hooks", "configured", "base_url", "NO_BASE_URL", "OFF"]
