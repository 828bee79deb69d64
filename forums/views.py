"""Forum pages. Thin: load, ask the rules (services.may_*, collab.access), call a service, render.

Addresses under /c/<slug>/forums/: the forum list; f/<id> a forum (filters ?show= and ?tag=);
f/<id>/new a new topic; t/<id> a topic (?page=); p/<id> a post (redirects to its page and anchor);
moderation the review queue; similar?title= suggestions while typing a title.
"""
from __future__ import annotations

from flask import abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab import analytics
from collab.db import write_intent
from collab.extensions import db
from collab.urls import local_path
from collab.forms import choices
from collab.moderation import services as moderation_core
from collab.ids import parse_id, parse_ids
from communities.views import community_context

from . import bp, kept, moderation, queries, services
from .forms import EditPostForm, ForumForm, MoveForm, ReplyForm, TopicForm
from .models import Forum, ForumPost, ForumTopic
from .services import ForumError


# --------------------------------------------------------------------------- helpers


def _me():
    return current_user._get_current_object()


def _community(slug: str):
    from collab import access

    community = access.get_community_or_404(slug, current_user)
    if not community.has_tool("forums"):
        abort(404)
    return community


def _ctx(community, **extra) -> dict:
    ctx = community_context(community)
    user = _me()
    ctx.update(can_post=services.may_post(user, community), can_mod=services.may_moderate(user, community),
               can_manage_forums=services.may_manage(user, community),
               flag_count=moderation_core.open_count(community) if services.may_moderate(user, community) else 0)
    ctx.update(extra)
    return ctx


def _forum(community, forum_id: int) -> Forum:
    forum = db.session.get(Forum, forum_id)
    if forum is None or forum.community_id != community.id:
        abort(404)
    return forum


def _topic(community, topic_id: int, typed=None, post: ForumPost | None = None) -> ForumTopic:
    """The topic, or 404. ``typed``: the posted form (a reply, or an edit of ``post``) whose text
    the person gets back, with the reason, when the topic was deleted since they opened it."""
    topic = db.session.get(ForumTopic, topic_id)
    if topic is None or topic.community_id != community.id:
        abort(404)
    if not services.may_see_topic(_me(), topic, community):
        if typed is not None and typed.validate_on_submit():
            _keep_typed(community, typed, services.removed_meanwhile(_me(), topic, community, post))
        abort(404)  # deleted, or waiting for approval
    return topic


def _post(community, post_id: int, typed=None) -> ForumPost:
    post = db.session.get(ForumPost, post_id)
    if post is None or post.community_id != community.id:
        abort(404)
    _topic(community, post.topic_id, typed, post)
    return post


def _keep_typed(community, form, message) -> None:
    """The topic is gone for this person: its page cannot be shown, their text is (409)."""
    if message:
        abort(make_response(render_template(
            "unsaved.html", message=message, form=form, fields=("title", "body"),
            back=url_for("forums.index", slug=community.slug), **_ctx(community)), 409))


def _fail(e: ForumError, form=None):
    """Show a service error on its field (the page is rendered again) or as a message."""
    field = getattr(form, e.field, None) if form is not None and e.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(e.message)]
    else:
        flash(str(e.message), "error")


def _post_url(community, post: ForumPost) -> str:
    topic = post.topic
    page = services.page_of(topic, post.number)
    return url_for("forums.topic", slug=community.slug, topic_id=topic.id,
                   **({"page": page} if page > 1 else {})) + f"#post-{post.id}"


def _back(default: str) -> str:
    return local_path(request.form.get("next")) or default


# --------------------------------------------------------------------------- forums


@bp.route("/")
@login_required
def index(slug: str):
    community = _community(slug)
    forums = services.forums_of(community)
    return render_template("forums/index.html", **_ctx(community, forums=forums,
                                                        summaries=queries.forum_summaries(community)))


