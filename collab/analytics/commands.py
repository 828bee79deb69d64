"""``collab analytics rollup``: roll the activity stream up, close finished days, and make the
top-list snapshots of the preset periods, now (the server's analytics thread does the same every
minute; run this after a bulk import, or from cron when no server runs the thread)."""
from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from sqlalchemy import select

from collab.db import utcnow
from collab.extensions import db

from . import bp
from .models import SITE, DailyFigure


@bp.cli.command("rollup")
@click.option("--warm/--no-warm", default=True, show_default=True,
              help="Also make the top lists of the 7, 30, 90 and 365-day periods of the site and of every "
                   "community with figures in the last year.")
def rollup_command(warm: bool):
    """Roll up page views and activity into the daily figures now."""
    from .recorder import flush
    from .rollup import roll_up
    from .toplists import warm as warm_snapshots

    app = current_app._get_current_object()
    flush(app)
    events = roll_up(app)
    made = 0
    if warm:
        since = utcnow().date() - timedelta(days=365)
        with app.app_context():
            cids = sorted(set(db.session.scalars(select(DailyFigure.community_id).where(
                DailyFigure.day >= since, DailyFigure.community_id.is_not(None)).distinct())))
            db.session.remove()
        scopes = [(SITE, None)] + [(f"c{cid}", cid) for cid in cids]
        made = warm_snapshots(app, scopes=scopes, days=(7, 30, 90, 365))
    click.echo(f"Rolled up {events} activity event(s); made {made} top-list snapshot(s).")
