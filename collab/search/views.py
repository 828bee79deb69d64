from __future__ import annotations

from flask import jsonify, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from collab import access
from collab.extensions import db
from communities.models import Community

from . import bp, registry
from .service import Filters, search, suggest


@bp.route("/search")
@login_required
def results():
    q = (request.args.get("q") or "")[:2000]
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        page = 1
    filters = Filters(
        type=(request.args.get("type") or "")[:32],
        community=(request.args.get("community") or "")[:12],
        author=(request.args.get("author") or "")[:40],
        tag=(request.args.get("tag") or "")[:40],
        date_from=(request.args.get("from") or "")[:10],
        date_to=(request.args.get("to") or "")[:10],
        sort="newest" if request.args.get("sort") == "newest" else "relevance",
    )
    if filters.community and not filters.community.isdigit():
        filters.community = ""
    scope = None
    if filters.community:
        c = db.session.get(Community, int(filters.community))
        if c is None or not access.can_view(current_user, c):
            filters.community = "-1"
        else:
            scope = c
    res = search(current_user, q, filters, page)
    names = {}
    ids = {int(h.community) for h in res.hits if h.community and h.community.isdigit()}
    if ids:
        names = {c.id: c for c in db.session.scalars(select(Community).where(Community.id.in_(ids)))}
    def link(**changes):
        """This search's URL with some parameters changed (None removes one); back to page 1."""
        args = request.args.to_dict()
        args.pop("page", None)
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = value
        return url_for("search.results", **args)

    return render_template(
        "search/results.html", res=res, q=q, filters=filters, scope=scope, communities=names,
        types=registry.types(), link=link,
    )


@bp.route("/search/suggest")
@login_required
def suggestions():
    return jsonify({"suggestions": suggest(current_user, request.args.get("q", ""))})
