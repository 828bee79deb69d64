"""Analytics: page views counted without storing who read what, daily aggregates rolled up from
the activity stream, and the insights pages of a community (owners, moderators) and of the site
(admins). Tools plug in through registry.py; the core never imports them.

    from collab import analytics
    analytics.record_view("forum_topic:12", community.id, current_user)   # no database work
    analytics.pending_views("forum_topic:12")   # this process's views not written yet
    analytics.flush()                           # write the buffer now (tests; the thread does it)
    analytics.roll_up()                         # roll the activity stream up (tests; the thread does it)
    analytics.warm()                            # store/move on the top-list snapshots (the thread does it)

The command ``collab analytics rollup`` does all three at once.
"""
from __future__ import annotations

from flask import Blueprint

from .recorder import flush, init_app, pending_views, record_view  # noqa: F401
from .registry import (  # noqa: F401
    Content, Question, QuestionFigures, Source, register_content, register_links, register_questions,
    register_source,
)

bp = Blueprint("analytics", __name__, template_folder="templates")


def warm(app=None, now=None, scopes=(), days=()) -> int:
    from .toplists import warm as _warm

    return _warm(app, now, scopes, days)


def roll_up(app=None, now=None, **rounds) -> int:
    from .rollup import roll_up as _roll_up

    return _roll_up(app, now, **rounds)


from . import commands, views  # noqa: E402,F401

from flask_babel import lazy_gettext as _l  # noqa: E402

from collab.admin import register_section  # noqa: E402

register_section("analytics.site", _l("Insights"), ("analytics.site", "analytics.site_csv"), 45)
