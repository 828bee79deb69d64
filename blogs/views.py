"""Blog pages. Thin: load, ask the services' ``may_*`` (collab.access underneath), call a service,
render.

Every page exists twice, for a community's blog under /c/<slug>/blog/ and for a person's blog
under /u/<username>/blog/; ``blog_route`` registers both and the view receives whichever key the
address carried.
"""
from __future__ import annotations

from calendar import monthrange
from hmac import compare_digest
from datetime import datetime, timedelta, timezone

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import URLSafeSerializer
from sqlalchemy import exists, func, select

from collab import access, analytics
from collab.accounts import register_profile_section
from collab.accounts.models import User
from collab.db import utcnow, write_intent
from collab.extensions import db
from collab.urls import local_path
from collab.pagination import paginate
from collab.ids import parse_id
from communities.views import community_context

from . import bp, images, services
from .forms import CommentForm, PostForm, SettingsForm, new_token
from .indexing import post_url
from .models import BlogComment, BlogPost, BlogPostTag
from .services import Blog, BlogError, PostInput

PER_PAGE = 10


def blog_route(rule: str, **options):
    """Register a view for community blogs and personal blogs alike."""

    def decorator(fn):
        bp.add_url_rule(f"/c/<slug>/blog{rule}", view_func=fn, defaults={"username": None}, **options)
        bp.add_url_rule(f"/u/<username>/blog{rule}", view_func=fn, defaults={"slug": None},
                        endpoint=fn.__name__, **options)
        return fn

    return decorator


# --------------------------------------------------------------------------- helpers


def load_blog(slug: str | None, username: str | None) -> Blog:
    user = current_user._get_current_object()
    if slug is not None:
        community = access.get_community_or_404(slug, user)
        blog = Blog(community=community)
    else:
        owner = db.session.scalar(select(User).where(User.username == username))
        if owner is None or not owner.is_active:
            abort(404)
        blog = Blog(owner=owner)
    if not services.may_read(user, blog):
        abort(404)
    return blog


def release(blog: Blog) -> None:
    """Scheduled posts whose time has come get their search entry and stream event now, in a
    short write transaction of their own (reads never wait for it)."""
    if services.due_exists(blog):
        db.session.rollback()
        with write_intent():
            services.release_due(blog)
            db.session.commit()


def load_post(blog: Blog, post_id: int, comment=None, edit=None) -> BlogPost:
    """The post, or 404. ``comment`` (the posted comment form) or ``edit`` (the posted edit form):
    the person gets their text back with the reason when the post they read was deleted, hidden or
    unpublished since."""
    post = db.session.get(BlogPost, post_id)
    if post is None or not blog.owns(post):
        abort(404)
    if not services.may_see_post(current_user, blog, post):
        typed = edit if edit is not None else comment
        closed = (services.edit_closed if edit is not None else services.comment_closed)(current_user, blog, post)
        had_read = typed is not None and (services.saw_post(current_user, blog, post)
                                          or compare_digest(_read_mark(post.id), typed.read.data or ""))
        if closed and had_read and typed.validate_on_submit():
            fields = ("title", "summary", "body", "tags") if edit is not None else ("body",)
            abort(make_response(render_template("unsaved.html", message=closed, form=typed, fields=fields,
                                                back=url_for("blogs.index", **blog.key), **blog_context(blog)), 409))
        abort(404)
    return post


def _read_mark(post_id: int) -> str:
    """Signed (post, reader): the comment form carries it, so a comment on a post taken away since
    (unpublished too) is known to come from someone who had read it."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="blogs-read").dumps([post_id, current_user.id])


def blog_context(blog: Blog, **extra) -> dict:
    user = current_user._get_current_object()
    ctx = community_context(blog.community) if blog.community else {"person": blog.owner}
    ctx.update(
        blog=blog, bkey=blog.key,
        can_write=services.may_write(user, blog),
        can_comment=services.may_comment(user, blog),
        can_moderate_blog=services.may_moderate(user, blog),
        can_manage_blog=services.may_manage(user, blog),
    )
    ctx.update(extra)
    return ctx


def form_error(form, e: BlogError) -> None:
    field = getattr(form, e.field, None) if e.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(e.message)]
    else:
        flash(str(e.message), "error")


def viewer_zone():
    return get_timezone() or timezone.utc


def _localize(naive: datetime, tz) -> datetime:
    return tz.localize(naive) if hasattr(tz, "localize") else naive.replace(tzinfo=tz)


def parse_local_time(text: str) -> datetime:
    """"2030-05-01 09:00" (or the datetime-local form "2030-05-01T09:00") in the viewer's zone."""
    text = " ".join((text or "").replace("T", " ").split())
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if not 1971 <= naive.year <= 9998:  # beyond, a time zone's offset leaves what a datetime holds
            raise BlogError(_("Choose a time between the years 1971 and 9998."), "publish_at")
        return _localize(naive, viewer_zone()).astimezone(timezone.utc)
    raise BlogError(_("Give the time as year-month-day hours:minutes, e.g. 2030-05-01 09:00."), "publish_at")


