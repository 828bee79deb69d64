"""The blog's REST endpoints (on the core's /api/v1 blueprint): a community blog's published
posts, one post (a draft to its author), writing, editing and deleting a post. The services keep every rule (who
may write, the posting setting, idempotent submits) and call the hooks that tell the stream."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask_babel import gettext as _
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import undefer

from collab import access
from collab.api import ApiError, endpoint, keyset_page
from collab.api.core import not_found
from collab.api.endpoints import absolute
from collab.api.schemas import Input, ListQuery, Output, Page, Person, Text, person
from collab.extensions import db

from . import services
from .indexing import post_url
from .models import BODY_MAX, SUMMARY_MAX, TAG_MAX, TAGS_PER_POST, TITLE_MAX, TOKEN_MAX, BlogPost
from .services import Blog, BlogError, PostInput


class BlogPostSummary(Output):
    id: int
    title: str
    summary: str
    author: Person | None
    tags: list[str]
    status: Literal["draft", "scheduled", "published"]
    published_at: datetime | None
    like_count: int
    comment_count: int
    url: str


class BlogPostOut(BlogPostSummary):
    body: str = Field(description="The Markdown source.")
    html: str = Field(description="The rendered, sanitised HTML.")
    version: str = Field(description="Changes whenever the title, text, summary, tags or status change: send it "
                                     "back as base_version when editing.")


class BlogPostCreate(Input):
    title: Text(TITLE_MAX, min_length=1)
    body: Text(BODY_MAX) = ""
    summary: Text(SUMMARY_MAX) = ""
    tags: list[Text(TAG_MAX)] = Field(default_factory=list, max_length=TAGS_PER_POST)
    publish: bool = Field(True, description="Publish now; false saves a draft only its author sees.")
    client_token: Text(TOKEN_MAX) | None = Field(
        None, description="Any unique string: sending the same post twice with it creates one post.")


def _blog(slug: str, user) -> Blog:
    blog = Blog(community=access.get_community_or_404(slug, user))
    if not services.may_read(user, blog):
        raise not_found()
    return blog


def _state(post: BlogPost) -> str:
    if post.is_live():
        return "published"
    return "scheduled" if post.is_scheduled else "draft"


def _summary(post: BlogPost) -> dict:
    return dict(id=post.id, title=post.title, summary=post.summary, author=person(post.author),
                tags=[t for t in post.tags_text.split(",") if t], status=_state(post), published_at=post.published_at,
                like_count=post.like_count, comment_count=post.comment_count, url=absolute(post_url(post)))


def _readable(blog: Blog, user, post_id: int) -> BlogPost:
    """A post of this blog the person may read (a draft only to its author), with its text; else 404."""
    post = db.session.scalar(select(BlogPost).where(BlogPost.id == post_id)
                             .options(undefer(BlogPost.body), undefer(BlogPost.body_html)))
    if post is None or not blog.owns(post) or post.is_deleted or not services.may_see_post(user, blog, post):
        raise not_found()
    return post


def _out(post: BlogPost) -> BlogPostOut:
    return BlogPostOut(**_summary(post), body=post.body, html=post.body_html, version=services.post_version(post))


@endpoint("/communities/<slug>/blog/posts", summary="List a community blog's published posts", tag="Blogs",
          query=ListQuery, response=Page[BlogPostSummary], errors=(404,))
def list_posts(user, slug: str, query: ListQuery):
    blog = _blog(slug, user)
    stmt = select(BlogPost).where(blog.posts_clause(), BlogPost.live_clause())
    rows, cursor = keyset_page(stmt, BlogPost.id, query)
    return Page[BlogPostSummary](items=[BlogPostSummary(**_summary(p)) for p in rows], next_cursor=cursor)


@endpoint("/communities/<slug>/blog/posts/<int:post_id>", summary="Read a blog post", tag="Blogs",
          response=BlogPostOut, errors=(404,))
def get_post(user, slug: str, post_id: int):
    blog = _blog(slug, user)
    return _out(_readable(blog, user, post_id))


@endpoint("/communities/<slug>/blog/posts", methods=["POST"], summary="Write a blog post", tag="Blogs",
          body=BlogPostCreate, response=BlogPostOut, status=201, errors=(404,))
def create_post(user, slug: str, body: BlogPostCreate):
    blog = _blog(slug, user)
    if not services.may_write(user, blog):
        raise ApiError(403, "forbidden", _("You may not write posts in this blog."))
    data = PostInput(title=body.title, body=body.body, summary=body.summary, tags=",".join(body.tags),
                     action="publish" if body.publish else "draft", client_token=body.client_token)
    try:
        post = services.create_post(blog, user, data)
    except BlogError as e:
        raise ApiError(422, "invalid", e.message, field=e.field) from None
    db.session.commit()
    return _out(db.session.scalar(select(BlogPost).where(BlogPost.id == post.id)
                                  .options(undefer(BlogPost.body), undefer(BlogPost.body_html)))), 201


class BlogPostEdit(Input):
    title: Text(TITLE_MAX, min_length=1)
    body: Text(BODY_MAX) = ""
    summary: Text(SUMMARY_MAX) = ""
    tags: list[Text(TAG_MAX)] = Field(default_factory=list, max_length=TAGS_PER_POST)
    publish: bool | None = Field(None, description="true publishes a draft, false turns the post back into a "
                                                   "draft; leave it out to keep the post as it is.")
    base_version: Text(64) | None = Field(
        None, description="The version you read. If the post changed since, nothing is saved and the answer is "
                          "409 with the current post in details.")


def _editable(blog: Blog, user, post_id: int) -> BlogPost:
    post = _readable(blog, user, post_id)
    if not services.may_edit_post(user, blog, post):
        raise ApiError(403, "forbidden", _("You may not edit this post."))
    return post


@endpoint("/communities/<slug>/blog/posts/<int:post_id>", methods=["PATCH"], summary="Edit a blog post",
          tag="Blogs", body=BlogPostEdit, response=BlogPostOut, errors=(404, 409),
          description="The author (and the community's owners and moderators) edit a post. Send base_version "
                      "from the post you read to be told (409) instead of overwriting a change made since.")
def edit_post(user, slug: str, post_id: int, body: BlogPostEdit):
    blog = _blog(slug, user)
    post = _editable(blog, user, post_id)
    if body.base_version is not None and body.base_version != services.post_version(post):
        raise ApiError(409, "conflict", _("This post was changed since you read it: nothing is saved. Read it "
                                          "again and apply your change to the current version."), field="body",
                       details={"current": _out(post).model_dump(mode="json")})
    action = "save" if body.publish is None else "publish" if body.publish else "draft"
    data = PostInput(title=body.title, body=body.body, summary=body.summary, tags=",".join(body.tags), action=action)
    try:
        services.edit_post(blog, post, user, data)
    except BlogError as e:
        raise ApiError(422, "invalid", e.message, field=e.field) from None
    db.session.commit()
    return _out(post)


@endpoint("/communities/<slug>/blog/posts/<int:post_id>", methods=["DELETE"], summary="Delete a blog post",
          tag="Blogs", status=204, errors=(404,),
          description="The author (and the community's owners and moderators) delete a post; it can be restored "
                      "from its page. A moderator's removal is recorded in the audit log.")
def delete_post(user, slug: str, post_id: int):
    blog = _blog(slug, user)
    post = _editable(blog, user, post_id)
    try:
        services.delete_post(blog, post, user)
    except BlogError as e:
        raise ApiError(403, "forbidden", e.message) from None
    db.session.commit()
    return None, 204
