"""The audit log, filterable by who, what, where and when."""
from __future__ import annotations

from flask import render_template, request

from collab.auditlog import community_names, filter_form, filtered_entries
from collab.pagination import paginate

from . import bp


@bp.route("/audit")
def audit_log():
    form = filter_form(request.args)
    page = paginate(filtered_entries(form), per_page=50)
    return render_template("admin/audit.html", form=form, page=page,
                           communities=community_names(page.items))
