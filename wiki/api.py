"""The wiki's REST endpoints (on the core's /api/v1 blueprint): list and read pages, create a
page, and save an edit from a base revision. Same rules as the pages: the services decide, the
hooks tell the stream, an edit from an older revision is merged three-way and a true overlap is a
409 carrying the current revision."""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from pydantic import Field
from sqlalchemy import false, select
from sqlalchemy.orm import undefer

from collab import access
from collab.api import ApiError, endpoint, keyset_page
from collab.api.core import not_found
from collab.api.endpoints import absolute
from collab.api.schemas import Input, ListQuery, Output, Page, Person, Text, person
from collab.extensions import db

from . import hooks, live, queries, services
from .models import BODY_MAX, PATH_MAX, SUMMARY_MAX, TITLE_MAX, WikiPage


class WikiPageSummary(Output):
    id: int
    title: str
    path: str
    parent_id: int | None
    revision: int = Field(description="The current revision number: send it as base_revision when editing.")
    updated_at: datetime
    url: str


class WikiPageOut(WikiPageSummary):
    body: str = Field(description="The current Markdown source.")
    html: str = Field(description="The rendered, sanitised HTML.")
    locked: bool
    updated_by: Person | None


class WikiPageCreate(Input):
    title: Text(TITLE_MAX, min_length=1)
    body: Text(BODY_MAX) = ""
    parent_id: int | None = Field(None, ge=1, le=2**31 - 1, description="The parent page; none for a top-level page.")
    summary: Text(SUMMARY_MAX) = Field("", description="What changed (shown in the history).")


class WikiPageEdit(Input):
    body: Text(BODY_MAX)
    base_revision: int = Field(ge=1, le=2**31 - 1, description="The revision the edit started from.")
    summary: Text(SUMMARY_MAX) = ""


class WikiEditResult(Output):
    saved: bool = Field(description="False when the text equals the current text (nothing was saved).")
    merged: bool = Field(description="True when edits saved since base_revision were merged with this one.")
    page: WikiPageOut


class WikiPageQuery(ListQuery):
    path: Text(PATH_MAX) | None = Field(None, description="Only the page at this address (e.g. handbook/setup).")


def _community(slug: str, user):
    community = access.get_community_or_404(slug, user)
    if not community.has_tool("wiki"):
        raise not_found()
    return community


def _summary(page: WikiPage, community) -> dict:
    return dict(id=page.id, title=page.title, path=page.path, parent_id=page.parent_id, revision=page.revision_number,
                updated_at=page.updated_at, url=absolute(url_for("wiki.page", slug=community.slug, path=page.path)))


def _out(page: WikiPage, community) -> WikiPageOut:
    return WikiPageOut(**_summary(page, community), body=page.body, html=page.body_html, locked=page.is_locked,
                   updated_by=person(page.updated_by))


def _page(community, page_id: int, user) -> WikiPage:
    page = db.session.scalar(select(WikiPage).where(WikiPage.id == page_id, WikiPage.community_id == community.id,
                                                    WikiPage.is_deleted == false())
                             .options(undefer(WikiPage.body), undefer(WikiPage.body_html)))
    if page is None or not services.may_see_page(user, page, community):
        raise not_found()
    return page


@endpoint("/communities/<slug>/wiki/pages", summary="List a community's wiki pages", tag="Wiki", query=WikiPageQuery,
          response=Page[WikiPageSummary], errors=(404,))
def list_pages(user, slug: str, query: WikiPageQuery):
    community = _community(slug, user)
    stmt = select(WikiPage).where(*queries._live(community.id))
    if query.path is not None:
        stmt = stmt.where(WikiPage.path == query.path.strip("/"))
    rows, cursor = keyset_page(stmt, WikiPage.id, query, descending=False)
    return Page[WikiPageSummary](items=[WikiPageSummary(**_summary(p, community)) for p in rows], next_cursor=cursor)


@endpoint("/communities/<slug>/wiki/pages/<int:page_id>", summary="Read a wiki page", tag="Wiki",
          response=WikiPageOut, errors=(404,))
def get_page(user, slug: str, page_id: int):
    community = _community(slug, user)
    return _out(_page(community, page_id, user), community)


def _invalid(e: services.WikiError) -> ApiError:
    return ApiError(422, "invalid", e.message, field=e.field)


@endpoint("/communities/<slug>/wiki/pages", methods=["POST"], summary="Create a wiki page", tag="Wiki",
          body=WikiPageCreate, response=WikiPageOut, status=201, errors=(404,))
def create_page(user, slug: str, body: WikiPageCreate):
    community = _community(slug, user)
    if not services.may_edit(user, community):
        raise ApiError(403, "forbidden", _("You may not edit this wiki."))
    try:
        page = services.create_page(community, user, title=body.title, parent_id=body.parent_id, body=body.body,
                                    summary=body.summary)
        hooks.created(page, user)
    except services.WikiError as e:
        raise _invalid(e) from None
    db.session.commit()
    return _out(_page(community, page.id, user), community), 201


@endpoint("/communities/<slug>/wiki/pages/<int:page_id>", methods=["PATCH"], summary="Edit a wiki page",
          tag="Wiki", body=WikiPageEdit, response=WikiEditResult, errors=(404, 409),
          description="Send the text and the revision it was edited from. If others saved since, their changes "
                      "are merged with yours; if they overlap, nothing is saved and the answer is 409 with the "
                      "current revision (details.current_revision, current_body) and the merged text with "
                      "conflict markers (details.merged_body).")
def edit_page(user, slug: str, page_id: int, body: WikiPageEdit):
    community = _community(slug, user)
    page = _page(community, page_id, user)
    if not services.may_edit_page(user, page, community):
        raise ApiError(403, "forbidden", _("You may not edit this page."))
    previous = page.body
    try:
        result, news = live.save_text(page, user, body=body.body, base_number=body.base_revision,
                                      summary=body.summary)
        if result.changed:
            hooks.edited(result.page, result.revision, user, previous=previous)
    except services.Conflict as c:
        details = {"base_revision": c.base_number, "current_revision": c.current_number,
                   "current_author": c.current_author, "current_body": c.current_text, "merged_body": c.merged}
        raise ApiError(409, "conflict", c.message, field="body", details=details) from None
    except services.WikiError as e:
        raise _invalid(e) from None
    db.session.commit()
    if news:
        live.broadcast(page_id, *news)  # the editors open on the page see the change at once
    return WikiEditResult(saved=result.changed, merged=result.merged, page=_out(_page(community, page_id, user), community))
