"""Community operations and their rules. Views call these; nothing here touches the request."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, select, update
from unidecode import unidecode

from collab import access
from collab.accounts.models import Face, User
from collab.accounts.services import normalise_tags
from collab.db import contains_folded, utcnow
from collab.extensions import db, read
from collab.text import render_markdown
from collab.ids import parse_ids
from collab.tools import community_created

from .models import (
    ACCESS_LEVELS, ALL_TOOLS, MEMBER, MODERATED, OWNER, POSTING_MEMBERS, POSTING_RULES, PUBLIC, ROLES,
    Community, CommunityEmailInvite, Invitation, JoinRequest, Membership,
)

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
RESERVED_SLUGS = {"new", "admin", "api", "static", "mine", "tags", "invitations"}


class CommunityError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def slugify(name: str) -> str:
    """A readable ASCII slug; Chinese and other scripts are transliterated (产品 -> chan-pin)."""
    text = unidecode(name or "").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    text = re.sub(r"-{2,}", "-", text)[:64].strip("-")
    return text


def unique_slug(name: str) -> str:
    base = slugify(name) or "community"
    if base in RESERVED_SLUGS:
        base = f"{base}-community"
    slug, n = base, 2
    while db.session.scalar(select(Community.id).where(Community.slug == slug)):
        suffix = f"-{n}"
        slug = base[: 64 - len(suffix)] + suffix
        n += 1
    return slug


def _check_slug(slug: str, community: Community | None = None) -> str:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise CommunityError(_l("Use lowercase letters, digits and dashes (up to 64)."), "slug")
    if slug in RESERVED_SLUGS:
        raise CommunityError(_l("That address is reserved."), "slug")
    taken = db.session.scalar(select(Community.id).where(Community.slug == slug))
    if taken and (community is None or taken != community.id):
        raise CommunityError(_l("That address is taken by another community."), "slug")
    return slug


def _clean_tools(tools) -> str:
    return ",".join(t for t in ALL_TOOLS if t in set(tools or ()))


def create_community(
    owner: User, *, name: str, slug: str = "", description: str = "", tags: str | list[str] = "",
    access_level: str = PUBLIC, tools=ALL_TOOLS, posting: str = POSTING_MEMBERS,
) -> Community:
    name = (name or "").strip()
    if not name:
        raise CommunityError(_l("A community needs a name."), "name")
    if access_level not in ACCESS_LEVELS:
        raise CommunityError(_l("Choose public, moderated or restricted."), "access")
    slug = _check_slug(slug) if slug.strip() else unique_slug(name)
    community = Community(
        name=name[:100],
        slug=slug,
        description=description,
        description_html=render_markdown(description),
        access=access_level,
        tools=_clean_tools(tools),
        posting=posting if posting in POSTING_RULES else POSTING_MEMBERS,
        created_by_id=owner.id,
        last_activity_at=utcnow(),
    )
    community.set_tags(normalise_tags(tags if isinstance(tags, str) else ", ".join(tags)))
    db.session.add(community)
    db.session.flush()
    _add_member(community, owner, OWNER)
    community_created(community)
    return community


def snapshot(community: Community) -> dict:
    """The settings of a community as the audit log keeps them (before and after a change)."""
    return {"name": community.name, "slug": community.slug, "access": community.access,
            "tools": sorted(community.enabled_tools), "posting": community.posting,
            "tags": list(community.tags), "archived": bool(community.is_archived),
            "description": community.description}


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only what differs between two snapshots."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def update_community(
    community: Community, *, name: str, slug: str, description: str, tags: str | list[str],
    access_level: str, tools, posting: str | None = None,
) -> Community:
    name = (name or "").strip()
    if not name:
        raise CommunityError(_l("A community needs a name."), "name")
    if access_level not in ACCESS_LEVELS:
        raise CommunityError(_l("Choose public, moderated or restricted."), "access")
    community.slug = _check_slug(slug, community)
    community.name = name[:100]
    if description != community.description:
        community.description = description
        community.description_html = render_markdown(description)
    community.set_tags(normalise_tags(tags if isinstance(tags, str) else ", ".join(tags)))
    community.access = access_level
    community.tools = _clean_tools(tools)
    if posting is not None:
        set_posting(community, posting)
    return community


def set_access(community: Community, access_level: str) -> None:
    if access_level not in ACCESS_LEVELS:
        raise CommunityError(_l("Choose public, moderated or restricted."), "access")
    community.access = access_level


def set_posting(community: Community, posting: str) -> None:
    if posting not in POSTING_RULES:
        raise CommunityError(_l("Unknown posting rule."), "posting")
    community.posting = posting


def _membership(community: Community, user: User) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.community_id == community.id, Membership.user_id == user.id)
    )


def _add_member(community: Community, user: User, role: str = MEMBER) -> Membership:
    existing = _membership(community, user)
    if existing:
        return existing
    m = Membership(community_id=community.id, user_id=user.id, role=role)
    db.session.add(m)
    db.session.execute(
        update(Community).where(Community.id == community.id).values(member_count=Community.member_count + 1)
    )
    db.session.flush()
    db.session.refresh(community, ["member_count"])
    # An open request or invitation is settled by joining.
    db.session.execute(
        update(JoinRequest)
        .where(JoinRequest.community_id == community.id, JoinRequest.user_id == user.id, JoinRequest.status == "pending")
        .values(status="approved")
    )
    db.session.execute(
        update(Invitation)
        .where(Invitation.community_id == community.id, Invitation.user_id == user.id, Invitation.status == "pending")
        .values(status="accepted")
    )
    access.forget_roles()
    return m


def _owner_count(community: Community) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(Membership.community_id == community.id, Membership.role == OWNER)
    )


def _locked_membership(community: Community, user: User) -> Membership | None:
    """Lock the community row, then re-read ``user``'s membership: a change that could leave the
    community without an owner counts its owners under this lock, so two owners demoting or removing
    each other (or both leaving) at once take turns, and the second one sees the first one's change
    (SQLite serialises writers already; PostgreSQL needs the row lock)."""
    db.session.execute(select(Community.id).where(Community.id == community.id).with_for_update())
    m = _membership(community, user)
    if m is not None:
        db.session.refresh(m)  # a copy loaded before the lock may be stale
    return m


def _remove_member(community: Community, user: User) -> None:
    m = _locked_membership(community, user)
    if m is None:
        return
    if m.role == OWNER and _owner_count(community) <= 1:
        raise CommunityError(_l("The last owner cannot leave; make someone else an owner first."))
    db.session.delete(m)
    db.session.execute(
        update(Community).where(Community.id == community.id).values(member_count=Community.member_count - 1)
    )
    db.session.flush()
    db.session.refresh(community, ["member_count"])
    access.forget_roles()


def _ensure_open(community: Community) -> None:
    if community.is_archived:
        raise CommunityError(_l("This community is archived and read-only."))


def join(community: Community, user: User) -> Membership:
    _ensure_open(community)
    if community.access != PUBLIC:
        raise CommunityError(_l("This community is not open to join directly."))
    return _add_member(community, user)


def request_to_join(community: Community, user: User, message: str = "") -> JoinRequest:
    _ensure_open(community)
    if community.access != MODERATED:
        raise CommunityError(_l("This community does not take join requests."))
    if access.is_member(user, community):
        raise CommunityError(_l("You are a member already."))
    existing = pending_request(community, user)
    if existing:
        return existing
    req = JoinRequest(community_id=community.id, user_id=user.id, message=(message or "").strip()[:500])
    db.session.add(req)
    db.session.flush()
    return req


_PENDING_REQUEST = select(JoinRequest).where(
    JoinRequest.community_id == bindparam("community_id"), JoinRequest.user_id == bindparam("user_id"),
    JoinRequest.status == "pending")


def pending_request(community: Community, user: User) -> JoinRequest | None:
    return db.session.scalar(_PENDING_REQUEST, {"community_id": community.id, "user_id": user.id})


def cancel_request(community: Community, user: User) -> None:
    req = pending_request(community, user)
    if req:
        db.session.delete(req)


def decide_request(req: JoinRequest, decider: User, approve: bool) -> None:
    if req.status != "pending":
        raise CommunityError(_l("This request was already decided."))
    community = req.community
    _ensure_open(community)
    req.decided_by_id = decider.id
    if approve:
        _add_member(community, req.user)
        req.status = "approved"
    else:
        req.status = "declined"


def invite(community: Community, inviter: User, invitee: User) -> Invitation | None:
    """Invite someone; returns None when they are a member already."""
    _ensure_open(community)
    if access.is_member(invitee, community):
        return None
    existing = db.session.scalar(
        select(Invitation).where(
            Invitation.community_id == community.id, Invitation.user_id == invitee.id, Invitation.status == "pending"
        )
    )
    if existing:
        return existing
    inv = Invitation(community_id=community.id, user_id=invitee.id, invited_by_id=inviter.id)
    db.session.add(inv)
    db.session.flush()
    return inv


def answer_invitation(inv: Invitation, accept: bool) -> None:
    if inv.status != "pending":
        raise CommunityError(_l("This invitation was already answered."))
    if accept:
        _ensure_open(inv.community)
        _add_member(inv.community, inv.user)
        inv.status = "accepted"
    else:
        inv.status = "declined"


def leave(community: Community, user: User) -> None:
    _remove_member(community, user)


def set_role(community: Community, target: User, role: str) -> None:
    if role not in ROLES:
        raise CommunityError(_l("Unknown role."))
    m = _locked_membership(community, target)
    if m is None:
        raise CommunityError(_l("That person is not a member."))
    if m.role == OWNER and role != OWNER and _owner_count(community) <= 1:
        raise CommunityError(_l("A community needs at least one owner."))
    m.role = role
    access.forget_roles()


def remove_member(community: Community, target: User) -> None:
    _remove_member(community, target)


def transfer_ownership(community: Community, new_owner: User) -> None:
    """Make new_owner the owner; former owners become moderators. Under the community row's lock
    (_locked_membership), so a racing transfer, role change or removal waits and then sees this one."""
    _locked_membership(community, new_owner)
    _add_member(community, new_owner, OWNER)
    for m in db.session.scalars(select(Membership).where(Membership.community_id == community.id)
                                .execution_options(populate_existing=True)):
        if m.user_id == new_owner.id:
            m.role = OWNER
        elif m.role == OWNER:
            m.role = "moderator"
    access.forget_roles()


def set_archived(community: Community, archived: bool) -> None:
    community.is_archived = archived


def delete_community(community: Community) -> None:
    """Delete a community and everything in it. The tools' rows (pages, posts, topics, rooms,
    messages, their files' links), activity events and notifications go by ON DELETE CASCADE;
    the search documents filed under it are purged by the indexer (the community search type
    purges its community); the uploaded files' rows and bytes go here (bytes after the commit,
    unless another community shares them)."""
    from collab import files

    for stored in db.session.scalars(select(files.StoredFile).where(files.StoredFile.community_id == community.id)):
        files.delete(stored)
    for model in (Membership, JoinRequest, Invitation, CommunityEmailInvite):
        db.session.execute(delete(model).where(model.community_id == community.id))
    db.session.delete(community)
    db.session.flush()
    access.forget_roles()


# --------------------------------------------------------------------------- bulk invitations

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BULK_MAX = 200


class InviteReport:
    """What a bulk invitation did, entry by entry, as the owner typed it."""

    def __init__(self):
        self.invited: list[User] = []  # new invitations (or, for public communities, pending)
        self.pending: list[User] = []  # had an invitation waiting already
        self.already: list[User] = []  # members already
        self.unknown: list[str] = []  # no such account (and not invited by email)
        self.emailed: list[str] = []  # addresses newly invited by email (no account yet)
        self.email_pending: list[str] = []  # addresses invited by email before
        self.over_budget: list[str] = []  # addresses not invited: the inviter's email invitations are used up

    @property
    def anything(self) -> bool:
        return bool(self.invited or self.emailed)


def split_people(text: str) -> list[str]:
    """Names or emails, one a line or separated by commas (also Chinese commas and semicolons),
    each once, in the order typed."""
    seen: dict[str, str] = {}
    for raw in re.split(r"[\s,，;；、]+", text or ""):
        entry = raw.strip().lstrip("@").strip("<>")
        if entry and entry.lower() not in seen:
            seen[entry.lower()] = entry
    return list(seen.values())[:BULK_MAX]


def invite_many(community: Community, inviter: User, entries: list[str], *, email_unknown: bool,
                email_budget: int | None = None) -> InviteReport:
    """Invite every entry that names an active account; an unknown email address gets an email
    invitation (kept until someone registers with it) when ``email_unknown``, up to
    ``email_budget`` new ones (None: no limit; the rest are reported, not invited)."""
    from collab.accounts.services import find_by_login

    _ensure_open(community)
    report = InviteReport()
    for entry in entries:
        person = find_by_login(entry)
        if person is None or person.is_deactivated:
            if email_unknown and EMAIL_RE.match(entry) and person is None:
                email = entry.lower()
                exists_already = db.session.scalar(select(CommunityEmailInvite.id).where(
                    CommunityEmailInvite.community_id == community.id, CommunityEmailInvite.email == email))
                if exists_already:
                    report.email_pending.append(email)
                elif email_budget is not None and len(report.emailed) >= email_budget:
                    report.over_budget.append(email)
                else:
                    db.session.add(CommunityEmailInvite(community_id=community.id, email=email,
                                                        invited_by_id=inviter.id))
                    report.emailed.append(email)
            else:
                report.unknown.append(entry)
            continue
        if access.is_member(person, community):
            report.already.append(person)
            continue
        waiting = db.session.scalar(select(Invitation.id).where(
            Invitation.community_id == community.id, Invitation.user_id == person.id, Invitation.status == "pending"))
        if waiting:
            report.pending.append(person)
        else:
            invite(community, inviter, person)
            report.invited.append(person)
    db.session.flush()
    return report


def claim_email_invites(user: User) -> int:
    """A new account: the community invitations sent to its email address become invitations."""
    rows = list(db.session.scalars(select(CommunityEmailInvite).where(CommunityEmailInvite.email == user.email.lower())))
    for row in rows:
        community = db.session.get(Community, row.community_id)
        if community is not None and not community.is_archived:
            db.session.add(Invitation(community_id=row.community_id, user_id=user.id, invited_by_id=row.invited_by_id))
        db.session.delete(row)
    if rows:
        db.session.flush()
    return len(rows)


def decide_requests(community: Community, decider: User, request_ids, approve: bool) -> list[JoinRequest]:
    """Approve or decline several pending requests of this community; returns those decided."""
    ids = parse_ids(str(i) for i in request_ids)[:500]
    if not ids:
        return []
    reqs = list(db.session.scalars(select(JoinRequest).where(
        JoinRequest.community_id == community.id, JoinRequest.status == "pending", JoinRequest.id.in_(ids))))
    for req in reqs:
        decide_request(req, decider, approve)
    return reqs


def members_query(community: Community, q: str = ""):
    from sqlalchemy import case, or_

    rank = case({OWNER: 0, "moderator": 1}, value=Membership.role, else_=2)
    stmt = select(Membership).join(Membership.user).where(Membership.community_id == community.id)
    if q:
        q = q.strip()
        stmt = stmt.where(or_(contains_folded(User.username, q), contains_folded(User.display_name, q)))
    return stmt.order_by(rank, User.sort_name, User.id)


def member_faces(community: Community, limit: int = 12) -> list[Face]:
    """Owners and moderators first, then the longest-standing members: a few rows read through
    the (community, role, id) index, never a sort of every member of a big community."""
    base = select(*Face.columns()).join(Membership, Membership.user_id == User.id).where(
        Membership.community_id == community.id)
    conn = db.session.connection()
    rows = conn.execute(
        base.where(Membership.role.in_((OWNER, "moderator"))).order_by(Membership.role.desc(), Membership.id)
        .limit(limit)
    ).all()
    if len(rows) < limit:
        rows += conn.execute(
            base.where(Membership.role == MEMBER).order_by(Membership.id).limit(limit - len(rows))
        ).all()
    return [Face(*row) for row in rows]


def pending_requests(community: Community):
    """Requests waiting for an answer, oldest first (not those of deactivated accounts)."""
    return select(JoinRequest).join(User, User.id == JoinRequest.user_id).where(
        JoinRequest.community_id == community.id, JoinRequest.status == "pending", User.is_deactivated.is_(False)
    ).order_by(JoinRequest.created_at)


_PENDING_COUNT = select(func.count(JoinRequest.id)).join(User, User.id == JoinRequest.user_id).where(
    JoinRequest.community_id == bindparam("community_id"), JoinRequest.status == "pending",
    User.is_deactivated.is_(False))


def pending_request_count(community: Community) -> int:
    """How many of pending_requests(community) there are (the moderators' tab shows it)."""
    return db.session.scalar(_PENDING_COUNT, {"community_id": community.id}) or 0


_MY_INVITATIONS = (select(Invitation).where(Invitation.user_id == bindparam("user_id"), Invitation.status == "pending")
                   .order_by(Invitation.created_at.desc()))


def pending_invitations_for(user: User) -> list[Invitation]:
    return list(db.session.scalars(_MY_INVITATIONS, {"user_id": user.id}))


_MY_COMMUNITIES = (select(Community.id, Community.slug, Community.name, Community.access, Community.member_count,
                          Community.is_archived)
                   .join(Membership, Membership.community_id == Community.id)
                   .where(Membership.user_id == bindparam("user_id")).order_by(Community.sort_name, Community.id))


def communities_of(user: User) -> list:
    """The person's communities by name, as rows of (id, slug, name, access, member_count,
    is_archived): what the start page lists (no ORM object per community)."""
    return read(_MY_COMMUNITIES, {"user_id": user.id}).all()


def popular_tags(user, limit: int = 30) -> list[tuple[str, int]]:
    """The most used tags among the communities the person can see (a tag cloud: may be up to
    a minute old)."""
    from collab.cache import app_cache

    from .models import CommunityTag

    def compute():
        rows = db.session.execute(
            select(CommunityTag.tag, func.count())
            .where(CommunityTag.community_id.in_(access.visible_community_ids(user)))
            .group_by(CommunityTag.tag).order_by(func.count().desc(), CommunityTag.tag).limit(limit)
        )
        return [(t, n) for t, n in rows]

    return app_cache("popular_tags", 60).get_or_set((user.id, limit), compute)


