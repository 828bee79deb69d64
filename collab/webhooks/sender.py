"""Delivering webhooks, off the request path: claim due deliveries, POST each one signed, record
the attempt, and retry failures with exponential back-off.

Claiming is one conditional UPDATE (pending, due, not claimed or its claim ran out), so several
server processes (or a `collab webhooks` process beside them) never send a delivery twice; a
worker that dies mid-send leaves a claim that runs out and the delivery is tried again.

Each request goes to the address the host name resolved to when it was checked (no second
lookup a DNS change could redirect to a private address), with a short timeout, no redirects."""
from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import secrets
import socket
import ssl
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import or_, select, update

from collab.db import read_intent, utcnow, write_intent
from collab.extensions import db

from . import services
from .models import DELIVERED, FAILED, PENDING, WebhookDelivery

log = logging.getLogger(__name__)
_wake = threading.Event()
USER_AGENT = "collab-webhooks/1"
LEASE = timedelta(seconds=120)


def wake() -> None:
    _wake.set()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>" with the hook's secret, hex: the receiver recomputes
    it and compares (and rejects old timestamps, so a captured delivery cannot be replayed)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: base, 4 x base, 16 x base ... (capped at a day)."""
    base = float(current_app.config.get("WEBHOOK_RETRY_BASE", 30))
    return timedelta(seconds=min(base * 4 ** (attempts - 1), 86400))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def send(url: str, secret: str, event: str, delivery_id: int, body: bytes, timeout: float, *,
         allow_private: bool) -> tuple[int | None, str]:
    """POST one delivery: (status code or None, error text). Touches no database."""
    try:
        host, port, addresses = services.resolve(url, allow_private=allow_private)
    except services.WebhookError as e:
        return None, e.code
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        "X-Collab-Event": event, "X-Collab-Delivery": str(delivery_id), "X-Collab-Timestamp": timestamp,
        "X-Collab-Signature": "sha256=" + signature(secret, timestamp, body),
    }
    cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    conn = cls(host, port, addresses[0], timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(65536)
        return response.status, ""
    except (OSError, http.client.HTTPException) as e:
        return None, (type(e).__name__ + (f": {e}" if str(e) else ""))[:500]
    finally:
        conn.close()


def _claim(limit: int) -> list[int]:
    """Claim up to ``limit`` due deliveries for this sender; returns their ids. A cheap read looks
    first, so an idle sender never takes SQLite's write lock."""
    now, token = utcnow(), secrets.token_hex(8)
    db.session.commit()  # end any open transaction: the look is a reader, the claim a writer
    claimable = (WebhookDelivery.status == PENDING,
                 or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now))
    with read_intent():
        ids = list(db.session.scalars(select(WebhookDelivery.id).where(
            WebhookDelivery.next_attempt_at <= now, *claimable)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))
        db.session.rollback()
    if not ids:
        return []
    with write_intent():
        # Conditional: a row another sender claimed meanwhile no longer matches.
        db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids), *claimable)
                           .values(claimed_until=now + LEASE, claim=token)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    with read_intent():
        mine = list(db.session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.claim == token)))
        db.session.rollback()
    return mine


def deliver(delivery_id: int) -> None:
    """Send one claimed delivery and record the attempt."""
    with read_intent():
        d = db.session.get(WebhookDelivery, delivery_id)
        hook = d.webhook
        url, secret, event, body, active = hook.url, hook.secret, d.event, d.payload.encode(), hook.is_active
        allow_private = services.private_targets_allowed()
        db.session.rollback()  # no transaction stays open over the network
    timeout = float(current_app.config.get("WEBHOOK_TIMEOUT", 5))
    started = time.monotonic()
    if active or event == services.PING:
        code, error = send(url, secret, event, delivery_id, body, timeout, allow_private=allow_private)
    else:
        code, error = None, "The hook is switched off."
    took = int((time.monotonic() - started) * 1000)
    ok = code is not None and 200 <= code < 300
    if code is not None and not ok:
        error = f"HTTP {code}"
    with write_intent():
        d = db.session.get(WebhookDelivery, delivery_id)
        now = utcnow()
        d.attempts += 1
        d.last_attempt_at, d.response_code, d.duration_ms, d.error = now, code, took, error[:500]
        d.claimed_until = d.claim = None
        if ok:
            d.status, d.next_attempt_at = DELIVERED, None
        elif d.attempts >= int(current_app.config.get("WEBHOOK_MAX_ATTEMPTS", 6)):
            d.status, d.next_attempt_at = FAILED, None
        else:
            d.status, d.next_attempt_at = PENDING, now + retry_delay(d.attempts)
        db.session.commit()


def deliver_due(limit: int = 20) -> int:
    """Claim and send what is due now (call in an app context); returns how many were sent."""
    sent = 0
    while True:
        ids = _claim(limit)
        if not ids:
            return sent
        for delivery_id in ids:
            try:
                deliver(delivery_id)
            except Exception:  # one bad row must not stop the others; its claim runs out
                db.session.rollback()
                log.exception("webhook delivery %s failed", delivery_id)
            sent += 1


class SenderThread:
    """Sends deliveries soon after the commit that queued them, and retries when they come due."""

    def __init__(self, app, poll: float = 2.0):
        self.app, self.poll = app, poll
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="collab-webhooks", daemon=True)

    def start(self) -> SenderThread:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        _wake.set()
        self.thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            _wake.wait(self.poll)
            _wake.clear()
            if self._stop.is_set():
                break
            try:
                with self.app.app_context():
                    deliver_due()
                    db.session.remove()
            except Exception:  # keep the thread alive; the deliveries wait in the database
                log.exception("delivering webhooks failed; will retry")
                self._stop.wait(5)


def start_sender(app) -> SenderThread | None:
    if app.config.get("WEBHOOK_SENDER", "thread") != "thread":
        return None
    thread = SenderThread(app).start()
    app.extensions["collab_webhook_thread"] = thread
    return thread
