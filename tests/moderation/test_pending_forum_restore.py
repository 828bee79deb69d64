"""A forum post waiting for approval (pre-moderation) that is deleted and then restored comes back
as it was: waiting, in the moderation queue, seen by its author and the moderators only, never
published by the restore and never lost (a restore that said 'approve or reject it in the queue'
while the queue no longer listed it left it nowhere)."""
from __future__ import annotations

import re

import pytest

from tests.helpers import text
from tests.moderation.conftest import queued, resolve
from tests.moderation.test_premoderation import _events, premod  # noqa: F401  (shared fixture)


def _badge(mod, base) -> int:
    """The moderator's 'Moderation queue (n)' count on the forums' pages."""
    found = re.search(r'data-testid="flag-count">(\d+)<', mod.get(base + "/").get_data(as_text=True))
    return int(found.group(1)) if found else 0


def _waits(community, key, url, body, *, premod, mod, outsider, app):
    assert key in queued(mod, community)
    assert outsider.get(url).status_code == 404 or body not in text(outsider.get(url))
    mine = text(premod.get(url))
    assert body in mine and "Awaiting approval" in mine
    events, _ = _events(app)
    assert not [k for k in events if k.startswith("forum")]


@pytest.mark.parametrize("deleted_by", ["author", "moderator", "rejected"])
def test_a_pending_topic_deleted_and_restored_waits_in_the_queue_again(app, people, community, content, premod,
                                                                       client_for, deleted_by):
    key, topic_id = content.topic(community, people["newbie"], title="Newbie question yak", body="About yaks")
    post_id = int(key.split(":")[1])
    base = f"/c/{community.slug}/forums"
    url = f"{base}/t/{topic_id}"
    mod, outsider = client_for(people["moderator"]), client_for(people["outsider"])
    _waits(community, key, url, "About yaks", premod=premod, mod=mod, outsider=outsider, app=app)
    assert _badge(mod, base) == 1

    if deleted_by == "author":
        assert premod.post(f"{base}/p/{post_id}/delete").status_code == 302
    elif deleted_by == "moderator":
        assert mod.post(f"{base}/t/{topic_id}/moderate", data={"action": "delete"}).status_code == 302
    else:
        assert resolve(mod, key, "reject", reason="Please stay on topic").status_code == 302
    assert key not in queued(mod, community) and _badge(mod, base) == 0
    r = mod.post(f"{base}/t/{topic_id}/moderate", data={"action": "restore"})
    assert r.status_code == 302, r.status_code

    _waits(community, key, url, "About yaks", premod=premod, mod=mod, outsider=outsider, app=app)
    assert _badge(mod, base) == 1
    assert "Newbie question yak" not in text(outsider.get(base + "/"))
    assert resolve(mod, key, "approve", reason="").status_code == 302
    assert outsider.get(url).status_code == 200 and key not in queued(mod, community)


@pytest.mark.parametrize("deleted_by", ["author", "moderator"])
def test_a_pending_reply_deleted_and_restored_waits_in_the_queue_again(app, people, community, content, premod,
                                                                       client_for, deleted_by):
    _, topic_id = content.topic(community, people["member"], title="Open topic")
    key = content.reply(topic_id, people["newbie"], body="Pending reply text")
    post_id = int(key.split(":")[1])
    base = f"/c/{community.slug}/forums"
    url = f"{base}/t/{topic_id}"
    mod, outsider = client_for(people["moderator"]), client_for(people["outsider"])
    events_before, _ = _events(app)

    if deleted_by == "author":
        assert premod.post(f"{base}/p/{post_id}/delete").status_code == 302
    else:
        assert resolve(mod, key, "reject", reason="Please stay on topic").status_code == 302
    assert key not in queued(mod, community) and _badge(mod, base) == 0
    assert "Pending reply text" not in text(premod.get(url))
    r = mod.post(f"{base}/p/{post_id}/moderate", data={"action": "restore"})
    assert r.status_code == 302, r.status_code

    assert key in queued(mod, community) and _badge(mod, base) == 1
    assert "Pending reply text" not in text(outsider.get(url))
    mine = text(premod.get(url))
    assert "Pending reply text" in mine and "Awaiting approval" in mine
    assert _events(app)[0] == events_before  # nothing told of it
    assert resolve(mod, key, "approve", reason="").status_code == 302
    assert "Pending reply text" in text(outsider.get(url)) and key not in queued(mod, community)


def test_a_reply_waiting_in_a_deleted_topic_waits_again_when_the_topic_is_restored(app, people, community, content,
                                                                                   premod, client_for):
    _, topic_id = content.topic(community, people["member"], title="Open topic")
    key = content.reply(topic_id, people["newbie"], body="Pending reply text")
    base = f"/c/{community.slug}/forums"
    mod, outsider = client_for(people["moderator"]), client_for(people["outsider"])
    assert key in queued(mod, community) and _badge(mod, base) == 1
    assert mod.post(f"{base}/t/{topic_id}/moderate", data={"action": "delete"}).status_code == 302
    assert key not in queued(mod, community) and _badge(mod, base) == 0
    assert mod.post(f"{base}/t/{topic_id}/moderate", data={"action": "restore"}).status_code == 302
    assert key in queued(mod, community) and _badge(mod, base) == 1
    assert "Pending reply text" not in text(outsider.get(f"{base}/t/{topic_id}"))
