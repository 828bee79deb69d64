"""Wiki pages. Thin: load, ask collab.access (through services.may_*), call a service, render.

Addresses: /c/<slug>/wiki/ is the wiki's home page; /c/<slug>/wiki/<path> a page; actions on a
page follow its path after "/-/" (edit, history, ...), and wiki-wide pages live under /-/ too
(new, recent, trash, preview). Slugs never start with a dash, so no page can shadow an action.
"""
from __future__ import annotations

import base64
import hashlib
import re
import secrets

from flask import abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import get_locale, ngettext
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import func, select

from collab import access, analytics, audit, fragments
from collab.db import write_intent
from collab.extensions import db
from collab.forms import choices
from collab.pagination import Page, paginate
from communities.views import community_context

from . import attachments, bp, diffing, hooks, live, queries, services, social, tree
from .forms import CommentForm, EditForm, MoveForm, NewPageForm, RenameForm
from .models import BODY_MAX, TITLE_MAX, WikiPage

HEADING = re.compile(r'<h([1-6]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)


# --------------------------------------------------------------------------- helpers


def _community(slug: str):
    community = access.get_community_or_404(slug, current_user)
    if not community.has_tool("wiki"):
        abort(404)
    return community


def _ctx(community, current_path: str | None = None, *, with_nav: bool = True, **extra) -> dict:
    user = current_user._get_current_object()
    ctx = community_context(community)
    base = url_for("wiki.page", slug=community.slug, path="~")[:-1]
    nav, count = tree.navigation_html(community.id, current_path, base) if with_nav else (Markup(""), 0)
    ctx.update(
        can_edit=services.may_edit(user, community),
        can_manage_pages=services.may_manage(user, community),
        nav=nav, page_total=count,
    )
    ctx.update(extra)
    return ctx


def _page_url(page: WikiPage, endpoint: str = "wiki.page", **kw) -> str:
    return url_for(endpoint, slug=page.community.slug, path=page.path, **kw)


def _load(community, path: str, *, allow_deleted: bool = False, with_body_html: bool = False,
          typed=None) -> WikiPage:
    """The live page at ``path``; a permanent redirect when the page moved or was renamed (the
    same action, the same query); 404 when there is none, or none the person may see (an old
    address never tells a hidden page's new one). ``typed``: the posted form's class,
    whether its person may write it, whether it is a comment: they get their text back with the
    reason when the page was deleted or hidden since they opened it. (The form is read only then:
    a moved page's redirect keeps the posted body for the new address.)"""
    page = queries.find_page(community, path, with_body_html=with_body_html)
    if page is not None:
        if not services.may_see_page(current_user, page, community):
            _keep_typed(community, page, typed)
            abort(404)  # hidden, or waiting for approval: its author and the moderators only
        return page
    target = None
    if path.endswith("/") and path.strip("/"):
        target = queries.find_page(community, path.strip("/"))
    if target is None:
        target = queries.find_redirect(community, path)
    if target is None and path != path.lower():
        target = queries.find_page(community, path.lower()) or queries.find_redirect(community, path.lower())
    if target is not None and services.may_see_page(current_user, target, community):
        args = dict(request.view_args or {}, path=target.path)
        abort(redirect(url_for(request.endpoint, **args, **request.args.to_dict(flat=False)), 308))
    if allow_deleted and services.may_manage(current_user, community):
        page = queries.find_deleted(community, path)
        if page is not None:
            return page
    if typed is not None:
        _keep_typed(community, queries.find_deleted(community, path), typed)
    abort(404)


def _keep_typed(community, page: WikiPage | None, typed) -> None:
    """The page is gone for this person: it cannot be shown, their text is (409)."""
    if page is None or typed is None:
        return
    make_form, may_write, comment = typed
    message = services.removed_meanwhile(current_user, page, community, may_write=may_write, comment=comment)
    form = make_form() if message else None
    if form is not None and form.validate_on_submit():
        abort(make_response(render_template(
            "unsaved.html", message=message, form=form, fields=("title", "body"),
            back=url_for("wiki.home", slug=community.slug), **_ctx(community, with_nav=False)), 409))


def _error(form, e: services.WikiError) -> None:
    field = getattr(form, e.field, None) if e.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(e.message)]
    else:
        flash(str(e.message), "error")


def _set(field, value) -> None:
    """Replace what a posted field shows when the form is rendered again."""
    field.data = value
    field.raw_data = [str(value)]


def _toc(html: str) -> list[tuple[int, str, str]]:
    entries = [(int(level), anchor, Markup(inner).striptags()) for level, anchor, inner in HEADING.findall(html or "")]
    return entries if len(entries) >= 2 else []


