"""`collab demo`: fill a fresh instance with people, communities and their content in English and
Chinese.

Everything goes through the account and community services, so the rules hold and the derived
fields (``description_html``, ``member_count``, settled requests and invitations) are right:
people with profiles, communities with Markdown descriptions and tags, memberships with roles,
then what the tools write in them (each tool's ``demo_content`` in collab.tools: wiki pages with
history, forum questions and answers, blog posts with comments, chat), then pending join requests
and invitations. Each step runs under ``clock_at`` the time it happens at (a community's members
join as it starts, its content over the last four weeks, in time order across every tool and
community), so the streams read as a living history instead of a minute's burst.

The data is deterministic (a seeded random number generator picks the long tail of members). Like
``collab.cli`` this module sits at the top of the layers: it may import any package.
"""
from __future__ import annotations

import heapq
import random
import re
import time
from collections import Counter
from contextlib import nullcontext
from datetime import timedelta

import click
from flask import current_app, has_request_context
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash
from werkzeug.utils import import_string

from collab.accounts import services as accounts
from collab.accounts.models import User
from collab.db import clock_at, utcnow
from collab.extensions import db
from collab.settings import get_setting, set_setting
from collab.text import render_markdown
from collab.tools import DemoContext, tabs_for
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

PARTLY_LOADED = (
    "an earlier `collab demo` stopped part-way: the account demo-admin exists, but the demo's content "
    "was never finished, so nothing was changed. Load the demo into a fresh instance (another "
    "COLLAB_INSTANCE_PATH, or an empty database)."
)
# Chat stores each message as it is sent (a message acknowledged is a message stored), so the demo
# is not one transaction: the first mark goes in with the first rows, the second with the last. A
# load with the first and not the second stopped part-way; one with neither (and demo-admin) was
# made by an older collab, in one transaction, and is whole.
STARTED_MARK, LOADED_MARK = "demo_started_at", "demo_loaded_at"

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


def load_demo(password: str, *, with_content: bool = True) -> str:
    """Create the demo people and communities (and, with ``with_content``, what the tools hold in them),
    commit, and return a summary to print."""
    if accounts.find_by_username(ADMIN_USERNAME):
        if get_setting(STARTED_MARK) and not get_setting(LOADED_MARK):
            raise click.ClickException(PARTLY_LOADED)
        return ALREADY_LOADED
    if not password or len(password) < 8:
        raise click.ClickException("use a demo password of at least 8 characters")

    started = time.perf_counter()
    rng = random.Random(SEED)
    now = utcnow()
    try:
        set_setting(STARTED_MARK, now.isoformat())
        users = _create_people(password, rng, now)
        made, stats = _create_communities(users, rng, now)
        with nullcontext() if has_request_context() else current_app.test_request_context("/"):  # for url_for
            content = _create_content(made, users, now) if with_content else {}
            _create_pending(made, users, stats, now)
        set_setting(LOADED_MARK, now.isoformat())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return _summary(password, users, made, stats, content, time.perf_counter() - started)


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
    """Each community as it started: its owner creates it, its members join over its first days."""
    slugs = _plan_slugs()
    link = _link(users, slugs)
    made: list[tuple[CommunitySpec, Community, list[str]]] = []
    stats = Counter()
    for spec in COMMUNITIES:
        owner = users[spec.owner]
        created = now - timedelta(days=spec.age_days, hours=rng.randint(0, 23))
        with clock_at(created):
            c = communities.create_community(
                owner, name=spec.name, slug=slugs[spec.slug], description=_LINK_RE.sub(link, spec.description),
                tags=", ".join(spec.tags), access_level=spec.access,
            )
        c.last_activity_at = now - timedelta(hours=spec.active_days * 24 * rng.uniform(0.7, 1.0))
        members = _pick_members(spec, rng)
        for i, name in enumerate(members[1:], 1):
            person = users[name]
            with clock_at(created + timedelta(hours=5 * i, minutes=i * 37 % 60)):
                if spec.access == PUBLIC:
                    communities.join(c, person)
                elif spec.access == MODERATED:
                    req = communities.request_to_join(c, person, "")
                    communities.decide_request(req, owner, approve=True)
                else:
                    communities.answer_invitation(communities.invite(c, owner, person), accept=True)
        with clock_at(created + timedelta(days=1)):
            for name in spec.owners:
                communities.set_role(c, users[name], OWNER)
            for name in spec.moderators:
                communities.set_role(c, users[name], MODERATOR)
        if spec.archived:
            with clock_at(now - timedelta(days=spec.active_days)):
                communities.set_archived(c, True)
        stats[c.access] += 1
        stats["archived"] += spec.archived
        stats["memberships"] += c.member_count
        made.append((spec, c, members))
    db.session.flush()
    return made, stats


def _create_content(made, users: dict[str, User], now) -> dict[str, int]:
    """What the tools write in the communities (collab.tools' ``demo_content``), step by step in
    time order across every tool and community, each step at its own time; returns in how many
    communities each tool wrote something."""
    queue: list = []
    order = 0
    usernames = {name: user.username for name, user in users.items()}
    for spec, c, members in made:
        if c.is_archived:
            continue
        ctx = DemoContext(key=spec.slug, language=spec.language, members=[users[n] for n in members], now=now,
                          by_name={n: users[n] for n in members}, usernames=usernames)
        for tool in tabs_for(c):
            if tool.demo_content is None:
                continue
            steps = import_string(tool.demo_content)(c, ctx)
            first = next(steps, None)  # the time of its first step (nothing is written before it)
            if first is not None:
                heapq.heappush(queue, (first, order, (tool.name, spec.slug), steps))
                order += 1
    filled: dict[str, set[str]] = {}
    while queue:
        when, n, (tool, key), steps = heapq.heappop(queue)
        with clock_at(when):
            following = next(steps, None)
        filled.setdefault(tool, set()).add(key)
        if following is not None:
            heapq.heappush(queue, (max(following, when), n, (tool, key), steps))
    db.session.flush()
    return {tool: len(keys) for tool, keys in filled.items()}


def _create_pending(made, users: dict[str, User], stats: Counter, now) -> None:
    """The join requests and invitations still waiting for an answer: the last few days' news."""
    for spec, c, _members in made:
        for i, (name, message) in enumerate(spec.requests):
            with clock_at(now - timedelta(hours=6 + 19 * i)):
                communities.request_to_join(c, users[name], message)
            stats["requests"] += 1
        for i, (inviter, invitee) in enumerate(spec.invites):
            with clock_at(now - timedelta(hours=3 + 27 * i)):
                communities.invite(c, users[inviter], users[invitee])
            stats["invitations"] += 1
    db.session.flush()


def _summary(password: str, users: dict[str, User], made, stats: Counter, content: dict[str, int],
             seconds: float) -> str:
    made = [c for _spec, c, _members in made]
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
        *(["  written in them over the last four weeks: "
            + ", ".join(f"{tool} in {n}" for tool, n in sorted(content.items()))] if content else []),
        f"  {stats['requests']} join requests and {stats['invitations']} invitations are waiting for an answer",
        "",
        f"Sign in as {users[ADMIN_USERNAME].username} / {password} (site admin), or with the same password as:",
    ]
    for name, what in FEATURED:
        lines.append(f"  {users[name].username:<{width}}  {users[name].display_name}: {what}")
    lines.append("Every demo account uses that password; change it before you let anyone else in.")
    return "\n".join(lines)
