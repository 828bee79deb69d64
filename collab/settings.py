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
    # Empty: the server's configuration (COLLAB_FILE_MAX_MB, COLLAB_SMTP_*) applies.
    "upload_max_mb": "",
    "smtp_host": "",
    "smtp_port": "",
    "smtp_user": "",
    "smtp_password": "",
    "smtp_from": "",
    "smtp_tls": "",
    # Webhook targets on loopback, private and link-local networks: "refuse" or "allow".
    "webhooks_private_targets": "refuse",
}
CHOICES: dict[str, tuple[str, ...]] = {
    "registration_mode": ("open", "invite", "admin"),
    "community_creation": ("all", "admins"),
    "default_locale": ("en", "zh_Hans"),
    "smtp_tls": ("", "starttls", "ssl"),
    "webhooks_private_targets": ("refuse", "allow"),
}
SECRET_KEYS = {"smtp_password"}  # never shown back, never written to the audit log


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


def default_locale() -> str:
    """The site's language (an admin setting) where nobody's own choice applies."""
    return get_setting("default_locale") or "en"


def locale_for(user) -> str:
    """The language to address a person in outside their own request (mail, a message pushed to
    their socket from another's action): their choice in the profile, else the site's default."""
    if user is not None and user.locale:
        return user.locale
    return default_locale()


def set_setting(key: str, value: str) -> None:
    if key in CHOICES and value not in CHOICES[key]:
        raise ValueError(f"{key} must be one of {CHOICES[key]}")
    row = db.session.get(SiteSetting, key)
    if row is None:
        db.session.add(SiteSetting(key=key, value=value))
    else:
        row.value = value
    _cache()["values"] = None


def upload_max_bytes() -> int:
    """The largest file one may upload: the site setting, else the server's FILE_MAX_BYTES; never
    more than the request limit (MAX_CONTENT_LENGTH), which a whole form must fit in."""
    from flask import current_app

    cfg = current_app.config
    value = get_setting("upload_max_mb")
    limit = int(float(value) * 1048576) if value else int(cfg["FILE_MAX_BYTES"])
    request_limit = cfg.get("MAX_CONTENT_LENGTH")
    return min(limit, int(request_limit)) if request_limit else limit


def smtp_config() -> dict:
    """The email server: the one an admin set in site settings (taken as a whole), else the
    server's configuration (COLLAB_SMTP_*). host None: no email is sent."""
    from flask import current_app

    cfg = current_app.config
    s = all_settings()
    if s.get("smtp_host"):
        # An admin-set server is taken as a whole: its blank fields mean "none", not the config's.
        return {"host": s["smtp_host"], "port": int(s.get("smtp_port") or 25), "user": s.get("smtp_user") or None,
                "password": s.get("smtp_password") or None, "sender": s.get("smtp_from") or cfg.get("SMTP_FROM")
                or "collab@localhost", "tls": s.get("smtp_tls") or ""}
    return {"host": cfg.get("SMTP_HOST") or None, "port": int(cfg.get("SMTP_PORT") or 25),
            "user": cfg.get("SMTP_USER") or None, "password": cfg.get("SMTP_PASSWORD") or None,
            "sender": s.get("smtp_from") or cfg.get("SMTP_FROM") or "collab@localhost",
            "tls": (cfg.get("SMTP_TLS") or "").lower()}
