from __future__ import annotations

import re

import pytest

from collab.extensions import db
from tests.search.conftest import find, index_now  # noqa: F401  (shared fixtures)


@pytest.fixture
def people(make_user, admin_user):
    return {
        "owner": make_user("owner"),
        "moderator": make_user("moder"),
        "member": make_user("member"),
        "other": make_user("other"),
        "outsider": make_user("outsider"),
        "admin": admin_user,
    }


@pytest.fixture
def community(make_community, people):
    return make_community(people["owner"], name="Help Desk", access="public",
                          members=[people["member"], people["other"]], moderators=[people["moderator"]])


@pytest.fixture
def forums(app):
    """Service calls as a test writes them, each in a POST request context like the views:
    forums.forum(community, owner) -> id; forums.topic(forum_id, user, title, body, ...) -> id;
    forums.reply(topic_id, user, body) -> post id; forums.get(Model, id) -> a detached row."""
    from collab.accounts.models import User
    from communities.models import Community
    from forums import services
    from forums.models import Forum, ForumPost, ForumTopic

    class Helper:
        def forum(self, community, user, name="General"):
            with app.test_request_context("/", method="POST"):
                f = services.create_forum(db.session.get(Community, community.id), db.session.get(User, user.id),
                                          name=name)
                db.session.commit()
                return f.id

        def topic(self, forum_id, user, title="How do I deploy?", body="Some **details**.", tags="", question=False):
            with app.test_request_context("/", method="POST"):
                t = services.create_topic(db.session.get(Forum, forum_id), db.session.get(User, user.id),
                                          title=title, body=body, tags=tags, is_question=question)
                db.session.commit()
                return t.id

        def reply(self, topic_id, user, body="A reply.", reply_to=None):
            with app.test_request_context("/", method="POST"):
                p = services.reply(db.session.get(ForumTopic, topic_id), db.session.get(User, user.id), body=body,
                                   reply_to_id=reply_to)
                db.session.commit()
                return p.id

        def get(self, model, pk):
            with app.app_context():
                row = db.session.get(model, pk)
                if row is not None:
                    if isinstance(row, ForumPost):
                        _ = row.body
                    db.session.expunge(row)
                return row

        def count(self, model, **where):
            from sqlalchemy import func, select

            with app.app_context():
                stmt = select(func.count()).select_from(model)
                for k, v in where.items():
                    stmt = stmt.where(getattr(model, k) == v)
                return db.session.scalar(stmt)

    return Helper()


def token_of(html: str) -> str:
    m = re.search(r'name="token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="token" name="token" type="hidden" value="([^"]+)"', html)
    assert m, "no client token in the form"
    return m.group(1)


def base(community) -> str:
    return f"/c/{community.slug}/forums"
