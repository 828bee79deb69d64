"""Site settings kept in the database (registration mode, who may create communities ...)."""
from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from collab.extensions import db

DEFAULTS: dict[str, str] = {
    "registration_mode": "open",  # open | invite | admin
    "community_creation": "all",  # all | admins
    "site_name": "collab",
    "default_locale": "en",
}
CHOICES: dict[str, tuple[str, ...]] = {
    "registration_mode": ("open", "invite", "admin"),
    "community_creation": ("all", "admins"),
    "default_locale": ("en", "zh_Hans"),
}


class SiteSetting(db.Model):
    __tablename__ = "site_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


def all_settings() -> dict[str, str]:
    """All settings, read once per request (or app context)."""
    cached = g.get("_site_settings") if has_app_context() else None
    if cached is not None:
        return cached
    values = dict(DEFAULTS)
    values.update({row.key: row.value for row in db.session.scalars(select(SiteSetting))})
    if has_app_context():
        g._site_settings = values
    return values


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
    g.pop("_site_settings", None)
