"""Site settings kept in the database (registration mode, who may create communities ...)."""
from __future__ import annotations

import time

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from collab.extensions import db

DEFAULTS: dict[str, str] = {
    "registration_mode": "open",  # open | invite | admin
    "community_creation": "all",  # all | admins
    "site_name": "collab",
    "default_locale": "en",
    # Webhook targets on loopback, private and link-local networks: "refuse" or "allow".
    "webhooks_private_targets": "refuse",
}
CHOICES: dict[str, tuple[str, ...]] = {
    "registration_mode": ("open", "invite", "admin"),
    "community_creation": ("all", "admins"),
    "default_locale": ("en", "zh_Hans"),
    "webhooks_private_targets": ("refuse", "allow"),
}


class SiteSetting(db.Model):
    __tablename__ = "site_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


CACHE_SECONDS = 5.0  # other server processes see a change within this time


def _cache() -> dict:
    from flask import current_app

    return current_app.extensions.setdefault("collab_site_settings", {"values": None, "at": 0.0})


def all_settings() -> dict[str, str]:
    """All settings: read from the database at most every few seconds per process."""
    cache = _cache()
    now = time.monotonic()
    if cache["values"] is None or now - cache["at"] > CACHE_SECONDS:
        values = dict(DEFAULTS)
        values.update({row.key: row.value for row in db.session.scalars(select(SiteSetting))})
        cache.update(values=values, at=now)
    return cache["values"]


def get_setting(key: str) -> str:
    return all_settings().get(key, DEFAULTS.get(key, ""))


def set_setting(key: str, value: str) -> None:
    if key in CHOICES and value not in CHOICES[key]:
        raise ValueError(f"{key} must be one of {CHOICES[key]}")
    row = db.session.get(SiteSetting, key)
    if row is None:
        db.session.add(SiteSetting(key=key, value=value))
    else:
        row.value = value
    _cache()["values"] = None
