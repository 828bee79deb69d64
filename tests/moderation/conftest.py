from __future__ import annotations

import pytest

from collab.extensions import db
from tests.search.conftest import find, index_now  # noqa: F401  (shared fixtures)


@pytest.fixture
def people(make_user, admin_user):
    return {
        "owner": make_user("owner"),
        "moderator": make_user("moder"),
        "member": make_user("member"),
        "newbie": make_user("newbie"),
        "outsider": make_user("outsider"),
        "admin": admin_user,
    }


@pytest.fixture
def community(make_community, people):
    return make_community(people["owner"], name="Help Desk", access="public",
                          members=[people["member"]], moderators=[people["moderator"]])


@pytest.fixture
def secret(make_community, people):
    return make_community(people["owner"], name="Secret Lab", access="restricted",
                          members=[people["member"]], moderators=[people["moderator"]])


@pytest.fixture
def content(app):
    """Make content through each tool's services, as its views do (in a POST request context);
    each returns the moderation key "type:pk"."""
    from collab.accounts.models import User
    from communities.models import Community

    def _u(user):
        return db.session.get(User, user.id)

    def _c(community):
        return db.session.get(Community, community.id)

    class Helper:
        def topic(self, community, user, title="How do I deploy?", body="Some details about deploying."):
            from forums import services
            from forums.models import Forum
            from sqlalchemy import select

            with app.test_request_context("/", method="POST"):
                c = _c(community)
                forum = db.session.scalar(select(Forum).where(Forum.community_id == c.id))
                if forum is None:
                    owner = db.session.get(User, c.created_by_id)
                    forum = services.create_forum(c, owner, name="General")
                t = services.create_topic(forum, _u(user), title=title, body=body)
                db.session.commit()
                return f"forum_post:{t.first_post_id}", t.id

        def reply(self, topic_id, user, body="A reply with words."):
            from forums import services
            from forums.models import ForumTopic

            with app.test_request_context("/", method="POST"):
                p = services.reply(db.session.get(ForumTopic, topic_id), _u(user), body=body)
                db.session.commit()
                return f"forum_post:{p.id}"

        def blog_post(self, community, user, title="Quarterly report", body="Numbers went up."):
            from blogs import services

            with app.test_request_context("/", method="POST"):
                p = services.create_post(services.Blog(community=_c(community)), _u(user),
                                         services.PostInput(title=title, body=body, action="publish"))
                db.session.commit()
                return f"blog_post:{p.id}"

        def comment(self, community, post_key, user, body="Nice numbers."):
            from blogs import services
            from blogs.models import BlogPost

            with app.test_request_context("/", method="POST"):
                post = db.session.get(BlogPost, int(post_key.split(":")[1]))
                c = services.add_comment(services.Blog(community=_c(community)), post, _u(user), body)
                db.session.commit()
                return f"blog_comment:{c.id}"

        def message(self, community, user, body="hello chat"):
            from collab.chat import services

            with app.test_request_context("/", method="POST"):
                room = services.default_room(_c(community))
                db.session.commit()
                m, _ = services.post_message(_u(user), room, body, "cid-" + str(abs(hash(body))))
                db.session.commit()
                return f"chat_message:{m.id}"

    return Helper()


def flag(client, key, reason="spam", details=""):
    return client.post("/moderation/flag", data={"key": key, "reason": reason, "details": details})


def resolve(client, key, decision, reason="Breaks the rules", confirm=True, next="/"):
    data = {"key": key, "decision": decision, "reason": reason, "next": next}
    if confirm:
        data["confirm"] = "1"
    return client.post("/moderation/resolve", data=data)


def queued(client, community=None) -> set[str]:
    """The keys of the items in a community's queue (or the site queue)."""
    import re

    r = client.get(f"/c/{community.slug}/moderation/" if community is not None else "/admin/moderation")
    assert r.status_code == 200, r.status_code
    return set(re.findall(r'data-key="([^"]+)"', r.get_data(as_text=True)))
