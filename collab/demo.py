"""`collab demo`: fill a fresh instance with people and communities in English and Chinese.

Everything goes through the account and community services, so the rules hold and the derived
fields (``description_html``, ``member_count``, settled requests and invitations) are right. Only
what the platform has so far is created: people with profiles, communities with Markdown
descriptions and tags, memberships with roles, pending join requests and invitations.

The data is deterministic (a seeded random number generator picks the long tail of members). Like
``collab.cli`` this module sits at the top of the layers: it may import any package.
"""
from __future__ import annotations

import random
import re
import time
from collections import Counter
from datetime import timedelta

import click
from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from collab.accounts import services as accounts
from collab.accounts.models import User
from collab.db import utcnow
from collab.extensions import db
from collab.text import render_markdown
from communities import services as communities
from communities.models import MODERATOR, OWNER, Community

from communities.models import MODERATED, PUBLIC, RESTRICTED

from .demo_data import ADMIN_USERNAME, COMMUNITIES, FEATURED, PEOPLE, ZH, CommunitySpec

EMAIL_DOMAIN = "demo.example.com"
SEED = 20240501

ALREADY_LOADED = (
    "demo data is loaded already: the account demo-admin exists, so nothing was changed.\n"
    "Sign in as demo-admin (site admin), ana or wangfang with the password given when the demo was loaded."
)

_LINK_RE = re.compile(r"<<([cu]):([^>]+)>>")


def _free_username(base: str) -> str:
    """The wanted username, or base-demo, base-demo2 ... when an earlier account holds it."""
    candidate, n = base, 1
    while accounts.find_by_username(candidate):
        candidate = f"{base}-demo" if n == 1 else f"{base}-demo{n}"
        n += 1
    return candidate


def _free_email(username: str) -> str:
    email, n = f"{username}@{EMAIL_DOMAIN}", 2
    while db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        email = f"{username}+{n}@{EMAIL_DOMAIN}"
        n += 1
    return email


def _plan_slugs() -> dict[str, str]:
    """Real slugs for the wanted ones, avoiding communities that exist already."""
    planned: dict[str, str] = {}
    for spec in COMMUNITIES:
        slug, n = spec.slug, 2
        while slug in planned.values() or slug in communities.RESERVED_SLUGS or db.session.scalar(
            select(Community.id).where(Community.slug == slug)
        ):
            slug, n = f"{spec.slug}-{n}", n + 1
        planned[spec.slug] = slug
    return planned