def local_input(value: datetime | None) -> str:
    return value.astimezone(viewer_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""


def _month_range(month: str) -> tuple[datetime, datetime] | None:
    try:
        year, mon = (int(x) for x in month.split("-", 1))
        if not (1971 <= year <= 9998 and 1 <= mon <= 12):
            return None
    except ValueError:
        return None
    tz = viewer_zone()
    start = _localize(datetime(year, mon, 1), tz)
    end = start + timedelta(days=monthrange(year, mon)[1])
    return start.astimezone(timezone.utc), _localize(end.replace(tzinfo=None), tz).astimezone(timezone.utc)


def archive_months(blog: Blog) -> list[tuple[str, int]]:
    """("2026-05", number of posts) for every month with posts, newest first, in the viewer's zone."""
    tz = viewer_zone()
    counts: dict[str, int] = {}
    for when in db.session.scalars(select(BlogPost.published_at).where(blog.posts_clause(), BlogPost.live_clause())):
        key = when.astimezone(tz).strftime("%Y-%m")
        counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items(), reverse=True)


def popular_tags(blog: Blog, limit: int = 20) -> list[tuple[str, int]]:
    n = func.count(BlogPostTag.post_id)
    rows = db.session.execute(
        select(BlogPostTag.tag, n).join(BlogPost, BlogPost.id == BlogPostTag.post_id)
        .where(blog.posts_clause(), BlogPost.live_clause()).group_by(BlogPostTag.tag)
        .order_by(n.desc(), BlogPostTag.tag).limit(limit)).all()
    return [(t, c) for t, c in rows]


def feed_url(blog: Blog, tag: str | None = None) -> str | None:
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return None
    token = db.session.scalar(select(services.BlogFeedToken.token).where(services.BlogFeedToken.user_id == user.id))
    if not token:
        return None
    args = dict(blog.key, token=token, _external=True)
    if tag:
        return url_for("blogs.tag_feed", tag=tag, **args)
    return url_for("blogs.feed", **args)


# --------------------------------------------------------------------------- reading


@blog_route("/")
@login_required
def index(slug, username):
    blog = load_blog(slug, username)
    release(blog)
    user = current_user._get_current_object()
    stmt = select(BlogPost).where(blog.posts_clause(), BlogPost.live_clause())
    tag = (request.args.get("tag") or "").strip().lower()[:40]
    month = (request.args.get("month") or "").strip()[:7]
    if tag:
        stmt = stmt.where(exists().where(BlogPostTag.post_id == BlogPost.id, BlogPostTag.tag == tag))
    span = _month_range(month) if month else None
    if month and span is None:
        month = ""
    if span:
        stmt = stmt.where(BlogPost.published_at >= span[0], BlogPost.published_at < span[1])
    listing = paginate(stmt.order_by(BlogPost.published_at.desc(), BlogPost.id.desc()), per_page=PER_PAGE)
    mine = []
    if user.is_authenticated:
        mine = db.session.scalars(
            select(BlogPost).where(blog.posts_clause(), BlogPost.author_id == user.id, BlogPost.is_deleted.is_(False),
                                   ~BlogPost.live_clause()).order_by(BlogPost.updated_at.desc()).limit(20)).all()
    unread = []
    if blog.community is not None and access.is_member(user, blog.community):
        from .models import BlogAck

        unread = db.session.scalars(
            select(BlogPost).where(blog.posts_clause(), BlogPost.live_clause(), BlogPost.is_announcement.is_(True),
                                   BlogPost.author_id != user.id,
                                   ~exists().where(BlogAck.post_id == BlogPost.id, BlogAck.user_id == user.id))
            .order_by(BlogPost.published_at.desc()).limit(5)).all()
    return render_template("blogs/index.html", listing=listing, tag=tag, month=month, mine=mine, unread=unread,
                           months=archive_months(blog), tags=popular_tags(blog), feed=feed_url(blog, tag or None),
                           **blog_context(blog))


