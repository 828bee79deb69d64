"""Two submits at the same moment of the same follow, or of the same notification setting (a
double click, two tabs): both answer as a single one does and one row is stored (the unique key
refused the second insert: a 500). The race is simulated: the second request runs in a thread of
its own right before the first one writes its row (on PostgreSQL a concurrent transaction; SQLite
serialises writers, so there the second one waits): the ``just_before_the_first_write`` fixture
of tests/conftest.py."""
from __future__ import annotations

from sqlalchemy import func, select

from collab.extensions import db


def _count(app, model, **where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_two_racing_follows_of_the_same_person_store_one(app, make_user, client_for, just_before_the_first_write):
    from collab.accounts.models import Follow

    ana, bob = make_user("ana"), make_user("bob")
    first, second = client_for(ana), client_for(ana)
    answers = {}
    state = just_before_the_first_write(Follow, lambda: answers.setdefault("second", second.post("/u/bob/follow")))
    answers["first"] = first.post("/u/bob/follow")
    state["thread"].join(timeout=20)
    assert not state["thread"].is_alive()
    assert answers["first"].status_code == 302 and answers["second"].status_code == 302
    assert _count(app, Follow, follower_id=ana.id, followed_id=bob.id) == 1


def test_two_racing_saves_of_the_same_notification_setting_store_one(app, make_user, client_for,
                                                                      just_before_the_first_write):
    from collab.activity.models import NotificationPreference

    ana = make_user("ana")
    first, second = client_for(ana), client_for(ana)
    answers = {}
    state = just_before_the_first_write(NotificationPreference, lambda: answers.setdefault(
        "second", second.post("/settings/notifications", data={"mention": "off"})))
    answers["first"] = first.post("/settings/notifications", data={"mention": "digest"})
    state["thread"].join(timeout=20)
    assert not state["thread"].is_alive()
    assert answers["first"].status_code == 302 and answers["second"].status_code == 302
    assert _count(app, NotificationPreference, user_id=ana.id, kind="mention") == 1
    assert "Your notification settings are saved." in first.get("/settings/notifications").get_data(as_text=True)
