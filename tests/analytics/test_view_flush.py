"""Page views are written in short batches: a flush that fails midway keeps what it did not
write, and every view is counted once in the end (pages, the tools' counters, insights)."""
from __future__ import annotations

import re

import pytest

from collab import analytics
from collab.analytics import recorder
from collab.extensions import db
from tests.forums.conftest import forums  # noqa: F401  (the forums helper fixture)
from tests.helpers import text


@pytest.fixture
def setting(make_user, make_community, forums):  # noqa: F811
    owner, reader = make_user("owner"), make_user("reader")
    community = make_community(owner, name="Flush Desk", access="public", members=[reader])
    f = forums.forum(community, owner)
    topics = [forums.topic(f, owner, title=f"Topic {n}") for n in range(3)]
    return owner, reader, community, topics


def views_shown(client, community, tid) -> int:
    """What the topic page says (its own view included)."""
    page = text(client.get(f"/c/{community.slug}/forums/t/{tid}"))
    return int(re.search(r"(\d+) views?\b", page).group(1))


def test_a_flush_that_fails_midway_keeps_the_rest_and_counts_each_view_once(app, client_for, setting, monkeypatch):
    from forums.models import ForumTopic

    owner, reader, community, topics = setting
    monkeypatch.setattr(recorder, "FLUSH_KEYS", 1)  # one page a batch: three batches
    turns = []
    monkeypatch.setattr(recorder, "cooperate", lambda: turns.append(1))
    c = client_for(reader)
    for tid, n in zip(topics, (2, 1, 3)):
        for _ in range(n):
            c.get(f"/c/{community.slug}/forums/t/{tid}")

    real_write, calls = recorder._write, []

    def failing_second(views, visitors):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        real_write(views, visitors)

    monkeypatch.setattr(recorder, "_write", failing_second)
    written = analytics.flush(app)
    assert written in (1, 2, 3) and len(calls) == 2  # the first batch stays written; it stopped at the second
    assert turns == [1]  # the other greenlets had a turn between the two batches
    with app.app_context():
        stored = {tid: db.session.get(ForumTopic, tid).view_count for tid in topics}
    assert sum(stored.values()) == written
    # Readers see every view meanwhile: what is stored plus what waits in the buffer, never twice.
    assert [views_shown(c, community, tid) for tid in topics] == [3, 2, 4]

    monkeypatch.setattr(recorder, "_write", real_write)
    assert analytics.flush(app) == 9 - written
    with app.app_context():
        db.session.expire_all()
        assert [db.session.get(ForumTopic, tid).view_count for tid in topics] == [3, 2, 4]
    assert [views_shown(c, community, tid) for tid in topics] == [4, 3, 5]
    analytics.flush(app)
    page = text(client_for(owner).get(f"/c/{community.slug}/insights?days=7"))
    assert 'data-testid="total-views">12<' in page
