"""Making, finding and revoking personal access tokens. Nothing here touches the request."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from collab.db import utcnow
from collab.extensions import db

from .models import NAME_MAX, READ, SCOPES, WRITE, ApiToken

TOKEN_PREFIX = "collab_pat_"
EXPIRY_CHOICES = (0, 7, 30, 90, 365)  # days; 0 = never
LAST_USED_GRANULARITY = timedelta(seconds=60)  # last use is written at most once a minute


class TokenError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create(user, *, name: str, write: bool = False, expires_in_days: int = 0,
           client_token: str | None = None) -> tuple[ApiToken, str | None]:
    """A new token for ``user``: the row and the secret (shown once, never stored). The same
    form sent twice (``client_token``) returns the first token and no secret."""
    client_token = (client_token or "")[:64] or None
    if client_token:
        earlier = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id,
                                                           ApiToken.client_token == client_token))
        if earlier is not None:
            return earlier, None
    name = " ".join((name or "").split())
    if not name:
        raise TokenError(_l("Give the token a name, so you know later what uses it."), "name")
    if len(name) > NAME_MAX:
        raise TokenError(_l("A name has at most %(max)d characters.", max=NAME_MAX), "name")
    if expires_in_days not in EXPIRY_CHOICES:
        raise TokenError(_l("Choose one of the offered expiry times."), "expires")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=digest(secret),
                     scopes=f"{READ} {WRITE}" if write else READ,
                     expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
                     client_token=client_token)
    db.session.add(token)
    db.session.flush()
    return token, secret


def tokens_of(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def revoke(user, token_id: int) -> ApiToken | None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def find(secret: str) -> ApiToken | None:
    """The token with this secret (revoked and expired ones too: the caller says why it fails)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    return db.session.scalar(select(ApiToken).where(ApiToken.digest == digest(secret)))


def touch(token_id: int, now: datetime | None = None) -> None:
    """Note a use, at most once a minute per token (a conditional UPDATE: no read first)."""
    now = now or utcnow()
    db.session.execute(update(ApiToken).where(
        ApiToken.id == token_id,
        (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < now - LAST_USED_GRANULARITY),
    ).values(last_used_at=now).execution_options(synchronize_session=False))


__all__ = ["SCOPES", "TokenError", "create", "tokens_of", "revoke", "find", "touch", "digest"]
