"""Attachments of wiki pages: list, upload (a form, or the editor's drag and drop), serve, delete.
Files are served only to people who may read the page, through collab.files.send."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab import access, files
from collab.extensions import db

from . import attachments, bp, services
from .models import WikiPage
from .views import _community, _ctx, _load, _page_url


def _file_url(community, att) -> str:
    return url_for("wiki.attachment_file", slug=community.slug, attachment_id=att.id)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _list(community, page, status: int = 200):
    items = []
    for att in attachments.attachments_of(page.id):
        url = _file_url(community, att)
        items.append((att, url, attachments.markdown_for(att, url)))
    return render_template("wiki/attachments.html", page=page, items=items,
                           can_edit_page=services.may_edit_page(current_user, page, community),
                           **_ctx(community, page.path)), status


@bp.route("/<path:path>/-/attachments", methods=["GET", "POST"])
@login_required
def attachments_page(slug: str, path: str):
    community = _community(slug)
    page = _load(community, path)
    if request.method == "GET":
        return _list(community, page)
    access.require(services.may_edit_page(current_user, page, community))
    try:
        att = attachments.attach(page, current_user, request.files.get("file"))
    except services.WikiError as e:
        db.session.rollback()
        if _wants_json():
            return jsonify(error=str(e.message)), 400
        flash(str(e.message), "error")
        return _list(community, page, 400)
    db.session.commit()
    url = _file_url(community, att)
    if _wants_json():
        return jsonify(id=att.id, name=att.file.name, url=url, is_image=att.file.is_image,
                       markdown=attachments.markdown_for(att, url))
    flash(_("“%(name)s” is attached. Use it in the text with %(markdown)s", name=att.file.name,
            markdown=attachments.markdown_for(att, url)), "success")
    return redirect(_page_url(page, "wiki.attachments_page"))


@bp.route("/-/files/<int:attachment_id>")
@login_required
def attachment_file(slug: str, attachment_id: int):
    community = _community(slug)  # 404 for those who may not read the wiki
    att = attachments.get(community.id, attachment_id) or abort(404)
    page = db.session.get(WikiPage, att.page_id)
    if page is None or (page.is_deleted and not services.may_manage(current_user, community)) \
            or not services.may_see_page(current_user, page, community):
        abort(404)  # the file of a page in the trash, hidden or waiting: who may see that page
    return files.send(att.file)


@bp.route("/<path:path>/-/attachments/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete_attachment(slug: str, path: str, attachment_id: int):
    community = _community(slug)
    page = _load(community, path)
    att = attachments.get(community.id, attachment_id)
    if att is None or att.page_id != page.id:
        abort(404)
    access.require(services.may_edit_page(current_user, page, community))
    name = att.file.name
    attachments.remove(att)
    db.session.commit()
    flash(_("“%(name)s” is deleted.", name=name), "info")
    return redirect(_page_url(page, "wiki.attachments_page"))
