"""The access vocabulary. Every view, template, feed, API call, socket event and search filter
asks these functions; nothing else decides who may see or do what.

Rules (DESIGN.md section 1): public and moderated communities are visible to every signed-in
person; restricted ones to members only (and a non-member gets 404, never 403). Site admins see
and manage everything. Archived communities are read-only.
"""
from __future__ import annotations

from flask import abort, g, has_app_context
from sqlalchemy import Select, and_, bindparam, or_, select

from collab.extensions import db, read
from communities.models import (
    MODERATED, MODERATOR, OWNER, POSTING_MODERATORS, PUBLIC, RESTRICTED, ROLE_RANK, Community, Membership,
)


# Built once: a page asks these on every request, and building a SELECT (and its cache key)
# costs more than running it.
_ROLE = select(Membership.role).where(Membership.community_id == bindparam("community_id"),
                                      Membership.user_id == bindparam("user_id"))
_BY_SLUG = select(Community).where(Community.slug == bindparam("slug"))
# The community and the reader's role in it, in one read: every page of a community asks both.
_BY_SLUG_WITH_ROLE = (select(Community, Membership.role)
                      .outerjoin(Membership, and_(Membership.community_id == Community.id,
                                                  Membership.user_id == bindparam("user_id")))
                      .where(Community.slug == bindparam("slug")))


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def role_of(user, community: Community) -> str | None:
    """The user's role in the community (cached per request), or None."""
    if not _authenticated(user):
        return None
    cache: dict | None = g.setdefault("_roles", {}) if has_app_context() else None
    key = (user.id, community.id)
    if cache is not None and key in cache:
        return cache[key]
    role = read(_ROLE, {"community_id": community.id, "user_id": user.id}).scalar()
    if cache is not None:
        cache[key] = role
    return role


def forget_roles() -> None:
    """Drop cached roles after membership changes within one request."""
    if has_app_context():
        g.pop("_roles", None)


def is_admin(user) -> bool:
    return _authenticated(user) and bool(user.is_admin)


def is_member(user, community: Community) -> bool:
    return role_of(user, community) is not None


def has_role(user, community: Community, at_least: str) -> bool:
    role = role_of(user, community)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[at_least]


def can_view(user, community: Community) -> bool:
    if not _authenticated(user):
        return False
    if user.is_admin or community.access in (PUBLIC, MODERATED):
        return True
    return is_member(user, community)


def viewers_among(users, community: Community | None) -> list:
    """Those of ``users`` (active User objects) who may view ``community``, in one query: the
    same rule as can_view, for telling many people at once. None means personal content, which
    every signed-in person may read."""
    users = [u for u in users if _authenticated(u)]
    if community is None or community.access in (PUBLIC, MODERATED):
        return users
    members = set(db.session.scalars(select(Membership.user_id).where(
        Membership.community_id == community.id, Membership.user_id.in_([u.id for u in users]))))
    return [u for u in users if u.is_admin or u.id in members]


def can_post(user, community: Community) -> bool:
    """Contribute content in any tool: write, reply, comment, chat, react (tools may narrow this
    with their own settings). The community's posting rule decides who: every member, or only
    its owners and moderators (an announcement community, where members read)."""
    if community.is_archived or not _authenticated(user):
        return False
    if community.posting == POSTING_MODERATORS:
        return has_role(user, community, MODERATOR)
    return is_member(user, community)


def can_moderate(user, community: Community) -> bool:
    return is_admin(user) or has_role(user, community, MODERATOR)


def can_manage(user, community: Community) -> bool:
    """Change settings, roles, tools: owners and site admins."""
    return is_admin(user) or has_role(user, community, OWNER)


def can_join_directly(user, community: Community) -> bool:
    return (
        _authenticated(user) and not community.is_archived and community.access == PUBLIC
        and not is_member(user, community)
    )


def can_request_to_join(user, community: Community) -> bool:
    return (
        _authenticated(user) and not community.is_archived and community.access == MODERATED
        and not is_member(user, community)
    )


def can_invite(user, community: Community) -> bool:
    """Owners and moderators invite to any community; members may invite to open ones."""
    if community.is_archived:
        return False
    if can_moderate(user, community):
        return True
    return community.access != RESTRICTED and is_member(user, community)


def can_edit_owned(user, author_id: int | None, community: Community | None = None) -> bool:
    """Edit or delete something a person wrote: its author, a moderator, or an admin."""
    if not _authenticated(user):
        return False
    if community is not None and community.is_archived and not user.is_admin:
        return False
    if author_id is not None and author_id == user.id:
        return True
    return is_admin(user) or (community is not None and can_moderate(user, community))


def visible_communities(user) -> Select:
    """SELECT of communities the user may see, to filter and paginate in SQL."""
    stmt = select(Community)
    return stmt.where(visible_community_clause(user))


def visible_community_clause(user):
    """A WHERE clause on Community for what ``user`` may see."""
    if not _authenticated(user):
        return Community.id.is_(None)
    return visible_clause_for(bool(user.is_admin), user.id)


def visible_clause_for(is_admin: bool, user_id):
    """The same clause from the person's admin flag and id, where ``user_id`` may be a
    ``bindparam``: for statements built once and run for everybody (collab.nav, the directory)."""
    if is_admin:
        return Community.id.is_not(None)
    mine = select(Membership.community_id).where(Membership.user_id == user_id)
    return or_(Community.access.in_((PUBLIC, MODERATED)), Community.id.in_(mine))


def visible_community_ids(user) -> Select:
    return select(Community.id).where(visible_community_clause(user))


def get_community_or_404(slug: str, user) -> Community:
    """Load a community the user may view; 404 otherwise, so restricted ones do not leak."""
    if _authenticated(user):
        row = db.session.execute(_BY_SLUG_WITH_ROLE, {"slug": slug, "user_id": user.id}).first()
        community = row[0] if row else None
        if community is not None and has_app_context():  # what role_of would read next
            g.setdefault("_roles", {})[(user.id, community.id)] = row[1]
    else:
        community = db.session.scalar(_BY_SLUG, {"slug": slug})
    if community is None or not can_view(user, community):
        abort(404)
    return community


def require(condition: bool) -> None:
    """403 for someone who can see the place but may not do this."""
    if not condition:
        abort(403)
