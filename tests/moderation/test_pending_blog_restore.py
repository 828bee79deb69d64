"""A blog post (or comment) waiting for approval (pre-moderation) whose post is deleted and then
restored comes back as it was: waiting, in the moderation queue, seen by its author and the
moderators only, not announced, and approving it still publishes it. While the post is deleted,
nothing of it counts in the moderators' 'Moderation queue' badge."""
from __future__ import annotations

import pytest

from tests.helpers import text
from tests.moderation.conftest import queued, resolve
from tests.moderation.test_pending_forum_restore import _badge
from tests.moderation.test_premoderation import _events, premod  # noqa: F401  (shared fixture)


def _blog_lines(app) -> list[str]:
    return [k for k in _events(app)[0] if k.startswith("blog")]


@pytest.mark.parametrize("deleted_by", ["author", "moderator", "rejected"])
def test_a_pending_blog_post_deleted_and_restored_waits_in_the_queue_again(app, people, community, content, premod,
                                                                           client_for, deleted_by):
    key = content.blog_post(community, people["newbie"], title="Newbie blog ibex", body="Ibex story")
    base = f"/c/{community.slug}/blog/"
    url = base + key.split(":")[1]
    forums = f"/c/{community.slug}/forums"
    mod, outsider = client_for(people["moderator"]), client_for(people["outsider"])
    assert key in queued(mod, community) and _badge(mod, forums) == 1

    if deleted_by == "author":
        assert premod.post(url + "/delete").status_code == 302
    elif deleted_by == "moderator":
        assert mod.post(url + "/delete").status_code == 302
    else:
        assert resolve(mod, key, "reject", reason="Please stay on topic").status_code == 302
    assert key not in queued(mod, community) and _badge(mod, forums) == 0
    restorer = premod if deleted_by == "author" else mod
    assert restorer.post(url + "/restore").status_code == 302

    assert key in queued(mod, community) and _badge(mod, forums) == 1
    assert outsider.get(url).status_code == 404
    assert "Newbie blog ibex" not in text(outsider.get(base))
    mine = text(premod.get(url))
    assert "Ibex story" in mine and "Awaiting approval" in mine
    assert _blog_lines(app) == []  # nothing told of it
    assert resolve(mod, key, "approve", reason="").status_code == 302
    assert outsider.get(url).status_code == 200 and key not in queued(mod, community)
    assert "Newbie blog ibex" in text(outsider.get(base))
    assert key in _blog_lines(app)


def test_a_comment_waiting_on_a_deleted_post_waits_again_when_the_post_is_restored(app, people, community, content,
                                                                                   premod, client_for):
    post = content.blog_post(community, people["member"], title="Member post")
    key = content.comment(community, post, people["newbie"], body="Pending comment gnu")
    url = f"/c/{community.slug}/blog/{post.split(':')[1]}"
    forums = f"/c/{community.slug}/forums"
    author, mod, outsider = (client_for(people[k]) for k in ("member", "moderator", "outsider"))
    assert key in queued(mod, community) and _badge(mod, forums) == 1
    lines = _blog_lines(app)

    assert author.post(url + "/delete").status_code == 302
    assert key not in queued(mod, community) and _badge(mod, forums) == 0
    assert author.post(url + "/restore").status_code == 302

    assert key in queued(mod, community) and _badge(mod, forums) == 1
    assert "Pending comment gnu" not in text(outsider.get(url))
    assert "Pending comment gnu" in text(premod.get(url))
    assert _blog_lines(app) == lines  # the comment told nobody
    assert resolve(mod, key, "approve", reason="").status_code == 302
    assert "Pending comment gnu" in text(outsider.get(url)) and key not in queued(mod, community)
    assert key in _blog_lines(app)
