"""Outgoing webhooks per community: owners choose a URL and the activity events (created, edited,
replied ...) it hears of; each delivery is signed with HMAC-SHA256, sent by a background worker
(never on the request path), retried with exponential back-off and logged on the hook's page."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("webhooks", __name__, template_folder="templates")


def init_webhooks(app) -> None:
    from .sender import start_sender
    from .services import install_hooks

    install_hooks()
    start_sender(app)


from . import views  # noqa: E402,F401

from flask_babel import lazy_gettext as _l  # noqa: E402

from collab import audit  # noqa: E402

audit.register_labels({
    "webhook.create": _l("Webhook added"),
    "webhook.update": _l("Webhook changed"),
    "webhook.secret": _l("Webhook secret renewed"),
    "webhook.delete": _l("Webhook removed"),
}, group=("webhook.", _l("Webhooks: everything")))
