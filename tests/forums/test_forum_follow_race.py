"""Following a forum or a topic twice at the same moment (a double click, two tabs) stores one
follow, and unfollowing then ends it: the twin rows the old unique key let through (one of the
two targets is always NULL, and NULLs differ) kept the person following after 'Unfollow'."""
from __future__ import annotations

from sqlalchemy import func, select

from collab.extensions import db
from tests.forums.conftest import forums  # noqa: F401  (the forums helper fixture)
from tests.helpers import text


def _follows(app, user, **target) -> int:
    from forums.models import ForumSubscription

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ForumSubscription)
                                 .filter_by(user_id=user.id, **target))


def test_two_racing_follows_store_one_and_unfollow_ends_it(app, make_user, make_community, client_for, forums,  # noqa: F811
                                                           just_before_the_first_write):
    from forums.models import ForumSubscription

    owner, ana = make_user("owner"), make_user("ana")
    community = make_community(owner, name="Follow Desk", members=[ana])
    f = forums.forum(community, owner)
    tid = forums.topic(f, owner, title="Release plan")
    for url, target in ((f"/c/{community.slug}/forums/f/{f}/subscribe", {"forum_id": f, "topic_id": None}),
                        (f"/c/{community.slug}/forums/t/{tid}/subscribe", {"forum_id": None, "topic_id": tid})):
        first, second = client_for(ana), client_for(ana)
        answers = {}
        state = just_before_the_first_write(ForumSubscription, lambda: answers.setdefault(
            "second", second.post(url, data={"on": "1"})))
        answers["first"] = first.post(url, data={"on": "1"})
        state["thread"].join(timeout=20)
        assert not state["thread"].is_alive()
        assert answers["first"].status_code == 302 and answers["second"].status_code == 302
        assert _follows(app, ana, **target) == 1
        assert first.post(url, data={"on": "0"}).status_code == 302
        assert _follows(app, ana, **target) == 0
    page = text(client_for(ana).get(f"/c/{community.slug}/forums/t/{tid}"))
    assert "Unfollow" not in page