@bp.route("/new-forum", methods=["GET", "POST"])
@login_required
def new_forum(slug: str):
    community = _community(slug)
    if not services.may_manage(_me(), community):
        abort(403)
    form = ForumForm()
    if form.validate_on_submit():
        try:
            forum = services.create_forum(community, _me(), name=form.name.data, description=form.description.data,
                                          position=form.position.data)
            db.session.commit()
            flash(_("The forum “%(name)s” is ready.", name=forum.name), "success")
            return redirect(url_for("forums.forum", slug=slug, forum_id=forum.id))
        except ForumError as e:
            db.session.rollback()
            _fail(e, form)
    return render_template("forums/forum_form.html", **_ctx(community, form=form, forum=None)), \
        400 if form.errors else 200


@bp.route("/f/<int:forum_id>/edit", methods=["GET", "POST"])
@login_required
def edit_forum(slug: str, forum_id: int):
    community = _community(slug)
    forum = _forum(community, forum_id)
    if not services.may_manage(_me(), community):
        abort(403)
    form = ForumForm(obj=forum)
    if form.validate_on_submit():
        try:
            services.update_forum(forum, _me(), name=form.name.data, description=form.description.data,
                                  position=form.position.data if form.position.data is not None else forum.position)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("forums.index", slug=slug))
        except ForumError as e:
            db.session.rollback()
            _fail(e, form)
    return render_template("forums/forum_form.html", **_ctx(community, form=form, forum=forum)), \
        400 if form.errors else 200


@bp.post("/f/<int:forum_id>/delete")
@login_required
def delete_forum(slug: str, forum_id: int):
    community = _community(slug)
    forum = _forum(community, forum_id)
    if not services.may_manage(_me(), community):
        abort(403)
    if (request.form.get("confirm") or "").strip() != forum.name:
        flash(_("Type the forum's name to confirm that it and all its topics are deleted."), "error")
        return redirect(url_for("forums.edit_forum", slug=slug, forum_id=forum.id))
    services.delete_forum(forum, _me())
    db.session.commit()
    flash(_("The forum is deleted."), "success")
    return redirect(url_for("forums.index", slug=slug))


@bp.route("/f/<int:forum_id>")
@login_required
def forum(slug: str, forum_id: int):
    community = _community(slug)
    forum = _forum(community, forum_id)
    show = request.args.get("show", "all")
    if show not in queries.FILTERS:
        show = "all"
    tag = (request.args.get("tag") or "").strip().lower()[:40]
    user = _me()
    page = queries.topics(forum, user, show, tag, request.args.get("page", 1, type=int))
    ctx = _ctx(community, forum=forum, show=show, tag=tag)
    return render_template("forums/forum.html", body=kept.forum_body(community, forum, page, show, tag, ctx), **ctx)


@bp.post("/f/<int:forum_id>/subscribe")
@login_required
def subscribe_forum(slug: str, forum_id: int):
    community = _community(slug)
    forum = _forum(community, forum_id)
    on = request.form.get("on") == "1"
    services.set_subscribed(_me(), on, forum=forum)
    db.session.commit()
    flash(_("You follow this forum.") if on else _("You no longer follow this forum."), "success")
    return redirect(url_for("forums.forum", slug=slug, forum_id=forum.id))


# --------------------------------------------------------------------------- topics


@bp.route("/f/<int:forum_id>/new", methods=["GET", "POST"])
@login_required
def new_topic(slug: str, forum_id: int):
    community = _community(slug)
    forum = _forum(community, forum_id)
    if not services.may_post(_me(), community):
        abort(403)
    form = TopicForm()
    status = 200
    if request.method == "GET":
        form.is_question.data = request.args.get("question") == "1"
        form.title.data = (request.args.get("title") or "")[:200]
    if form.validate_on_submit():
        try:
            topic = services.create_topic(forum, _me(), title=form.title.data, body=form.body.data,
                                          tags=form.tags.data, is_question=form.is_question.data,
                                          token=form.token.data)
            db.session.commit()
            return redirect(url_for("forums.topic", slug=slug, topic_id=topic.id))
        except ForumError as e:
            db.session.rollback()
            _fail(e, form)
            status = e.status
    elif form.errors:
        status = 400
    form.fresh()
    return render_template("forums/new_topic.html", **_ctx(community, forum=forum, form=form)), status