@blog_route("/<int:post_id>")
@login_required
def post(slug, username, post_id: int):
    blog = load_blog(slug, username)
    release(blog)
    user = current_user._get_current_object()
    item = load_post(blog, post_id)
    threads = services.comment_threads(item, user, services.may_moderate(user, blog)) if item.is_live() else []
    receipts = None
    if item.is_announcement and services.may_manage(user, blog):
        receipts = services.read_receipts(item, blog.community)
    key = f"blog_post:{item.id}"
    if item.is_live() and item.author_id != user.id:
        analytics.record_view(key, item.community_id, user)  # buffered: no write on the request path
    html = render_template(
        "blogs/post.html", post=item, views=item.view_count + analytics.pending_views(key),
        threads=threads, liked=services.has_liked(item, user),
        acked=services.has_acknowledged(item, user), receipts=receipts,
        must_ack=item.is_announcement and item.is_live() and blog.community is not None
        and item.author_id != user.id and access.is_member(user, blog.community),
        comment_form=CommentForm(formdata=None, client_token=new_token(), read=_read_mark(item.id)),
        can_edit_post=services.may_edit_post(user, blog, item), **blog_context(blog))
    return html


# --------------------------------------------------------------------------- writing


def _upload(blog: Blog, form: PostForm) -> None:
    """The editor's "Upload image" button: keep the image and add it to the text being written."""
    upload = request.files.get("image")
    if not upload or not upload.filename:
        form.image.errors = [_("Choose an image file first.")]
        return
    try:
        image = images.upload_image(blog, current_user, upload, upload.filename)
    except BlogError as e:
        db.session.rollback()
        form.image.errors = [str(e.message)]
        return
    db.session.commit()
    src = url_for("blogs.image", image_id=image.id, **blog.key)
    alt = image.file.name.rsplit(".", 1)[0].replace("]", "").replace("[", "")
    text = (form.body.data or "").rstrip("\n")
    form.body.data = (text + "\n\n" if text else "") + f"![{alt}]({src})\n"
    flash(_("The image is added to the text."), "success")


@blog_route("/images/<int:image_id>")
@login_required
def image(slug, username, image_id: int):
    blog = load_blog(slug, username)
    found = images.find_image(blog, image_id)
    if found is None or not images.may_see_image(current_user, blog, found):
        abort(404)
    from collab import files

    return files.send(found.file)


def _post_input(form: PostForm) -> PostInput:
    action = request.form.get("action", "draft")
    if action not in ("draft", "publish", "schedule", "save"):
        action = "draft"
    when = parse_local_time(form.publish_at.data) if action == "schedule" else None
    return PostInput(title=form.title.data or "", body=form.body.data or "", summary=form.summary.data or "",
                     tags=form.tags.data or "", action=action, publish_at=when,
                     client_token=(form.client_token.data or "")[:64] or None)


def _flash_state(item: BlogPost) -> None:
    if item.is_live():
        flash(_("The post is published."), "success")
    elif item.is_scheduled:
        flash(_("The post is scheduled; it appears on the blog at the time you chose."), "success")
    else:
        flash(_("The draft is saved. Only you can see it."), "success")


def _zone_name() -> str:
    return str(viewer_zone())


@blog_route("/new", methods=["GET", "POST"])
@login_required
def new(slug, username):
    blog = load_blog(slug, username)
    access.require(services.may_write(current_user, blog))
    form = PostForm()
    if request.method == "GET":
        form.client_token.data = new_token()
    elif form.validate_on_submit() and request.form.get("action") == "upload":
        _upload(blog, form)
    elif form.validate_on_submit():
        try:
            item = services.create_post(blog, current_user, _post_input(form))
        except BlogError as e:
            db.session.rollback()
            form_error(form, e)
        else:
            db.session.commit()
            _flash_state(item)
            return redirect(post_url(item))
    return render_template("blogs/edit.html", form=form, item=None, zone=_zone_name(), **blog_context(blog))


