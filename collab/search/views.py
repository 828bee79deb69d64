from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import current_app, render_template, request, url_for
from flask_babel import get_timezone
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from collab import access
from collab.extensions import db
from communities.models import Community

from . import bp, misses, registry
from .query import clean_text
from .service import Filters, search, suggest

URL_SAFE = "!$'()*,/:;?@"  # what werkzeug's url_for leaves unencoded in query parameters
MAX_ID = 2**31 - 1  # larger numbers are no community (and overflow PostgreSQL's integer)


def _arg(name: str, limit: int) -> str:
    """A query parameter, cut to ``limit`` characters, control characters (NUL ...) as spaces."""
    return clean_text((request.args.get(name) or "")[:limit])


@bp.route("/search")
@login_required
def results():
    q = _arg("q", 2000).strip()
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        page = 1
    filters = Filters(
        type=_arg("type", 32),
        community=_arg("community", 12),
        author=_arg("author", 40),
        tag=_arg("tag", 40),
        date_from=_arg("from", 10),
        date_to=_arg("to", 10),
        sort="newest" if request.args.get("sort") == "newest" else "relevance",
    )
    if filters.community and not (filters.community.isascii() and filters.community.isdigit()):
        filters.community = ""
    scope = None
    if filters.community:
        c = db.session.get(Community, int(filters.community)) if int(filters.community) <= MAX_ID else None
        if c is None or not access.can_view(current_user, c):
            filters.community = "-1"
        else:
            scope = c
    res = search(current_user, q, filters, page)
    if q and res.total == 0 and page <= 1 and filters.community != "-1":
        misses.note(q, scope.id if scope is not None else None)  # counted, not who asked
    names = {}
    ids = {int(h.community) for h in res.hits if h.community and h.community.isdigit()}
    if ids:
        names = {c.id: c for c in db.session.execute(
            select(Community.id, Community.slug, Community.name).where(Community.id.in_(ids)))}
    # The parameters as the page repeats them (links, hidden fields): cut and cleaned like above.
    base_args = {key: clean_text(value[:2000]) for key, value in request.args.items()}

    here = url_for("search.results")

    def link(**changes):
        """This search's URL with some parameters changed (None removes one); back to page 1.
        Encoded as url_for encodes query parameters (one route build per page, not per link)."""
        args = dict(base_args)
        args.pop("page", None)
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = value
        return f"{here}?{urlencode(args, safe=URL_SAFE)}" if args else here

    # The results part, kept with the result page (see service._run) for these parameters.
    key = (q, tuple(base_args.items()), tuple(vars(filters).items()), str(get_timezone()), request.script_root,
           tuple((c.id, c.slug, c.name) for c in names.values()))
    html = res.renders.get(key) if res.renders is not None else None
    if html is None:
        html = render_template("search/_results.html", res=res, q=q, filters=filters, communities=names,
                               types=registry.types(), link=link, base_args=base_args)
        if res.renders is not None and len(res.renders) < 4:  # a few parameter sets per page (about 20 KB each)
            res.renders[key] = html
    took = f" · {res.seconds * 1000:.0f} ms" if res.seconds else ""
    return render_template(
        "search/results.html", res=res, q=q, filters=filters, scope=scope, link=link, base_args=base_args,
        results_html=Markup(html.replace("<!--search-time-->", took, 1)),
    )


@bp.route("/search/suggest")
@login_required
def suggestions():
    # Titles are plain text (the script sets them with textContent). The JSON escapes < > & and '
    # as \u003c ... all the same, so the response carries no markup even when opened or sniffed
    # as a page.
    body = json.dumps({"suggestions": suggest(current_user, request.args.get("q", ""))}, ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        body = body.replace(ch, esc)
    return current_app.response_class(body + "\n", mimetype="application/json")