@bp.route("/similar")
@login_required
def similar(slug: str):
    community = _community(slug)
    found = queries.similar(community, _me(), request.args.get("title", ""))
    return jsonify([{"title": t.title, "url": url_for("forums.topic", slug=slug, topic_id=t.id),
                     "answered": t.is_answered, "replies": t.reply_count} for t in found])


@bp.route("/t/<int:topic_id>", methods=["GET", "POST"])
@login_required
def topic(slug: str, topic_id: int):
    community = _community(slug)
    form = ReplyForm()
    topic = _topic(community, topic_id, form if request.method == "POST" else None)
    user = _me()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                reply_to = parse_id(form.reply_to.data)
                post = services.reply(topic, user, body=form.body.data, reply_to_id=reply_to, token=form.token.data)
                db.session.commit()
                return redirect(_post_url(community, post))
            except ForumError as e:
                db.session.rollback()
                _fail(e, form)
                status = e.status
        else:
            status = 400
        topic = _topic(community, topic_id)
    else:
        quote = request.args.get("quote", type=int)
        reply_to = request.args.get("reply_to", type=int) or quote
        if reply_to:
            target = db.session.get(ForumPost, reply_to)
            if target is not None and target.topic_id == topic.id and target.is_visible:
                form.reply_to.data = str(target.id)
                if quote:
                    who = target.author.username if target.author else ""
                    quoted = "\n".join("> " + line for line in target.body.splitlines()[:40])
                    form.body.data = f"@{who} wrote:\n{quoted}\n\n" if who else f"{quoted}\n\n"
    number = request.args.get("page", type=int)
    page = queries.posts(topic, number or 1)
    if page.page > page.pages:
        page = queries.posts(topic, page.pages)
    seen, subscribed, has_flows = queries.topic_facts(user, topic)
    ids = [p.id for p in page.items]
    accepted = db.session.get(ForumPost, topic.accepted_post_id) if topic.accepted_post_id else None
    reply_to = parse_id(form.reply_to.data)
    reply_target = db.session.get(ForumPost, reply_to) if reply_to else None
    if reply_target is not None and not (reply_target.topic_id == topic.id and reply_target.is_visible):
        reply_target = None  # a post of another topic (or community) is never shown
        form.reply_to.data = ""  # sent again, the text is a reply to the topic
    form.fresh()
    key = f"forum_topic:{topic.id}"
    if request.method == "GET" and page.items:
        analytics.record_view(key, community.id, user)  # buffered: no write on the request path
    can_mod = services.may_moderate(user, community)
    # A moderator's split mode (the Moderate menu's "Split replies…"): a checkbox per reply.
    split = can_mod and request.args.get("split") == "1" and any(p.number > 1 for p in page.items)
    ctx = _ctx(community, topic=topic, page=page, form=form, seen=seen, reply_target=reply_target,
               views=topic.view_count + analytics.pending_views(key),
               subscribed=subscribed, has_flows=has_flows, split=split,
               forums=services.forums_of(community) if can_mod else [],
               move_form=_move_form(community, topic) if can_mod else None)
    ctx["posts_html"] = kept.posts_block(community, topic, page, seen, accepted, ids, ctx)
    html = render_template("forums/topic.html", **ctx)
    if request.method == "GET" and page.items:
        newest = max(p.number for p in page.items)
        if seen is None or newest > seen:  # nothing to write when the person had read this far
            _remember(user.id, topic.id, newest)
    return html, status


def _remember(user_id: int, topic_id: int, number: int) -> None:
    # By id: the rollback expires the person's row, and reading user.id would load it again.
    db.session.rollback()  # end the page's read transaction; the write takes its own
    try:
        with write_intent():
            services.record_visit(user_id, topic_id, number)
            db.session.commit()
    except Exception:  # a busy database never costs the reader the page
        db.session.rollback()


def _move_form(community, topic) -> MoveForm:
    form = MoveForm()
    form.forum.choices = choices([(f.id, f.name) for f in services.forums_of(community)])
    form.forum.data = topic.forum_id
    return form


