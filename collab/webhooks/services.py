"""Webhook rules: which targets are allowed, making and changing hooks, and queueing deliveries
for activity events (in the event's own transaction). Nothing here touches the request."""
from __future__ import annotations

import ipaddress
import json
import secrets
import socket
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from collab.activity.models import VERBS, Event
from collab.db import savepoint_released, utcnow
from collab.extensions import db

from .models import PENDING, SECRET_MAX, URL_MAX, Webhook, WebhookDelivery

EVENTS = VERBS  # a hook subscribes to activity verbs: created, edited, replied ...
PING = "ping"
_WAKE = "collab_webhooks_wake"


class WebhookError(ValueError):
    def __init__(self, message, field: str | None = None, code: str = "invalid"):
        super().__init__(code)
        self.message = message  # lazy: translated where it is shown
        self.field = field
        self.code = code  # plain English, for the delivery log


# --------------------------------------------------------------------------- targets


def private_targets_allowed() -> bool:
    from collab.settings import get_setting

    return get_setting("webhooks_private_targets") == "allow"


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def forbidden_address(ip: str) -> bool:
    """Loopback, private, link-local, shared, reserved, multicast: anything not on the internet.
    An IPv6 address that carries an IPv4 one (mapped, 6to4, NAT64, the old compatible form) is
    judged by the IPv4 address it reaches."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        elif addr.sixtofour is not None:
            addr = addr.sixtofour
        elif addr in _NAT64 or (addr in _IPV4_COMPATIBLE and int(addr) > 1):
            addr = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return not addr.is_global or addr.is_multicast


def resolve(url: str, *, allow_private: bool | None = None) -> tuple[str, int, list[str]]:
    """(host, port, addresses) of a target, resolved now; WebhookError when it may not be used."""
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 - "http://[zz]/" fails only here
    except ValueError:
        raise WebhookError(_l("Use an http:// or https:// address."), "url", "not an http(s) address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(_l("Use an http:// or https:// address."), "url", "not an http(s) address")
    if parts.username or parts.password:
        raise WebhookError(_l("Leave user names and passwords out of the address; the secret signs each delivery."), "url", "credentials in the address")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookError(_l("The address has an invalid port."), "url", "invalid port") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise WebhookError(_l("The host name could not be resolved."), "url", "host name not resolved") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if allow_private is None:
        allow_private = private_targets_allowed()
    if not allow_private and any(forbidden_address(a) for a in addresses):
        raise WebhookError(_l("This address is on a loopback, private or link-local network. Such targets are "
                              "refused unless a site administrator allows them."), "url",
                           "refused: the address is on a loopback, private or link-local network")
    return parts.hostname, port, addresses


def clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise WebhookError(_l("Give the address that receives the deliveries."), "url")
    if len(url) > URL_MAX:
        raise WebhookError(_l("The address is too long."), "url")
    resolve(url)
    return url


def clean_events(events) -> str:
    chosen = [e for e in EVENTS if e in set(events or ())]
    if not chosen:
        raise WebhookError(_l("Choose at least one event."), "events")
    return ",".join(chosen)


# --------------------------------------------------------------------------- hooks


def hooks_of(community) -> list[Webhook]:
    return list(db.session.scalars(select(Webhook).where(Webhook.community_id == community.id).order_by(Webhook.id)))


def get_hook(community, hook_id: int) -> Webhook | None:
    hook = db.session.get(Webhook, hook_id)
    return hook if hook is not None and hook.community_id == community.id else None


def create_hook(community, user, *, url: str, events, active: bool = True) -> Webhook:
    hook = Webhook(community_id=community.id, url=clean_url(url), events=clean_events(events), is_active=active,
                   secret=secrets.token_hex(24), created_by_id=user.id)
    db.session.add(hook)
    db.session.flush()
    return hook


def update_hook(hook: Webhook, *, url: str, events, active: bool) -> None:
    hook.url, hook.events, hook.is_active = clean_url(url), clean_events(events), active


def new_secret(hook: Webhook) -> None:
    hook.secret = secrets.token_hex(24)
    assert len(hook.secret) <= SECRET_MAX


def deliveries(hook: Webhook, limit: int = 50) -> list[WebhookDelivery]:
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


def queue(hook: Webhook, event_name: str, payload: dict, session: Session | None = None) -> WebhookDelivery:
    session = session or db.session
    delivery = WebhookDelivery(webhook_id=hook.id, event=event_name, status=PENDING, next_attempt_at=utcnow(),
                               payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    session.add(delivery)
    session.info[_WAKE] = True
    return delivery


def queue_ping(hook: Webhook, user, community) -> WebhookDelivery:
    return queue(hook, PING, {
        "event": PING, "community": _community(community), "actor": _person(user),
        "object": None, "created_at": utcnow().isoformat(),
    })


# --------------------------------------------------------------------------- events -> deliveries


def _base_url() -> str:
    if has_request_context():
        return request.host_url.rstrip("/")
    return (current_app.config.get("BASE_URL") or "").rstrip("/")


def _community(c) -> dict:
    return {"id": c.id, "slug": c.slug, "name": c.name}


def _person(u) -> dict | None:
    return {"id": u.id, "username": u.username, "name": u.name} if u is not None else None


def _payload(ev: Event, community, actor) -> dict:
    kind, _sep, pk = ev.key.partition(":")
    return {
        "event": ev.verb,
        "community": _community(community),
        "actor": _person(actor),
        "object": {"type": kind, "id": int(pk) if pk.isdigit() else pk, "key": ev.key, "group": ev.group_key,
                   "title": ev.title, "url": _base_url() + ev.url if ev.url.startswith("/") else ev.url,
                   "summary": ev.summary},
        "created_at": (ev.created_at or utcnow()).isoformat(),
    }


def _before_flush(session: Session, _ctx, _instances) -> None:
    """Queue a delivery for each new activity event, to the active hooks of the event's own
    community that asked for its verb (so a restricted community's content reaches its own hooks
    only). Personal content (no community) has no hooks; a line that comes back (content restored
    or shown again, ``told_before``) was delivered when it happened."""
    events = [o for o in session.new if isinstance(o, Event) and o.community_id is not None and not o.told_before]
    if not events:
        return
    from collab.accounts.models import User
    from communities.models import Community

    with session.no_autoflush:
        by_community: dict[int, list[Webhook]] = {}
        for ev in events:
            hooks = by_community.get(ev.community_id)
            if hooks is None:
                hooks = by_community[ev.community_id] = list(session.scalars(select(Webhook).where(
                    Webhook.community_id == ev.community_id, Webhook.is_active.is_(True))))
            wanted = [h for h in hooks if ev.verb in h.event_list]
            if not wanted:
                continue
            payload = _payload(ev, session.get(Community, ev.community_id), session.get(User, ev.actor_id))
            for hook in wanted:
                queue(hook, ev.verb, payload, session)


def _after_commit(session: Session) -> None:
    if savepoint_released(session):
        return
    if session.info.pop(_WAKE, False):
        from .sender import wake

        wake()


def _after_rollback(session: Session, previous=None) -> None:
    session.info.pop(_WAKE, None)


def install_hooks() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
