"""The wiki's history, its changes (diff) and an old revision show when each revision was made as
the rest of the site does: a relative time ("3 minutes ago", "3分钟前") with the exact time on
hover, not a date and time to the second."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from collab.db import utcnow
from collab.extensions import db
from tests.helpers import text
from tests.wiki.conftest import url
from wiki.models import WikiRevision

_SECONDS = re.compile(r">[^<]*\d{1,2}:\d{2}:\d{2}[^<]*<")  # a time to the second shown as text


def test_revision_times_are_relative_with_the_exact_time_on_hover(app, community, people, make_user, wiki,
                                                                   client_for):
    page_id = wiki.create(community, people["member"], "Runbook", body="Step one.")
    wiki.save(page_id, people["member"], "Step one. Step two.", 1)
    with app.app_context():
        db.session.execute(update(WikiRevision).values(created_at=utcnow() - timedelta(minutes=3, seconds=10)))
        db.session.commit()
    zh = make_user("zhang", locale="zh_Hans")
    pages = {"diff": url(community, "runbook", "diff") + "?from=1&to=2", "revision": url(community, "runbook", "revisions/1"),
             "history": url(community, "runbook", "history")}
    for who, phrase, hover in ((people["member"], "3 minutes ago", r"[^\"]+"),
                               (zh, "3分钟前", r"\d{4}年\d{1,2}月\d{1,2}日 [^\"]+")):
        client = client_for(who)
        for name, address in pages.items():
            r = client.get(address)
            assert r.status_code == 200, (name, r.status_code)
            shown = text(r)
            times = re.findall(rf'<time datetime="[^"]+" title="{hover}">{phrase}</time>', shown)
            assert len(times) == (2 if name == "diff" else 1 if name == "revision" else 2), (name, who.username)
            assert not _SECONDS.search(shown), (name, _SECONDS.search(shown).group(0))