@bp.route("/t/<int:topic_id>/unread")
@login_required
def unread(slug: str, topic_id: int):
    community = _community(slug)
    topic = _topic(community, topic_id)
    post = services.first_unread(_me(), topic)
    if post is None:
        last = db.session.get(ForumPost, topic.last_post_id) if topic.last_post_id else None
        if last is None:
            return redirect(url_for("forums.topic", slug=slug, topic_id=topic.id))
        return redirect(_post_url(community, last))
    return redirect(_post_url(community, post))


@bp.route("/p/<int:post_id>")
@login_required
def post(slug: str, post_id: int):
    community = _community(slug)
    return redirect(_post_url(community, _post(community, post_id)))


@bp.post("/t/<int:topic_id>/subscribe")
@login_required
def subscribe_topic(slug: str, topic_id: int):
    community = _community(slug)
    topic = _topic(community, topic_id)
    on = request.form.get("on") == "1"
    services.set_subscribed(_me(), on, topic=topic)
    db.session.commit()
    flash(_("You follow this topic.") if on else _("You no longer follow this topic."), "success")
    return redirect(url_for("forums.topic", slug=slug, topic_id=topic.id))


def _act(community, action, redirect_to: str):
    try:
        action()
        db.session.commit()
    except ForumError as e:
        db.session.rollback()
        if e.status == 403:
            abort(403)
        flash(str(e.message), "error")
    return redirect(_back(redirect_to))


@bp.post("/t/<int:topic_id>/accept/<int:post_id>")
@login_required
def accept(slug: str, topic_id: int, post_id: int):
    community = _community(slug)
    topic = _topic(community, topic_id)
    target = _post(community, post_id)
    return _act(community, lambda: services.accept(topic, target, _me()), _post_url(community, target))


@bp.post("/t/<int:topic_id>/unaccept")
@login_required
def unaccept(slug: str, topic_id: int):
    community = _community(slug)
    topic = _topic(community, topic_id)
    return _act(community, lambda: services.unaccept(topic, _me()),
                url_for("forums.topic", slug=slug, topic_id=topic.id))


@bp.post("/t/<int:topic_id>/moderate")
@login_required
def moderate_topic(slug: str, topic_id: int):
    community = _community(slug)
    topic = _topic(community, topic_id)
    action = request.form.get("action", "")
    user = _me()
    here = url_for("forums.topic", slug=slug, topic_id=topic.id)
    actions = {
        "pin": lambda: moderation.set_pinned(topic, user, True),
        "unpin": lambda: moderation.set_pinned(topic, user, False),
        "lock": lambda: moderation.set_locked(topic, user, True),
        "unlock": lambda: moderation.set_locked(topic, user, False),
        "delete": lambda: moderation.delete_topic(topic, user),
        "restore": lambda: moderation.restore_topic(topic, user),
        "move": lambda: moderation.move_topic(topic, user, request.form.get("forum", type=int) or 0),
    }
    if action not in actions:
        abort(400)
    return _act(community, actions[action], here)


@bp.post("/t/<int:topic_id>/split")
@login_required
def split(slug: str, topic_id: int):
    community = _community(slug)
    topic = _topic(community, topic_id)
    ids = parse_ids(request.form.getlist("posts"))
    try:
        new = moderation.split_topic(topic, _me(), ids, request.form.get("title", ""))
        db.session.commit()
    except ForumError as e:
        db.session.rollback()
        if e.status == 403:
            abort(403)
        flash(str(e.message), "error")
        return redirect(url_for("forums.topic", slug=slug, topic_id=topic.id, split=1))
    flash(_("The chosen replies are now a topic of their own."), "success")
    return redirect(url_for("forums.topic", slug=slug, topic_id=new.id))


