"""What the load driver needs to know from inside the app, printed as JSON.

    COLLAB_INSTANCE_PATH=DIR .venv/bin/python bench/appinfo.py [--username bench] [--user-agent UA]

- ``communities``: the communities the user may see and that are not archived (the same
  access.visible_communities() query the community list uses), biggest first, with their access
  level and member count: the driver picks community home pages from these.
- ``accounts``: with --accounts N, the username and N-1 other active people who are not admins
  (lowest ids first): bench/load.py --accounts signs its clients in as them.
- ``session_cookie``: a signed-in session cookie for the user, made with the instance's secret key:
  what Flask-Login's login_user() puts in the session for a request from 127.0.0.1 with that
  User-Agent (session protection compares both). bench/load.py uses it only when signing in
  through POST /login fails, and says so loudly.

Reads only: it never writes the database, so it can run next to a live server.
"""
from __future__ import annotations

import argparse
import json
import sys


def collect(username: str, user_agent: str, accounts: int = 1) -> dict:
    from flask import session
    from flask_login import login_user
    from sqlalchemy import select

    from collab import access
    from collab.accounts.models import User
    from collab.app import create_app
    from collab.extensions import db
    from communities.models import Community

    app = create_app()
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                  headers={"User-Agent": user_agent}):
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            sys.exit(f"no user {username!r} in this instance: prepare it with bench/datagen.py")
        rows = db.session.execute(
            access.visible_communities(user)
            .where(Community.is_archived.is_(False))
            .order_by(Community.member_count.desc(), Community.id)
            .with_only_columns(Community.slug, Community.access, Community.member_count)
        ).all()
        # --accounts: other active people (not admins), for drivers that sign in as a crowd.
        others = db.session.scalars(
            select(User.username).where(User.id != user.id, User.is_admin.is_(False),
                                        User.is_deactivated.is_(False)).order_by(User.id).limit(max(0, accounts - 1))
        ).all()
        login_user(user)
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
        db.session.remove()
        db.engine.dispose()
    return {
        "communities": [{"slug": s, "access": a, "members": n} for s, a, n in rows],
        "session_cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}",
        "accounts": [username, *others],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--username", default="bench")
    p.add_argument("--user-agent", default="collab-bench/1")
    p.add_argument("--accounts", type=int, default=1, help="list this many usernames: USERNAME and others")
    args = p.parse_args(argv)
    json.dump(collect(args.username, args.user_agent, args.accounts), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