def load_demo(password: str) -> str:
    """Create the demo people and communities, commit, and return a summary to print."""
    if accounts.find_by_username(ADMIN_USERNAME):
        return ALREADY_LOADED
    if not password or len(password) < 8:
        raise click.ClickException("use a demo password of at least 8 characters")

    started = time.perf_counter()
    rng = random.Random(SEED)
    now = utcnow()
    try:
        users = _create_people(password, rng, now)
        made, stats = _create_communities(users, rng, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return _summary(password, users, made, stats, time.perf_counter() - started)


def _create_people(password: str, rng: random.Random, now) -> dict[str, User]:
    users: dict[str, User] = {}
    # One hash for every demo account: scrypt costs ~0.1 s a call.
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    shared_hash = generate_password_hash(password, method=method)
    for i, (name, display, title, dept, location, tz, locale, expertise, bio) in enumerate(PEOPLE):
        username = ADMIN_USERNAME if name == ADMIN_USERNAME else _free_username(name)
        user = accounts.create_user(
            username, _free_email(username), password, display_name=display, is_admin=name == ADMIN_USERNAME,
            password_hash=shared_hash,
        )
        user.title, user.department, user.location = title, dept, location
        user.expertise = ", ".join(accounts.normalise_tags(expertise))
        user.bio, user.bio_html = bio, render_markdown(bio)
        user.locale, user.timezone = locale, tz
        user.created_at = now - timedelta(days=800 - i * 17, hours=rng.randint(0, 23))
        user.last_seen_at = now - timedelta(minutes=rng.randint(5, 60 * 24 * 6))
        users[name] = user
    db.session.flush()
    return users


def _link(users: dict[str, User], slugs: dict[str, str]):
    def replace(m: re.Match) -> str:
        kind, key = m.group(1), m.group(2)
        return f"/c/{slugs[key]}/" if kind == "c" else f"/u/{users[key].username}"

    return replace


def _pick_members(spec: CommunitySpec, rng: random.Random) -> list[str]:
    """Owner, owners, moderators and core first; then a weighted random long tail up to size."""
    wanted = [spec.owner, *spec.owners, *spec.moderators, *spec.core]
    members = list(dict.fromkeys(wanted))
    pending = {p for p, _ in spec.requests} | {invitee for _, invitee in spec.invites}
    dept = {p[0]: p[3] for p in PEOPLE}
    candidates = [p[0] for p in PEOPLE if p[0] not in members and p[0] not in pending and p[0] != ADMIN_USERNAME]
    while len(members) < spec.size and candidates:
        weights = [5 if dept[c] in spec.affinity else 1 for c in candidates]
        pick = rng.choices(candidates, weights)[0]
        candidates.remove(pick)
        members.append(pick)
    return members


def _create_communities(users: dict[str, User], rng: random.Random, now):
    slugs = _plan_slugs()
    link = _link(users, slugs)
    made: list[Community] = []
    stats = Counter()
    for spec in COMMUNITIES:
        owner = users[spec.owner]
        created = now - timedelta(days=spec.age_days, hours=rng.randint(0, 23))
        c = communities.create_community(
            owner, name=spec.name, slug=slugs[spec.slug], description=_LINK_RE.sub(link, spec.description),
            tags=", ".join(spec.tags), access_level=spec.access,
        )
        c.created_at = created
        c.last_activity_at = now - timedelta(hours=spec.active_days * 24 * rng.uniform(0.7, 1.0))
        for name in _pick_members(spec, rng)[1:]:
            person = users[name]
            if spec.access == PUBLIC:
                communities.join(c, person)
            elif spec.access == MODERATED:
                req = communities.request_to_join(c, person, "")
                communities.decide_request(req, owner, approve=True)
            else:
                communities.answer_invitation(communities.invite(c, owner, person), accept=True)
        for name in spec.owners:
            communities.set_role(c, users[name], OWNER)
        for name in spec.moderators:
            communities.set_role(c, users[name], MODERATOR)
        for i, (name, message) in enumerate(spec.requests):
            req = communities.request_to_join(c, users[name], message)
            req.created_at = now - timedelta(hours=6 + 19 * i)
            stats["requests"] += 1
        for i, (inviter, invitee) in enumerate(spec.invites):
            inv = communities.invite(c, users[inviter], users[invitee])
            inv.created_at = now - timedelta(hours=3 + 27 * i)
            stats["invitations"] += 1
        if spec.archived:
            communities.set_archived(c, True)
        stats[c.access] += 1
        stats["archived"] += spec.archived
        stats["memberships"] += c.member_count
        made.append(c)
    db.session.flush()
    return made, stats


def _summary(password: str, users: dict[str, User], made: list[Community], stats: Counter, seconds: float) -> str:
    people = list(users.values())
    chinese = sum(1 for u in people if any("\u4e00" <= ch <= "\u9fff" for ch in u.display_name))
    zh_ui = sum(1 for u in people if u.locale == ZH)
    biggest = max(made, key=lambda c: c.member_count)
    smallest = min((c for c in made if not c.is_archived), key=lambda c: c.member_count)
    width = max(len(users[name].username) for name, _ in FEATURED)
    lines = [
        f"Demo data loaded in {seconds:.1f} s:",
        f"  {len(people)} people in {len({u.department for u in people})} departments "
        f"({chinese} with Chinese names, {zh_ui} using the 简体中文 interface)",
        f"  {len(made)} communities: {stats[PUBLIC]} public, {stats[MODERATED]} moderated, "
        f"{stats[RESTRICTED]} restricted ({stats['archived']} archived); {stats['memberships']} memberships, "
        f"from {biggest.member_count} in {biggest.name} down to {smallest.member_count} in {smallest.name}",
        f"  {stats['requests']} join requests and {stats['invitations']} invitations are waiting for an answer",
        "",
        f"Sign in as {users[ADMIN_USERNAME].username} / {password} (site admin), or with the same password as:",
    ]
    for name, what in FEATURED:
        lines.append(f"  {users[name].username:<{width}}  {users[name].display_name}: {what}")
    lines.append("Every demo account uses that password; change it before you let anyone else in.")
    return "\n".join(lines)