# --------------------------------------------------------------------------- posts


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(slug: str, post_id: int):
    community = _community(slug)
    form = EditPostForm()
    post = _post(community, post_id, form if request.method == "POST" else None)
    topic = post.topic
    status, conflict = 200, False
    stamp = post.edited_at.isoformat() if post.edited_at else "-"
    removed = services.removed_meanwhile(_me(), topic, community, post)
    if not services.may_edit_post(_me(), post, community) and not (request.method == "POST" and removed):
        abort(403)
    if removed:
        # Deleted or hidden since the form was opened: the text comes back with the reason.
        status = 409
        form.body.errors = list(form.body.errors) + [str(removed)]
    elif request.method == "GET":
        form.body.data = post.body
        form.title.data = topic.title
        form.tags.data = ", ".join(topic.tag_list)
        form.is_question.data = topic.is_question
        form.base.data = stamp
    elif form.validate_on_submit() and form.base.data and form.base.data != stamp:
        # Edited by someone else since this form was opened: keep what was typed, show what is there
        # now, and let a second save replace it knowingly.
        conflict, status = True, 409
        form.base.data = stamp
        form.body.errors = list(form.body.errors) + [
            _("Someone edited this post after you opened it. Your text is kept here and the current text is "
              "shown below: merge what you need, then save again.")]
    elif form.validate_on_submit():
        try:
            opening = post.number == 1
            services.edit_post(post, _me(), body=form.body.data, title=form.title.data if opening else None,
                               tags=form.tags.data if opening else None,
                               is_question=form.is_question.data if opening else None)
            db.session.commit()
            return redirect(_post_url(community, post))
        except ForumError as e:
            db.session.rollback()
            _fail(e, form)
            status = e.status
            post = _post(community, post_id)
    else:
        status = 400
    return render_template("forums/edit_post.html", **_ctx(community, post=post, topic=post.topic, form=form,
                                                           conflict=conflict)), status


@bp.route("/p/<int:post_id>/history")
@login_required
def post_history(slug: str, post_id: int):
    community = _community(slug)
    post = _post(community, post_id)
    if not services.may_moderate(_me(), community):
        abort(403)
    return render_template("forums/history.html", **_ctx(community, post=post, topic=post.topic,
                                                         edits=services.history(post)))


@bp.post("/p/<int:post_id>/delete")
@login_required
def delete_post(slug: str, post_id: int):
    community = _community(slug)
    post = _post(community, post_id)
    topic = post.topic
    user = _me()
    if services.may_moderate(user, community) and post.author_id != user.id:
        action = lambda: moderation.moderator_delete(post, user)  # noqa: E731
    else:
        action = lambda: services.delete_post(post, user)  # noqa: E731
    target = url_for("forums.forum", slug=slug, forum_id=topic.forum_id) if post.number == 1 \
        else url_for("forums.topic", slug=slug, topic_id=topic.id)
    return _act(community, action, target)


@bp.post("/p/<int:post_id>/like")
@login_required
def like(slug: str, post_id: int):
    community = _community(slug)
    post = _post(community, post_id)
    try:
        liked = services.toggle_like(post, _me())
        db.session.commit()
    except ForumError as e:
        db.session.rollback()
        if e.status == 403:
            abort(403)
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=str(e.message)), e.status
        flash(str(e.message), "error")
        return redirect(_post_url(community, post))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(liked=liked, count=post.like_count)
    return redirect(_post_url(community, post))


@bp.route("/p/<int:post_id>/flag", methods=["GET", "POST"])
@login_required
def flag(slug: str, post_id: int):
    """Flags go to the platform's one moderation queue (collab.moderation): its form, same data."""
    community = _community(slug)
    post = _post(community, post_id)
    return redirect(url_for("moderation.flag", key=f"forum_post:{post.id}", next=_post_url(community, post)), 307)


@bp.post("/p/<int:post_id>/moderate")
@login_required
def moderate_post(slug: str, post_id: int):
    community = _community(slug)
    post = _post(community, post_id)
    user = _me()
    action = request.form.get("action", "")
    actions = {
        "hide": lambda: moderation.hide_post(post, user),
        "restore": lambda: moderation.restore_post(post, user),
    }
    if action not in actions:
        abort(400)
    return _act(community, actions[action], _post_url(community, post))


@bp.route("/moderation")
@login_required
def queue(slug: str):
    community = _community(slug)
    if not services.may_moderate(_me(), community):
        abort(403)
    return redirect(url_for("moderation.community_queue", slug=community.slug))  # the one queue
