"""Flow fixtures: people, a public and a restricted community, and service helpers that make
content the way the views do (each call in a POST request context, committed)."""
from __future__ import annotations

import re

import pytest

from collab.extensions import db
from tests.search.conftest import find, index_now  # noqa: F401  (shared fixtures)


@pytest.fixture
def people(make_user):
    return {name: make_user(name) for name in ("owner", "member", "outsider", "insider")}


@pytest.fixture
def agora(make_community, people):
    return make_community(people["owner"], name="Agora", access="public", members=[people["member"]])


@pytest.fixture
def vault(make_community, people):
    """Restricted: the owner, the member and the insider belong; the outsider does not."""
    return make_community(people["owner"], name="Vault", access="restricted",
                          members=[people["member"], people["insider"]])


@pytest.fixture
def make(app):
    from collab.accounts.models import User
    from communities.models import Community

    def _u(user):
        return db.session.get(User, user.id)

    def _c(community):
        return db.session.get(Community, community.id)

    class Make:
        def forum(self, community, user, name="General"):
            from forums import services

            with app.test_request_context("/", method="POST"):
                f = services.create_forum(_c(community), _u(user), name=name)
                db.session.commit()
                return f.id

        def topic(self, forum_id, user, title="How do I deploy?", body="Some **details**.", tags="", question=False):
            from forums import services
            from forums.models import Forum

            with app.test_request_context("/", method="POST"):
                t = services.create_topic(db.session.get(Forum, forum_id), _u(user), title=title, body=body,
                                          tags=tags, is_question=question)
                db.session.commit()
                return t.id

        def reply(self, topic_id, user, body="A reply."):
            from forums import services
            from forums.models import ForumTopic

            with app.test_request_context("/", method="POST"):
                p = services.reply(db.session.get(ForumTopic, topic_id), _u(user), body=body)
                db.session.commit()
                return p.id

        def accept(self, topic_id, post_id, user):
            from forums import services
            from forums.models import ForumPost, ForumTopic

            with app.test_request_context("/", method="POST"):
                services.accept(db.session.get(ForumTopic, topic_id), db.session.get(ForumPost, post_id), _u(user))
                db.session.commit()

        def page(self, community, user, title, body="Text."):
            from wiki import services

            with app.test_request_context("/", method="POST"):
                p = services.create_page(_c(community), _u(user), title=title, body=body)
                db.session.commit()
                return p.id

        def post(self, community, user, title, body="Text.", tags=""):
            from blogs import services

            with app.test_request_context("/", method="POST"):
                p = services.create_post(services.Blog(community=_c(community)), _u(user),
                                         services.PostInput(title=title, body=body, tags=tags, action="publish"))
                db.session.commit()
                return p.id

        def room(self, community):
            from collab.chat import services

            with app.test_request_context("/", method="POST"):
                room = services.default_room(_c(community))
                db.session.commit()
                return room.id, room.slug

        def message(self, room_id, user, body):
            from collab.chat import services
            from collab.chat.models import ChatRoom

            with app.test_request_context("/", method="POST"):
                msg, _ = services.post_message(_u(user), db.session.get(ChatRoom, room_id), body,
                                               f"c{abs(hash((room_id, body)))}")
                return msg.id

        def links(self):
            from sqlalchemy import select

            from collab.flows.models import FlowLink

            with app.app_context():
                return [(link.kind, link.source_key, link.source_group, link.target_key)
                        for link in db.session.scalars(select(FlowLink).order_by(FlowLink.id))]

        def count(self, model, **where):
            from sqlalchemy import func, select

            with app.app_context():
                stmt = select(func.count()).select_from(model)
                for k, v in where.items():
                    stmt = stmt.where(getattr(model, k) == v)
                return db.session.scalar(stmt)

    return Make()


def draft_path(response) -> str:
    """The draft form a flow redirected to."""
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert re.search(r"/flows/d/[\w-]+$", location), location
    return location
