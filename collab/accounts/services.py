"""Account operations and their rules. No request objects in here."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from werkzeug.security import generate_password_hash

from collab.db import contains_folded, insert_once, starts_folded, utcnow
from collab.extensions import db
from collab.settings import get_setting

from .models import PasswordReset, SiteInvite, User

RESET_HOURS = 72

USERNAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,38}[A-Za-z0-9_]$|^[A-Za-z0-9_]$")
RESERVED_USERNAMES = {"admin", "api", "login", "logout", "register", "static", "socket.io", "settings", "new"}


class AccountError(ValueError):
    """A rule was broken; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# Called with each new account, in its transaction (higher layers register: a community invitation
# sent to the address becomes the person's invitation ...).
_created_hooks: list = []


def on_user_created(fn):
    if fn not in _created_hooks:
        _created_hooks.append(fn)
    return fn


def find_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def find_by_login(login: str) -> User | None:
    login = login.strip().lower()
    return db.session.scalar(
        select(User).where(or_(func.lower(User.username) == login, func.lower(User.email) == login))
    )


def registration_open_for(invite_token: str | None) -> tuple[bool, SiteInvite | None]:
    """May someone register now? The very first account may always register."""
    if db.session.scalar(select(func.count(User.id))) == 0:
        return True, None
    mode = get_setting("registration_mode")
    if mode == "open":
        return True, None
    if mode == "invite" and invite_token:
        invite = db.session.scalar(select(SiteInvite).where(SiteInvite.token == invite_token))
        if invite and not invite.is_used:
            return True, invite
    return False, None


def create_user(
    username: str,
    email: str,
    password: str,
    *,
    display_name: str = "",
    is_admin: bool = False,
    invite: SiteInvite | None = None,
    password_hash: str | None = None,
) -> User:
    """Create an account. The first account on a site becomes its admin."""
    username = username.strip()
    email = email.strip().lower()
    if not USERNAME_RE.match(username):
        raise AccountError(_l("Use 1-40 letters, digits, dots, dashes or underscores."), "username")
    if username.lower() in RESERVED_USERNAMES:
        raise AccountError(_l("That username is reserved."), "username")
    if find_by_username(username):
        raise AccountError(_l("That username is taken."), "username")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError(_l("An account with that email exists already."), "email")
    first = db.session.scalar(select(func.count(User.id))) == 0
    user = User(
        username=username,
        email=email,
        display_name=display_name.strip() or username,
        is_admin=is_admin or first,
    )
    if password_hash:  # bulk creation (demo, benchmarks) hashes one password once
        user.password_hash = password_hash
    else:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if invite is not None:
        invite.mark_used(user)
    for hook in _created_hooks:
        hook(user)
    return user


_stand_in_hashes: dict[str, str] = {}


def _stand_in_hash() -> str:
    """A hash of no one's password, made with the method real passwords are hashed with."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _stand_in_hashes:
        _stand_in_hashes[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _stand_in_hashes[method]


def authenticate(login: str, password: str) -> User | None:
    user = find_by_login(login)
    if user is None:
        # Spend the same time as a real check (one with the configured method) so timing does not
        # reveal accounts.
        User(password_hash=_stand_in_hash()).check_password(password)
        return None
    if not user.check_password(password) or user.is_deactivated:
        return None
    return user


def set_deactivated(user: User, deactivated: bool) -> None:
    user.is_deactivated = deactivated
    if deactivated:
        user.end_sessions()


def normalise_tags(raw: str, limit: int = 20) -> list[str]:
    """Split a comma (or Chinese comma) separated list into clean unique tags."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,，;；\n]", raw or ""):
        tag = re.sub(r"\s+", " ", part).strip().lower()[:40]
        if tag:
            seen.setdefault(tag, None)
    return list(seen)[:limit]


def people_query(q: str = "", department: str = ""):
    stmt = select(User).where(User.is_deactivated.is_(False))
    if q:
        q = q.strip()
        stmt = stmt.where(or_(*(contains_folded(column, q) for column in
                                (User.username, User.display_name, User.title, User.expertise))))
    if department:
        stmt = stmt.where(User.department == department)
    return stmt.order_by(User.sort_name, User.id)


