"""A wiki page waiting for approval (pre-moderation) that goes to the trash (deleted by a moderator,
or rejected) and is restored from it waits in the moderation queue again, seen by its author and
the moderators only, not announced, and approving it publishes it. While it is in the trash it
does not count in the moderators' 'Moderation queue' badge."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from collab.extensions import db
from tests.helpers import text
from tests.moderation.conftest import queued, resolve
from tests.moderation.test_pending_forum_restore import _badge
from tests.moderation.test_premoderation import _events, premod  # noqa: F401  (shared fixture)


@pytest.mark.parametrize("deleted_by", ["moderator", "rejected"])
def test_a_pending_wiki_page_trashed_and_restored_waits_in_the_queue_again(app, people, community, premod,
                                                                           client_for, deleted_by):
    from wiki.models import WikiPage

    wiki = f"/c/{community.slug}/wiki"
    assert premod.post(wiki + "/-/new", data={"title": "Okapi notes", "body": "Okapis are shy"}).status_code == 302
    with app.app_context():
        page = db.session.scalar(select(WikiPage).where(WikiPage.title == "Okapi notes"))
        key, page_id, url = f"wiki_page:{page.id}", page.id, f"{wiki}/{page.path}"
    forums = f"/c/{community.slug}/forums"
    mod, outsider = client_for(people["moderator"]), client_for(people["outsider"])
    assert key in queued(mod, community) and _badge(mod, forums) == 1

    if deleted_by == "moderator":
        assert mod.post(url + "/-/delete").status_code == 302
    else:
        assert resolve(mod, key, "reject", reason="Please stay on topic").status_code == 302
    assert key not in queued(mod, community) and _badge(mod, forums) == 0
    assert mod.post(f"{wiki}/-/trash/{page_id}/restore").status_code == 302

    assert key in queued(mod, community) and _badge(mod, forums) == 1
    assert outsider.get(url).status_code == 404
    mine = text(premod.get(url))
    assert "Okapis are shy" in mine and "Awaiting approval" in mine
    assert not [k for k in _events(app)[0] if k.startswith("wiki")]  # nothing told of it
    assert resolve(mod, key, "approve", reason="").status_code == 302
    assert outsider.get(url).status_code == 200 and key not in queued(mod, community)
    assert key in _events(app)[0]
