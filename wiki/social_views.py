"""Around the pages: comments, watching, locks, tags and the wiki's settings. Thin, like views."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab import access, audit
from collab.extensions import db
from collab.pagination import paginate

from . import bp, hooks, social
from .forms import CommentForm, WikiSettingsForm
from .models import TAG_MAX, WikiComment
from .services import WikiError, may_lock
from .views import _community, _ctx, _load, _page_url, _show


def _comment(page, comment_id: int) -> WikiComment:
    comment = db.session.get(WikiComment, comment_id)
    if comment is None or comment.page_id != page.id:
        abort(404)
    return comment


# --------------------------------------------------------------------------- comments


@bp.route("/<path:path>/-/comments", methods=["POST"])
@login_required
def add_comment(slug: str, path: str):
    community = _community(slug)
    page = _load(community, path, typed=(CommentForm, social.may_comment(current_user, community), True))
    access.require(social.may_comment(current_user, community))
    form = CommentForm()
    if form.validate_on_submit():
        try:
            comment, fresh = social.add_comment(page, current_user, form.body.data or "", token=form.token.data)
            if fresh:
                hooks.commented(page, comment, current_user)
        except WikiError as e:
            db.session.rollback()
            form.body.errors = list(form.body.errors) + [str(e.message)]
        else:
            db.session.commit()
            if fresh:
                flash(_("Your comment is posted."), "success")
            return redirect(_page_url(page) + f"#comment-{comment.id}")
    return _show(community, page, comment_form=form, status=400)


@bp.route("/<path:path>/-/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(slug: str, path: str, comment_id: int):
    community = _community(slug)
    page = _load(community, path)
    comment = _comment(page, comment_id)
    access.require(social.may_change_comment(current_user, comment, community))
    form = CommentForm(formdata=None, body=comment.body) if request.method == "GET" else CommentForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            previous = comment.body
            social.edit_comment(comment, form.body.data or "")
            hooks.comment_edited(page, comment, current_user, previous)
        except WikiError as e:
            db.session.rollback()
            form.body.errors = list(form.body.errors) + [str(e.message)]
        else:
            db.session.commit()
            flash(_("Your comment is saved."), "success")
            return redirect(_page_url(page) + f"#comment-{comment.id}")
    return render_template("wiki/comment_edit.html", page=page, comment=comment, form=form,
                           **_ctx(community, page.path))


@bp.route("/<path:path>/-/comments/<int:comment_id>/delete", methods=["POST"])
@login_required
def delete_comment(slug: str, path: str, comment_id: int):
    community = _community(slug)
    page = _load(community, path)
    comment = _comment(page, comment_id)
    access.require(social.may_delete_comment(current_user, comment, community))
    hooks.comment_deleted(comment)
    social.delete_comment(comment)
    db.session.commit()
    flash(_("The comment is deleted."), "info")
    return redirect(_page_url(page) + "#comments")


# --------------------------------------------------------------------------- watch and lock


@bp.route("/<path:path>/-/watch", methods=["POST"])
@login_required
def watch(slug: str, path: str):
    community = _community(slug)
    page = _load(community, path)
    on = request.form.get("on") == "1"
    social.watch(page, current_user, on)
    db.session.commit()
    if on:
        flash(_("You are watching this page: you hear about its edits and comments."), "success")
    else:
        flash(_("You stopped watching this page."), "info")
    return redirect(_page_url(page))


@bp.route("/<path:path>/-/lock", methods=["POST"])
@login_required
def lock(slug: str, path: str):
    community = _community(slug)
    page = _load(community, path)
    access.require(may_lock(current_user, community))
    locked = request.form.get("locked") == "1"
    if bool(page.is_locked) != locked:
        audit.record(current_user, "wiki.lock" if locked else "wiki.unlock", target=f"wiki_page:{page.id}",
                     label=page.title, community=community)
    social.set_locked(page, current_user, locked)
    db.session.commit()
    if locked:
        flash(_("The page is locked: only moderators and owners can edit it."), "success")
    else:
        flash(_("The page is unlocked: members can edit it again."), "success")
    return redirect(_page_url(page))


# --------------------------------------------------------------------------- tags


@bp.route("/-/tags")
@login_required
def tags(slug: str):
    community = _community(slug)
    return render_template("wiki/tags.html", tags=social.community_tags(community.id, limit=500), tag=None,
                           listing=None, **_ctx(community))


@bp.route("/-/tags/<tag>")
@login_required
def tagged(slug: str, tag: str):
    community = _community(slug)
    tag = " ".join(tag.split()).lower()[:TAG_MAX]
    listing = paginate(social.pages_tagged_query(community.id, tag), per_page=50)
    return render_template("wiki/tags.html", tags=social.community_tags(community.id, limit=500), tag=tag,
                           listing=listing, **_ctx(community))


# --------------------------------------------------------------------------- settings


@bp.route("/-/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    community = _community(slug)
    access.require(access.can_manage(current_user, community) and not community.is_archived)
    if request.method == "GET":
        form = WikiSettingsForm(formdata=None, edit_restricted=social.edit_restricted(community.id))
    else:
        form = WikiSettingsForm()
        if form.validate_on_submit():
            before, after = social.edit_restricted(community.id), bool(form.edit_restricted.data)
            social.set_edit_restricted(community, after)
            if before != after:
                audit.record(current_user, "wiki.settings", target=f"community:{community.id}", label=community.name,
                             community=community, before={"edit_restricted": before},
                             after={"edit_restricted": after})
            db.session.commit()
            flash(_("The wiki settings are saved."), "success")
            return redirect(url_for("wiki.settings", slug=community.slug))
    return render_template("wiki/settings.html", form=form, **_ctx(community))