def departments() -> list[str]:
    return list(
        db.session.scalars(
            select(User.department).where(User.department != "").distinct().order_by(User.department)
        )
    )


# --------------------------------------------------------------------------- following people


def is_following(follower_id: int, followed_id: int) -> bool:
    from .models import Follow

    return db.session.get(Follow, (follower_id, followed_id)) is not None


def follow(follower: User, followed: User) -> bool:
    """Start following; True when something changed. Nobody follows themselves."""
    from .models import Follow

    if follower.id == followed.id:
        raise AccountError(_l("You cannot follow yourself."))
    if followed.is_deactivated:
        raise AccountError(_l("This account is deactivated."))
    if is_following(follower.id, followed.id):
        return False
    row = Follow(follower_id=follower.id, followed_id=followed.id)
    # A second submit at the same moment (a double click, two tabs) stored it first: nothing changed.
    return insert_once(row, lambda: db.session.get(Follow, (follower.id, followed.id))) is row


def unfollow(follower: User, followed: User) -> bool:
    from sqlalchemy import delete

    from .models import Follow

    result = db.session.execute(delete(Follow).where(Follow.follower_id == follower.id,
                                                     Follow.followed_id == followed.id))
    return bool(result.rowcount)


def followers_query(user: User):
    """Active people who follow ``user``, most recent first."""
    from .models import Follow

    return (select(User).join(Follow, Follow.follower_id == User.id)
            .where(Follow.followed_id == user.id, User.is_deactivated.is_(False))
            .order_by(Follow.created_at.desc(), User.id.desc()))


def following_query(user: User):
    from .models import Follow

    return (select(User).join(Follow, Follow.followed_id == User.id)
            .where(Follow.follower_id == user.id, User.is_deactivated.is_(False))
            .order_by(Follow.created_at.desc(), User.id.desc()))


def follow_counts(user: User) -> tuple[int, int]:
    """(followers, following) of active people."""
    followers = db.session.scalar(select(func.count()).select_from(followers_query(user).order_by(None).subquery()))
    following = db.session.scalar(select(func.count()).select_from(following_query(user).order_by(None).subquery()))
    return followers, following


def mention_candidates(prefix: str, limit: int = 8) -> list[User]:
    """Active people whose username or a word of whose display name starts with ``prefix``."""
    prefix = prefix.strip().lstrip("@")[:40]
    if not prefix:
        return []
    stmt = (select(User).where(User.is_deactivated.is_(False), or_(
        starts_folded(User.username, prefix),
        starts_folded(User.display_name, prefix),
        contains_folded(User.display_name, " " + prefix)))  # a later word of the name starts with it
        .order_by(func.length(User.username), func.lower(User.username)).limit(limit))
    return list(db.session.scalars(stmt))


# --------------------------------------------------------------------------- password reset links


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_password_reset(user: User, by: User | None, hours: int = RESET_HOURS) -> str:
    """A new one-time reset token for ``user`` (only its hash is stored); older unused links of
    the person stop working."""
    now = utcnow()
    for old in db.session.scalars(select(PasswordReset).where(PasswordReset.user_id == user.id,
                                                               PasswordReset.used_at.is_(None))):
        old.used_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_token_hash(token), created_by_id=getattr(by, "id", None),
                                 created_at=now, expires_at=now + timedelta(hours=hours)))
    db.session.flush()
    return token


def password_reset_for(token: str | None) -> PasswordReset | None:
    """The live reset behind a token: unused, not expired, for an active account; else None."""
    if not token or len(token) > 200:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    user = db.session.get(User, reset.user_id)
    if user is None or user.is_deactivated:
        return None
    return reset


def use_password_reset(reset: PasswordReset, password: str) -> User:
    """Set the new password (which ends every session of the person) and spend the link."""
    user = db.session.get(User, reset.user_id)
    user.set_password(password)
    reset.used_at = utcnow()
    return user
