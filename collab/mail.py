"""Sending email: one SMTP connection helper for every sender (notifications, password reset
links, invitations). The server comes from the site settings an admin set, else the
configuration (collab.settings.smtp_config)."""
from __future__ import annotations

import logging
import re
import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from collab.settings import smtp_config

log = logging.getLogger(__name__)
# Long URLs must reach the mail client as they are, not as RFC 2047 encoded words.
POLICY = policy.SMTP.clone(max_line_length=998)


def configured() -> bool:
    return bool(smtp_config()["host"])


def sender() -> str:
    return smtp_config()["sender"]


def connect(timeout: float = 30) -> smtplib.SMTP:
    cfg = smtp_config()
    host, port, tls = cfg["host"], cfg["port"], (cfg["tls"] or "").lower()
    if tls == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if tls in ("starttls", "1", "true", "yes"):
            smtp.starttls()
    if cfg["user"]:
        smtp.login(cfg["user"], cfg["password"] or "")
    return smtp


_HEADER_BREAKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(value: str, limit: int = 250) -> str:
    """``value`` fit for a header such as Subject: one line, whatever people typed in the names
    and titles it quotes (a line or paragraph separator made the email library refuse the whole
    message, and the sender retried it for ever)."""
    text = _HEADER_BREAKS.sub(" ", str(value)).strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def message(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = header_text(subject)
    msg["From"] = sender()
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="collab")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    return msg


def send(to: str, subject: str, body: str) -> bool:
    """Send one plain-text message now; False (and a log line) when no server is set or it fails,
    so the caller can tell the person acting."""
    if not configured():
        return False
    try:
        smtp = connect(timeout=15)
        try:
            smtp.send_message(message(to, subject, body))
        finally:
            try:
                smtp.quit()
            except smtplib.SMTPException:
                pass
    except (OSError, smtplib.SMTPException):
        log.exception("sending email to %s failed", to)
        return False
    return True
