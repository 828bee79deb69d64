"""The audit log and the admin tables (people, invitations) show the exact time of each row in the
viewer's language and time zone, the same text the rest of the site shows on hover, in a <time>
element carrying the moment: an admin compares these rows to the second."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import update

from collab.accounts.models import SiteInvite, User
from collab.audit import AuditEntry
from collab.extensions import db
from tests.helpers import text

MOMENT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
ISO = re.escape(MOMENT.isoformat())


def _cell(page: str) -> str:
    """The first table cell holding a <time> element."""
    return re.search(rf"<td[^>]*>\s*(<time datetime=\"{ISO}\"[^>]*>[^<]*</time>)\s*</td>", page).group(1)


def test_admin_tables_show_the_exact_time_in_the_viewers_language_and_zone(app, make_user, client_for, admin_user):
    make_user("ana")
    admin = client_for(admin_user)
    assert admin.post("/admin/invites", data={"email": "new@example.com"}).status_code in (200, 302)
    with app.app_context():
        for model in (AuditEntry, User, SiteInvite):
            db.session.execute(update(model).values(created_at=MOMENT))
        db.session.commit()
    pages = ("/admin/audit", "/admin/users", "/admin/invites", "/admin/")
    for page in pages:
        cell = _cell(text(admin.get(page)))
        assert re.fullmatch(rf'<time datetime="{ISO}">Mar 4, 2026, 5:06:07\s?AM</time>', cell), (page, cell)
    with app.app_context():
        db.session.execute(update(User).where(User.id == admin_user.id).values(locale="zh_Hans", timezone="Asia/Shanghai"))
        db.session.commit()
    for page in pages:
        cell = _cell(text(admin.get(page)))
        assert cell == f'<time datetime="{MOMENT.isoformat()}">2026年3月4日 13:06:07</time>', (page, cell)