@blog_route("/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug, username, post_id: int):
    blog = load_blog(slug, username)
    form = PostForm()
    # Deleted, or out of the editor's sight (unpublished), since the form was opened: the save says
    # so and the text comes back (409).
    item = load_post(blog, post_id, edit=form if request.method == "POST" else None)
    access.require(services.may_edit_post(current_user, blog, item)
                   and not (item.is_deleted and request.method == "GET"))
    status, current = 200, None
    if request.method == "GET":
        form.title.data, form.summary.data, form.body.data = item.title, item.summary, item.body
        form.tags.data = ", ".join(item.tags)
        form.publish_at.data = local_input(item.published_at) if item.is_scheduled else ""
        form.base.data = services.post_version(item)
        form.read.data = _read_mark(item.id)
    elif form.validate_on_submit() and request.form.get("action") == "upload":
        _upload(blog, form)
        item = load_post(blog, post_id)
    elif form.validate_on_submit() and form.base.data and form.base.data != services.post_version(item):
        # Changed by someone else since this form was opened: keep what was typed, show the current
        # version, and let a second save replace it knowingly.
        status, current = 409, item
        form.base.data = services.post_version(item)
        form.body.errors = list(form.body.errors) + [
            _("Someone changed this post after you opened it. Your text is kept here and the current version "
              "is shown below: merge what you need, then save again.")]
    elif form.validate_on_submit():
        try:
            services.edit_post(blog, item, current_user, _post_input(form))
        except BlogError as e:
            db.session.rollback()
            item = load_post(blog, post_id)
            form_error(form, e)
            status = 409 if item.is_deleted else status
        else:
            db.session.commit()
            _flash_state(item)
            return redirect(post_url(item))
    return render_template("blogs/edit.html", form=form, item=item, current=current, zone=_zone_name(),
                           **blog_context(blog)), status


def _post_action(blog: Blog, item: BlogPost, fn, *args, ok: str | None = None, anchor: str | None = None):
    try:
        fn(*args)
    except BlogError as e:
        db.session.rollback()
        flash(str(e.message), "error")
    else:
        db.session.commit()
        if ok:
            flash(ok, "success")
    return redirect(post_url(item, _anchor=anchor) if anchor else post_url(item))


@blog_route("/<int:post_id>/delete", methods=["POST"])
@login_required
def delete(slug, username, post_id: int):
    blog = load_blog(slug, username)
    item = load_post(blog, post_id)
    access.require(services.may_edit_post(current_user, blog, item))
    services.delete_post(blog, item, current_user)
    db.session.commit()
    flash(_("The post is deleted. It can still be restored from its page."), "info")
    return redirect(url_for("blogs.index", **blog.key))


@blog_route("/<int:post_id>/restore", methods=["POST"])
@login_required
def restore(slug, username, post_id: int):
    blog = load_blog(slug, username)
    item = load_post(blog, post_id)
    access.require(services.may_edit_post(current_user, blog, item))
    return _post_action(blog, item, services.restore_post, blog, item, current_user, ok=_("The post is restored."))


@blog_route("/<int:post_id>/like", methods=["POST"])
@login_required
def like(slug, username, post_id: int):
    blog = load_blog(slug, username)
    item = load_post(blog, post_id)
    access.require(services.may_comment(current_user, blog))
    if request.form.get("undo"):
        return _post_action(blog, item, services.unlike, item, current_user, anchor="likes")
    return _post_action(blog, item, services.like, blog, item, current_user, anchor="likes")


@blog_route("/<int:post_id>/announce", methods=["POST"])
@login_required
def announce(slug, username, post_id: int):
    blog = load_blog(slug, username)
    item = load_post(blog, post_id)
    access.require(services.may_manage(current_user, blog))
    on = not request.form.get("undo")
    return _post_action(blog, item, services.set_announcement, blog, item, current_user, on,
                        ok=_("Members are asked to acknowledge this announcement.") if on
                        else _("This post is no longer an announcement."))


@blog_route("/<int:post_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(slug, username, post_id: int):
    blog = load_blog(slug, username)
    item = load_post(blog, post_id)
    access.require(blog.community is not None and access.is_member(current_user, blog.community))
    return _post_action(blog, item, services.acknowledge, blog, item, current_user,
                        ok=_("Thank you: the owners see that you have read this."))


# --------------------------------------------------------------------------- comments


@blog_route("/<int:post_id>/comments", methods=["POST"])
@login_required
def comment(slug, username, post_id: int):
    blog = load_blog(slug, username)
    form = CommentForm()
    item = load_post(blog, post_id, comment=form)
    access.require(services.may_comment(current_user, blog))
    if form.validate_on_submit():
        try:
            parent = parse_id(form.parent_id.data)
            c = services.add_comment(blog, item, current_user, form.body.data or "", parent,
                                     (form.client_token.data or "")[:64] or None)
        except BlogError as e:
            db.session.rollback()
            form_error(form, e)
        else:
            db.session.commit()
            return redirect(post_url(item, _anchor=f"comment-{c.id}"))
    # Show the post again with the error and what was typed.
    item = load_post(blog, post_id)
    user = current_user._get_current_object()
    return render_template(
        "blogs/post.html", post=item, threads=services.comment_threads(item), liked=services.has_liked(item, user),
        acked=services.has_acknowledged(item, user), receipts=None, must_ack=False, comment_form=form,
        can_edit_post=services.may_edit_post(user, blog, item), **blog_context(blog)), 400


def _load_comment(blog: Blog, comment_id: int) -> BlogComment:
    c = db.session.get(BlogComment, comment_id)
    if c is None or c.is_deleted:
        abort(404)
    load_post(blog, c.post_id)
    return c


@blog_route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(slug, username, comment_id: int):
    blog = load_blog(slug, username)
    c = _load_comment(blog, comment_id)
    access.require(c.author_id == current_user.id)
    form = CommentForm()
    if request.method == "GET":
        form.body.data = c.body
    elif form.validate_on_submit():
        try:
            services.edit_comment(blog, c, current_user, form.body.data or "")
        except BlogError as e:
            db.session.rollback()
            c = _load_comment(blog, comment_id)
            form_error(form, e)
        else:
            db.session.commit()
            return redirect(post_url(c.post, _anchor=f"comment-{c.id}"))
    return render_template("blogs/edit_comment.html", form=form, comment=c, post=c.post, **blog_context(blog))


@blog_route("/comments/<int:comment_id>/delete", methods=["POST"])
@login_required
def delete_comment(slug, username, comment_id: int):
    blog = load_blog(slug, username)
    c = _load_comment(blog, comment_id)
    item = c.post
    access.require(c.author_id == current_user.id or services.may_moderate(current_user, blog))
    return _post_action(blog, item, services.delete_comment, blog, c, current_user, ok=_("The comment is removed."),
                        anchor="comments")


# --------------------------------------------------------------------------- settings


@bp.route("/c/<slug>/blog/settings", methods=["GET", "POST"])
@login_required
def settings(slug):
    blog = load_blog(slug, None)
    access.require(services.may_manage(current_user, blog))
    form = SettingsForm()
    if request.method == "GET":
        form.posting.data = services.posting_rule(blog.community)
    elif form.validate_on_submit():
        services.set_posting(blog, current_user, form.posting.data)
        db.session.commit()
        flash(_("The blog settings are saved."), "success")
        return redirect(url_for("blogs.index", slug=slug))
    return render_template("blogs/settings.html", form=form, **blog_context(blog))


@bp.route("/blog/feed-token/reset", methods=["POST"])
@login_required
def reset_feed_token():
    services.reset_feed_token(current_user)
    services.feed_token(current_user)
    db.session.commit()
    flash(_("Your feed addresses are new; the old ones no longer work."), "success")
    return redirect(local_path(request.form.get("next")) or url_for("home.index"))


@bp.route("/blog/feed-token", methods=["POST"])
@login_required
def make_feed_token():
    services.feed_token(current_user)
    db.session.commit()
    return redirect(local_path(request.form.get("next")) or url_for("home.index"))


# --------------------------------------------------------------------------- profile


@register_profile_section
def _profile_blog(person, viewer):
    if not getattr(viewer, "is_authenticated", False):
        return None
    posts = db.session.scalars(
        select(BlogPost).where(BlogPost.community_id.is_(None), BlogPost.author_id == person.id, BlogPost.live_clause())
        .order_by(BlogPost.published_at.desc()).limit(5)).all()
    return "blogs/_profile.html", {"blog_posts": posts, "blog_person": person,
                                   "blog_is_mine": viewer.id == person.id, "now": utcnow()}
