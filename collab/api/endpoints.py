"""The core's endpoints: the token's owner, communities and members, search, notifications.
Tools add theirs in their own packages (wiki/api.py, blogs/api.py, forums/api.py,
collab/chat/api.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import request, url_for
from markupsafe import Markup
from pydantic import Field
from sqlalchemy import select

from collab import access
from collab.db import write_intent
from collab.extensions import db
from communities.models import Community, Membership

from .core import current_token, not_found, decode_cursor, encode_cursor, endpoint, keyset_page
from .schemas import ListQuery, Output, Page, Person, Text, person


def absolute(url: str) -> str:
    """A site path as an absolute URL (links in API answers work outside the browser)."""
    return request.host_url.rstrip("/") + url if url.startswith("/") else url


def community_or_404(slug: str, user) -> Community:
    """The community, if the token's owner may view it: the same rule as every page (a restricted
    community is 404 to non-members, never 403)."""
    return access.get_community_or_404(slug, user)


# --------------------------------------------------------------------------- me


class Me(Person):
    email: str
    is_admin: bool
    token_name: str
    scopes: list[str]


@endpoint("/me", summary="The token's owner and the token's scopes", tag="People", response=Me)
def me(user):
    token = current_token()
    return Me(id=user.id, username=user.username, name=user.name, email=user.email, is_admin=user.is_admin,
              token_name=token.name, scopes=token.scope_list)


# --------------------------------------------------------------------------- communities


class CommunityOut(Output):
    id: int
    slug: str
    name: str
    description: str
    access: Literal["public", "moderated", "restricted"]
    tools: list[str]
    archived: bool
    member_count: int
    my_role: Literal["owner", "moderator", "member"] | None = Field(description="The token owner's role; null if not a member.")
    url: str


def community_out(c: Community, user) -> CommunityOut:
    return CommunityOut(id=c.id, slug=c.slug, name=c.name, description=c.description, access=c.access,
                        tools=sorted(c.enabled_tools), archived=c.is_archived, member_count=c.member_count,
                        my_role=access.role_of(user, c),
                        url=absolute(url_for("communities.home", slug=c.slug)))


class CommunityQuery(ListQuery):
    member: bool = Field(False, description="Only communities the token's owner belongs to.")


@endpoint("/communities", summary="Communities the token's owner may see", tag="Communities",
          query=CommunityQuery, response=Page[CommunityOut])
def communities(user, query: CommunityQuery):
    stmt = access.visible_communities(user)
    if query.member:
        stmt = stmt.where(Community.id.in_(select(Membership.community_id).where(Membership.user_id == user.id)))
    rows, cursor = keyset_page(stmt, Community.id, query, descending=False)
    return Page[CommunityOut](items=[community_out(c, user) for c in rows], next_cursor=cursor)


@endpoint("/communities/<slug>", summary="One community", tag="Communities", response=CommunityOut, errors=(404,))
def community(user, slug: str):
    return community_out(community_or_404(slug, user), user)


class MemberOut(Output):
    user: Person
    role: Literal["owner", "moderator", "member"]
    joined_at: datetime


@endpoint("/communities/<slug>/members", summary="Members of a community", tag="Communities",
          query=ListQuery, response=Page[MemberOut], errors=(404,))
def members(user, slug: str, query: ListQuery):
    c = community_or_404(slug, user)
    stmt = select(Membership).where(Membership.community_id == c.id)
    rows, cursor = keyset_page(stmt, Membership.id, query, descending=False)
    return Page[MemberOut](items=[MemberOut(user=person(m.user), role=m.role, joined_at=m.created_at) for m in rows],
                           next_cursor=cursor)


# --------------------------------------------------------------------------- search


class SearchQuery(ListQuery):
    q: Text(2000, min_length=1) = Field(description="What to look for (the same syntax as the search page).")
    type: Text(40) | None = Field(None, description="Only this kind of item (wiki, blogs, forums, chat ...).")
    community: Text(64) | None = Field(None, description="Only this community (its slug).")
    limit: int = Field(20, ge=20, le=20, description="Search pages have 20 hits.")


class SearchHit(Output):
    type: str
    type_label: str
    title: str
    snippet: str
    url: str
    community_id: int | None
    author: str
    created: datetime | None


class SearchPage(Page[SearchHit]):
    total: int
    notices: list[str]


@endpoint("/search", summary="Search everything the token's owner may read", tag="Search", query=SearchQuery,
          response=SearchPage, errors=(404,))
def search(user, query: SearchQuery):
    from collab.search import service

    page = decode_cursor(query.cursor, "page")
    number = page["page"] if page else 1
    if not 1 <= number <= service.MAX_PAGE:
        decode_cursor("!", "page")  # out of range: the same answer as any bad cursor
    filters = service.Filters(type=query.type or "")
    if query.community:
        filters.community = str(community_or_404(query.community, user).id)
    res = service.search(user, query.q, filters, page=number)
    hits = [SearchHit(type=h.type, type_label=h.type_label, title=Markup(h.title).striptags(),
                      snippet=Markup(h.snippet).striptags(), url=absolute(h.url),
                      community_id=int(h.community) if (h.community or "").isdigit() else None,
                      author=h.author, created=h.created) for h in res.hits]
    more = res.page < res.pages and res.page < service.MAX_PAGE
    return SearchPage(items=hits, next_cursor=encode_cursor({"page": res.page + 1}) if more else None,
                      total=res.total, notices=[str(n) for n in res.notices])


# --------------------------------------------------------------------------- notifications


class NotificationOut(Output):
    id: int
    kind: str
    title: str
    url: str
    actor: Person | None
    community_id: int | None
    created_at: datetime
    read_at: datetime | None


class NotificationQuery(ListQuery):
    unread: bool = Field(False, description="Only unread notifications.")


def _notification_out(n, actors: dict) -> NotificationOut:
    return NotificationOut(id=n.id, kind=n.kind, title=n.title, url=absolute(n.url),
                           actor=person(actors.get(n.actor_id)), community_id=n.community_id,
                           created_at=n.created_at, read_at=n.read_at)


def _actors(rows) -> dict:
    from collab.accounts.models import User

    ids = {n.actor_id for n in rows if n.actor_id}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


@endpoint("/notifications", summary="The token owner's notifications, newest first", tag="Notifications",
          query=NotificationQuery, response=Page[NotificationOut])
def notifications(user, query: NotificationQuery):
    from collab.activity import inbox
    from collab.activity.models import Notification

    stmt = inbox.notifications_query(user).order_by(None)
    if query.unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows, cursor = keyset_page(stmt, Notification.id, query)
    actors = _actors(rows)
    return Page[NotificationOut](items=[_notification_out(n, actors) for n in rows], next_cursor=cursor)


@endpoint("/notifications/<int:notification_id>/read", methods=["POST"], summary="Mark a notification read",
          tag="Notifications", response=NotificationOut, errors=(404,))
def read_notification(user, notification_id: int):
    from collab.activity import inbox

    n = inbox.get_readable(user, notification_id)
    if n is None:
        raise not_found()
    inbox.mark_read(n)
    db.session.commit()
    return _notification_out(n, _actors([n]))


class Marked(Output):
    marked: int


@endpoint("/notifications/read-all", methods=["POST"], summary="Mark every notification read",
          tag="Notifications", response=Marked)
def read_all_notifications(user):
    from collab.activity import inbox

    with write_intent():
        n = inbox.mark_all_read(user)
        db.session.commit()
    return Marked(marked=n)