def _parent_choices(community, exclude: WikiPage | None = None):
    return choices([("", _("(top level)"))] + [(str(i), label) for i, label in
                                               tree.parent_choices(community.id, exclude)])


def _paginate_rows(stmt, per_page: int) -> Page:
    """Like collab.pagination.paginate, for a SELECT of several entities (rows, not scalars)."""
    number = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(stmt.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(items=[tuple(r) for r in rows], page=number, per_page=per_page, total=total)


# --------------------------------------------------------------------------- reading


@bp.route("/")
@login_required
def home(slug: str):
    community = _community(slug)
    page = queries.home_page(community)
    if page is None:
        return render_template("wiki/empty.html", **_ctx(community))
    return _show(community, page)


def _show(community, page: WikiPage, *, comment_form=None, status: int = 200):
    user = current_user._get_current_object()
    current = queries.revision(page, page.revision_number, body=False)
    live = not page.is_deleted
    key = f"wiki_page:{page.id}"
    if live and status == 200:
        analytics.record_view(key, community.id, user)  # buffered: no write on the request path
    views, watching, has_comments, has_files, tags, has_flows = social.page_facts(page.id, user)
    views += analytics.pending_views(key)
    in_tree = live and not (page.moderation or page.hidden_above)  # the cached tree: pages everyone sees
    ctx = _ctx(community, page.path)
    may_comment = live and social.may_comment(user, community)
    body = dict(
        page=page, current=current,
        crumbs=tuple(tree.crumbs(page) if in_tree else map(tree.row, queries.ancestors(page))),
        subpages=tuple((tree.subpages(page) if in_tree else map(tree.row, services.seen_beside(
            user, queries.children(page), community))) if live else ()),
        backlinks=tuple(queries.backlinks(page)) if live else (),
        tags=tuple(tags),
        attachments=attachments.attachments_of(page.id) if live and has_files else [],
        watching=watching,
        can_edit_page=live and services.may_edit_page(user, page, community),
        can_lock=live and services.may_lock(user, community),
        can_edit=ctx["can_edit"], can_manage_pages=ctx["can_manage_pages"], community=community,
    )
    html = render_template(
        "wiki/page.html", page_body=_page_body(page, current, body), page=page, current=current, views=views,
        has_flows=has_flows,
        comments=social.comments_of(page.id) if live and has_comments else [],
        comment_form_html=_comment_form(community, page, comment_form) if may_comment else "",
        may_comment=may_comment, **ctx,
    )
    return html, status


def _comment_form(community, page: WikiPage, form: CommentForm | None) -> Markup:
    """The comment form: as posted when it comes back with errors; empty, from the process's
    cache (its one-time token and the CSRF token put in per request)."""
    if form is not None:
        return Markup(render_template("wiki/_comment_form.html", comment_form=form,
                                      action=url_for("wiki.add_comment", slug=community.slug, path=page.path)))
    html = fragments.cached_render(
        "wiki-comment-form", (str(get_locale()),), "wiki/_comment_form.html", action=fragments.slot("action"),
        make_context=lambda: {"comment_form": CommentForm(formdata=None, token=fragments.slot("token"))})
    return fragments.fill(html, token=secrets.token_urlsafe(16),
                          action=url_for("wiki.add_comment", slug=community.slug, path=page.path))


def _page_body(page: WikiPage, current, body: dict) -> Markup:
    """wiki/_page_body.html: everything of a page view but the comments, the related list and the
    slots, rendered once per version of what it shows (collab.fragments: the key holds it all)
    and kept in the process: a save, a move, a tag, an upload or other rights make a new key."""
    author = current.author if current else None
    key = (
        page.id, page.revision_number, page.title, page.path, page.is_deleted, page.deleted_with_id,
        page.moderation, page.is_locked, page.created_by_id, hashlib.blake2b(
            (page.body_html or "").encode(), digest_size=16).digest(),
        (author.id, author.username, author.name) if author else None,
        body["crumbs"], body["subpages"], body["backlinks"], body["tags"],
        tuple((a.id, a.file.name, a.file.size, a.file.is_image) for a in body["attachments"]),
        body["watching"], body["can_edit_page"], body["can_lock"], body["can_edit"], body["can_manage_pages"],
        page.created_by_id == current_user.id, body["community"].slug,
        str(get_locale()), request.script_root, request.full_path if request.query_string else request.path,
    )
    toc = _toc(page.body_html)
    return fragments.cached_render("wiki-page-body", key, "wiki/_page_body.html", max_items=4096, toc=toc, **body)


@bp.route("/<path:path>")
@login_required
def page(slug: str, path: str):
    community = _community(slug)
    return _show(community, _load(community, path, allow_deleted=True, with_body_html=True))


@bp.route("/<path:path>/-/history")
@login_required
def history(slug: str, path: str):
    community = _community(slug)
    page = _load(community, path)
    listing = paginate(queries.revisions_query(page), per_page=50)
    before = {}  # number -> the revision before it (sizes and titles for the change column)
    for newer, older in zip(listing.items, listing.items[1:]):
        before[newer.number] = older
    if listing.items and listing.items[-1].number > 1:
        last = listing.items[-1]
        before[last.number] = queries.revision(page, last.number - 1, body=False)
    contributors = live.contributors_of(r.id for r in listing.items)
    return render_template("wiki/history.html", page=page, listing=listing, before=before,
                           contributors=contributors, **_ctx(community, page.path))


@bp.route("/<path:path>/-/revisions/<int:number>")
@login_required
def revision(slug: str, path: str, number: int):
    community = _community(slug)
    page = _load(community, path)
    rev = queries.revision(page, number) or abort(404)
    html = services.preview(community, rev.body, page=page)
    return render_template("wiki/revision.html", page=page, rev=rev, html=html, toc=_toc(html),
                           **_ctx(community, page.path))


@bp.route("/<path:path>/-/diff")
@login_required
def diff(slug: str, path: str):
    community = _community(slug)
    page = _load(community, path)
    to_n = request.args.get("to", type=int) or page.revision_number
    from_n = request.args.get("from", type=int)
    if from_n is None:
        from_n = to_n - 1
    if from_n > to_n:
        from_n, to_n = to_n, from_n
    new = queries.revision(page, to_n) or abort(404)
    old = queries.revision(page, from_n) if from_n >= 1 else None
    if from_n >= 1 and old is None:
        abort(404)
    view = "inline" if request.args.get("view") == "inline" else "split"
    rows = diffing.diff_rows(old.body if old else "", new.body)
    added, removed = diffing.stats(rows)
    if view == "inline":
        rows = diffing.inline_rows(rows)
    return render_template("wiki/diff.html", page=page, old=old, new=new, from_n=from_n, to_n=to_n,
                           rows=rows, view=view, added=added, removed=removed,
                           **_ctx(community, page.path))


@bp.route("/-/recent")
@login_required
def recent(slug: str):
    community = _community(slug)
    listing = _paginate_rows(queries.recent_changes_query(community), per_page=50)
    return render_template("wiki/recent.html", listing=listing, **_ctx(community))


# --------------------------------------------------------------------------- writing


@bp.route("/-/new", methods=["GET", "POST"])
@login_required
def new_page(slug: str):
    community = _community(slug)
    access.require(services.may_edit(current_user, community))
    form = NewPageForm()
    form.parent.choices = _parent_choices(community)
    preview_html = None
    if request.method == "GET":
        form.title.data = " ".join((request.args.get("title") or "").split())[:TITLE_MAX]
        parent = queries.get_page(community, request.args.get("parent", type=int))
        if parent is not None and not parent.is_deleted:
            form.parent.data = parent.id
        else:
            home = queries.home_page(community)
            if home is None:
                form.title.data = form.title.data or _("Home")
            else:
                form.parent.data = home.id
    elif form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview_html = services.preview(community, form.body.data or "", parent_id=form.parent.data)
        else:
            try:
                page = services.create_page(community, current_user, title=form.title.data or "",
                                            parent_id=form.parent.data, body=form.body.data or "",
                                            summary=form.summary.data or "")
                social.set_tags(page, form.tags.data or "")
                hooks.created(page, current_user)  # or held for approval
            except services.WikiError as e:
                db.session.rollback()
                _error(form, e)
            else:
                db.session.commit()
                flash(_("The page “%(title)s” is created.", title=page.title), "success")
                return redirect(_page_url(page))
    return render_template("wiki/new.html", form=form, preview_html=preview_html, **_ctx(community, with_nav=False))


@bp.route("/<path:path>/-/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, path: str):
    community = _community(slug)
    page = _load(community, path, typed=(EditForm, services.may_edit(current_user, community), False)
                 if request.method == "POST" else None)
    access.require(services.may_edit_page(current_user, page, community))
    form = EditForm()
    preview_html = conflict = None
    status = 200
    broadcast = None
    if request.method == "GET":
        form.body.data = page.body
        form.base_revision.data = page.revision_number
        form.tags.data = ", ".join(social.tags_of(page.id))
    elif form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview_html = services.preview(community, form.body.data or "", page=page)
        else:
            try:
                before, previous = social.tags_of(page.id), page.body
                result, broadcast = _save_edit(page, form)
                tags_changed = social.set_tags(result.page, form.tags.data or "") != before
                if result.changed:
                    hooks.edited(result.page, result.revision, current_user, previous=previous)
            except services.Conflict as c:
                db.session.rollback()
                conflict = c
                conflict.rows = diffing.diff_rows(c.current_text, c.mine)
                _set(form.body, c.merged)
                _set(form.base_revision, c.current_number)
                _set(form.resolving, "1")
                status = 409
            except services.WikiError as e:
                db.session.rollback()
                live.cache().drop(page.id)  # its copy may hold the text the rollback took back (bad tags)
                _error(form, e)
            else:
                db.session.commit()
                if broadcast:
                    live.broadcast(page.id, *broadcast)
                if not result.changed and tags_changed:
                    flash(_("The tags are saved; the text did not change."), "success")
                elif not result.changed:
                    flash(_("The text is the same as the current page, so nothing was saved."), "info")
                elif result.merged:
                    flash(_("Saved as revision %(number)d. Others saved changes while you were editing; they "
                            "did not overlap with yours, so both are kept.", number=result.revision.number),
                          "success")
                else:
                    flash(_("Saved as revision %(number)d.", number=result.revision.number), "success")
                return redirect(_page_url(page))
    # The live editor starts from the shared document (seeded from the page when nobody edits it).
    db.session.rollback()
    with write_intent():
        page = db.session.get(WikiPage, page.id)
        generation, state, _text = live.initial_state(page)
    return render_template("wiki/edit.html", page=page, form=form, preview_html=preview_html, conflict=conflict,
                           live_generation=generation, live_state=base64.b64encode(state).decode(),
                           **_ctx(community, with_nav=False)), status


def _save_edit(page: WikiPage, form) -> tuple[services.SaveResult, tuple | None]:
    """Save the edit form. The live editor posts its whole shared document (live_state): it is
    merged and the document saved. A plain form, while the page has a live document, is merged
    into that document three-way. Otherwise: services.save_page. Returns the result and what to
    broadcast to the live editors after the commit (update, generation)."""
    user = current_user._get_current_object()
    summary = form.summary.data or ""
    generation = request.form.get("live_generation") or ""
    saved = None
    if generation and request.form.get("live_state"):
        try:
            state = base64.b64decode(request.form["live_state"], validate=True)
        except (ValueError, TypeError):
            state = None
        news = live.apply_posted_state(page, user, state, generation) if state else None
        if news is not None:
            try:
                saved = live.save(page.id, user, summary=summary)
            except Exception:
                live.cache().drop(page.id)  # the copy took the posted state the rollback takes back
                raise
            if saved is not None:
                saved.update = news
    if saved is None:
        return live.save_text(page, user, body=form.body.data or "", base_number=form.base_revision.data,
                              summary=summary, resolving=form.resolving.data == "1")
    return live.save_result(page, saved), (saved.update, saved.generation)


@bp.route("/-/preview", methods=["POST"])
@login_required
def preview(slug: str):
    """The sanitised HTML of the posted text (the editor's live preview)."""
    community = _community(slug)
    access.require(services.may_edit(current_user, community))
    body = request.form.get("body", "")
    if len(body) > BODY_MAX:
        return jsonify(error=_("The text is too long to preview.")), 413
    page = queries.get_page(community, request.form.get("page", type=int))
    parent = request.form.get("parent", type=int)
    html = services.preview(community, body, page=page, parent_id=parent or None)
    return jsonify(html=html)


@bp.route("/<path:path>/-/revisions/<int:number>/restore", methods=["POST"])
@login_required
def restore_revision(slug: str, path: str, number: int):
    community = _community(slug)
    page = _load(community, path)
    access.require(services.may_edit_page(current_user, page, community))
    try:
        # Live edits not saved yet become a revision first: the restore never drops them.
        pending = live.save(page.id, current_user._get_current_object())
        if pending is not None and pending.revision is not None:
            hooks.edited(page, pending.revision, current_user, previous=pending.previous)
        rev = services.restore_revision(page, current_user, number)
        news = live.absorb(page, current_user._get_current_object())
    except services.WikiError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(_page_url(page, "wiki.history"))
    hooks.edited(page, rev, current_user)
    db.session.commit()
    if news:
        live.broadcast(page.id, news, pending.generation)
    flash(_("Revision %(old)d is restored as revision %(new)d.", old=number, new=rev.number), "success")
    return redirect(_page_url(page))


def _move_page(community, page, rename_form=None, move_form=None, status=200):
    rename_form = rename_form or RenameForm(formdata=None, title=page.title)
    move_form = move_form or MoveForm(formdata=None, parent=page.parent_id)
    move_form.parent.choices = _parent_choices(community, exclude=page)
    siblings = services.seen_beside(current_user, queries.siblings(page), community)
    return render_template("wiki/move.html", page=page, rename_form=rename_form, move_form=move_form,
                           siblings=siblings, **_ctx(community, page.path)), status


@bp.route("/<path:path>/-/move", methods=["GET", "POST"])
@login_required
def move(slug: str, path: str):
    community = _community(slug)
    page = _load(community, path)
    if request.method == "GET":
        access.require(services.may_edit_page(current_user, page, community) or
                       services.may_manage(current_user, community))
        return _move_page(community, page)
    access.require(services.may_manage(current_user, community))
    form = MoveForm()
    form.parent.choices = _parent_choices(community, exclude=page)
    if form.validate_on_submit():
        try:
            services.move_page(page, current_user, form.parent.data)
        except services.WikiError as e:
            db.session.rollback()
            _error(form, e)
        else:
            db.session.commit()
            flash(_("The page is moved; its old address leads to the new one."), "success")
            return redirect(_page_url(page))
    return _move_page(community, page, move_form=form)


@bp.route("/<path:path>/-/rename", methods=["POST"])
@login_required
def rename(slug: str, path: str):
    community = _community(slug)
    page = _load(community, path)
    access.require(services.may_edit_page(current_user, page, community))
    form = RenameForm()
    if form.validate_on_submit():
        try:
            services.rename_page(page, current_user, form.title.data or "")
        except services.WikiError as e:
            db.session.rollback()
            _error(form, e)
        else:
            db.session.commit()
            flash(_("The page is renamed; its old address and title lead to it."), "success")
            return redirect(_page_url(page))
    return _move_page(community, page, rename_form=form)


@bp.route("/<path:path>/-/reorder", methods=["POST"])
@login_required
def reorder(slug: str, path: str):
    community = _community(slug)
    page = _load(community, path)
    access.require(services.may_manage(current_user, community))
    where = request.form.get("where", "")
    if where not in ("up", "down", "first", "last"):
        abort(400)
    services.reorder_page(page, current_user, where)
    db.session.commit()
    return redirect(_page_url(page, "wiki.move") + "#order")


@bp.route("/<path:path>/-/delete", methods=["POST"])
@login_required
def delete(slug: str, path: str):
    community = _community(slug)
    page = _load(community, path)
    access.require(services.may_manage(current_user, community))
    parent = db.session.get(WikiPage, page.parent_id) if page.parent_id else None
    try:
        n = services.delete_page(page, current_user)
    except services.WikiError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(_page_url(page))
    hooks.deleted([page.id] + queries.deleted_with_ids(page.id))
    audit.record(current_user, "wiki.delete", target=f"wiki_page:{page.id}", label=page.title, community=community,
                 after={"subpages": n})
    db.session.commit()
    if n:
        flash(ngettext("“%(title)s” and its %(num)d subpage are in the trash.",
                       "“%(title)s” and its %(num)d subpages are in the trash.", n, title=page.title), "info")
    else:
        flash(_("“%(title)s” is in the trash.", title=page.title), "info")
    if parent is not None:
        return redirect(_page_url(parent))
    return redirect(url_for("wiki.home", slug=community.slug))


@bp.route("/-/trash")
@login_required
def trash(slug: str):
    community = _community(slug)
    access.require(services.may_manage(current_user, community))
    listing = paginate(queries.trash_query(community), per_page=50)
    counts = queries.deleted_with_counts([p.id for p in listing.items])
    return render_template("wiki/trash.html", listing=listing, counts=counts, **_ctx(community))


@bp.route("/-/trash/<int:page_id>/restore", methods=["POST"])
@login_required
def restore(slug: str, page_id: int):
    community = _community(slug)
    access.require(services.may_manage(current_user, community))
    page = queries.get_page(community, page_id) or abort(404)
    ids = [page.id] + queries.deleted_with_ids(page.id)  # the subpages that went to the trash with it
    try:
        services.restore_page(page, current_user)
    except services.WikiError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(url_for("wiki.trash", slug=community.slug))
    hooks.restored(ids)
    audit.record(current_user, "wiki.restore", target=f"wiki_page:{page.id}", label=page.title, community=community)
    db.session.commit()
    flash(_("“%(title)s” is restored.", title=page.title), "success")
    return redirect(_page_url(page))

