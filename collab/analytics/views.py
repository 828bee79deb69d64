"""Insights pages: a community's (owners and moderators) and the site's (admins), with CSV export.

    /c/<slug>/insights           ?days=7|30|90|365 or ?from=YYYY-MM-DD&to=YYYY-MM-DD, &group=day|week
    /c/<slug>/insights.csv       the same, &table=series|tools|contributors|viewed|liked|linked|unanswered|searches
    /admin/analytics, /admin/analytics.csv
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date

from babel.dates import format_skeleton
from flask import abort, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab import access
from collab.db import utcnow

from . import bp
from .charts import bar_chart, line_chart
from .metrics import DAY, MAX_DAYS, WEEK, Period, Report, cached_build, default_period

PRESETS = (7, 30, 90, 365)
TABLES = ("series", "tools", "contributors", "viewed", "liked", "linked", "unanswered", "searches")


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()[:10]) if value else None
    except ValueError:
        return None


def period_from_args(args, today: date) -> tuple[Period, list[str], dict]:
    """The period asked for, with messages for what could not be used (the default replaces it)."""
    errors: list[str] = []
    grouping = args.get("group") if args.get("group") in (DAY, WEEK) else None
    raw_from, raw_to = args.get("from", ""), args.get("to", "")
    form = {"from": raw_from[:10], "to": raw_to[:10], "group": grouping or "", "days": None}
    if raw_from or raw_to:
        start, end = _date(raw_from), _date(raw_to) or today
        if start is None or (raw_to and _date(raw_to) is None):
            errors.append(_("Dates are written YYYY-MM-DD, for example %(example)s.", example=today.isoformat()))
        elif start > end:
            errors.append(_("The period starts after it ends."))
        elif (end - start).days + 1 > MAX_DAYS:
            errors.append(_("A period is at most %(n)d days.", n=MAX_DAYS))
        else:
            span = (end - start).days + 1
            return Period(start, end, grouping or (DAY if span <= 92 else WEEK)), errors, form
    days = args.get("days", type=int) or 30
    if days not in PRESETS:
        days = 30
    form["days"] = days if not errors else None
    period = default_period(today, days, grouping)
    if errors:
        form["from"], form["to"] = raw_from[:10], raw_to[:10]
    return period, errors, form


def _label(day: date, grouping: str) -> str:
    return format_skeleton("MMMd", day, locale=get_locale())


def charts(report: Report) -> dict:
    labels = [_label(b, report.period.grouping) for b in report.buckets]
    empty = _("Nothing in this period")
    s = report.series
    per = _("per week") if report.period.grouping == WEEK else _("per day")
    tool_stacks = [(label, s.get(f"posts:{tool}", [0] * len(labels)), f"series-{i}")
                   for i, (tool, label, _n) in enumerate(report.tools)]
    return {
        "traffic": line_chart("chart-traffic", _("Views and visitors"),
                              _("Page views and unique visitors, %(per)s.", per=per), labels,
                              [(_("Views"), s["views"], "series-0"), (_("Visitors"), s["visitors"], "series-1")],
                              empty),
        "people": line_chart("chart-people", _("Active and new members"),
                             _("People who did something, and people who joined, %(per)s.", per=per), labels,
                             [(_("Active members"), s["active"], "series-0"), (_("New members"), s["new_members"], "series-2")],
                             empty),
        "posts": bar_chart("chart-posts", _("Posts by tool"), _("New posts in each tool, %(per)s.", per=per),
                           labels, tool_stacks, empty),
    }


# A formula's first character at the start of a cell, or after a character a spreadsheet may take
# as the separator (one set to ";" splits "x;=HYPERLINK(...)" into a cell that starts with "=").
_FORMULA = re.compile(r"(^|[;,\t|])(\s*)([=+\-@\t\r])")


def _defused(cell):
    return _FORMULA.sub(r"\1\2'\3", cell) if isinstance(cell, str) else cell


class _SafeWriter:
    """csv.writer that defuses text a spreadsheet would run as a formula (see _FORMULA)."""

    def __init__(self, out):
        self.w = csv.writer(out)

    def writerow(self, row):
        self.w.writerow([_defused(c) for c in row])


def csv_response(report: Report, table: str, filename: str):
    out = io.StringIO()
    w = _SafeWriter(out)
    if table == "series":
        tools = report.tools
        w.writerow(["period_start", "views", "visitors", "active_members", "new_members", "posts", "likes"]
                   + [f"posts_{tool}" for tool, _l, _n in tools])
        s = report.series
        for i, b in enumerate(report.buckets):
            w.writerow([b.isoformat(), s["views"][i], s["visitors"][i], s["active"][i], s["new_members"][i],
                        s["posts"][i], s["likes"][i]] + [s[f"posts:{tool}"][i] for tool, _l, _n in tools])
    elif table == "tools":
        w.writerow(["tool", "posts"])
        for tool, _label_, n in report.tools:
            w.writerow([tool, n])
    elif table == "contributors":
        w.writerow(["username", "name", "posts", "actions"])
        for person, posts, actions in report.contributors:
            w.writerow([person.username, person.display_name, posts, actions])
    elif table in ("viewed", "liked", "linked"):
        w.writerow(["title", "url", {"viewed": "views", "liked": "likes", "linked": "links"}[table]])
        for item in {"viewed": report.most_viewed, "liked": report.most_liked, "linked": report.most_linked}[table]:
            w.writerow([item.title, item.url, item.count])
    elif table == "unanswered":
        w.writerow(["title", "url", "asked_at", "replies"])
        for q in report.questions.unanswered:
            w.writerow([q.title, q.url, q.created_at.isoformat(timespec="seconds"), q.replies])
    else:
        w.writerow(["query", "searches"])
        for query, n in report.no_results:
            w.writerow([query, n])
    name = f"{filename}-{table}-{report.period.start.isoformat()}-{report.period.end.isoformat()}.csv"
    from flask import current_app

    response = current_app.response_class("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(community, template: str, filename: str, endpoint: str, url_args: dict, **ctx):
    period, errors, form = period_from_args(request.args, utcnow().date())
    report = cached_build(community, period)
    if request.path.endswith(".csv"):
        table = request.args.get("table", "series")
        if table not in TABLES:
            abort(404)
        return csv_response(report, table, filename)
    args = {k: v for k, v in request.args.items() if k in ("days", "from", "to", "group")}

    def page_url(**changes):
        return url_for(endpoint, **url_args, **changes)

    def csv_url(table: str):
        return url_for(endpoint + "_csv", table=table, **url_args, **args)

    return render_template(template, report=report, charts=charts(report), errors=errors, form=form,
                           presets=PRESETS, page_url=page_url, csv_url=csv_url, community=community, **ctx)


@bp.route("/c/<slug>/insights")
@bp.route("/c/<slug>/insights.csv", endpoint="community_csv")
@login_required
def community(slug: str):
    user = current_user._get_current_object()
    place = access.get_community_or_404(slug, user)
    access.require(access.can_moderate(user, place))
    from communities.views import community_context

    ctx = community_context(place)
    ctx.pop("community")
    return _page(place, "analytics/community.html", place.slug, "analytics.community", {"slug": place.slug}, **ctx)


@bp.route("/admin/analytics")
@bp.route("/admin/analytics.csv", endpoint="site_csv")
@login_required
def site():
    if not access.is_admin(current_user):
        abort(404)  # like the rest of the admin console
    return _page(None, "analytics/site.html", "site", "analytics.site", {})
