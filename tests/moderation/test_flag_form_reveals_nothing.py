"""The flag form shows what is flagged (title, excerpt): only to someone who may read it there.
A scheduled blog post, a comment under a post a moderator hid or under one turned back into a
draft, and a reply in a topic waiting for approval are 404 on the form as on their own pages."""
from __future__ import annotations

from datetime import timedelta

from collab.db import utcnow
from collab.extensions import db
from tests.helpers import text
from tests.moderation.conftest import resolve


def _scheduled(app, community, user, title, body):
    from blogs import services
    from collab.accounts.models import User
    from communities.models import Community

    with app.test_request_context("/", method="POST"):
        blog = services.Blog(community=db.session.get(Community, community.id)) if community else \
            services.Blog(owner=db.session.get(User, user.id))
        p = services.create_post(blog, db.session.get(User, user.id), services.PostInput(
            title=title, body=body, action="schedule", publish_at=utcnow() + timedelta(days=3)))
        db.session.commit()
        return p.id


def test_a_scheduled_post_is_its_authors_alone_on_the_flag_form(app, people, community, client_for):
    pid = _scheduled(app, community, people["owner"], "Q3 office plan", "We will close the Lyon office.")
    personal = _scheduled(app, None, people["owner"], "My next step", "I am leaving next month.")
    member = client_for(people["member"])
    for key in (f"blog_post:{pid}", f"blog_post:{personal}"):
        r = member.get(f"/moderation/flag?key={key}")
        assert r.status_code == 404 and "Lyon" not in text(r) and "leaving" not in text(r)
    mine = client_for(people["owner"]).get(f"/moderation/flag?key=blog_post:{pid}")
    assert mine.status_code == 200 and "Q3 office plan" in text(mine)


def test_comments_go_with_their_post(app, people, community, content, client_for):
    post = content.blog_post(community, people["owner"], title="Salary bands")
    comment = content.comment(community, post, people["member"], body="Band 7 pays well")
    reader = client_for(people["newbie"])
    assert reader.get(f"/moderation/flag?key={comment}").status_code == 200  # readable: flaggable

    assert resolve(client_for(people["moderator"]), post, "hide").status_code == 302
    r = reader.get(f"/moderation/flag?key={comment}")
    assert r.status_code == 404 and "Band 7" not in text(r) and "Salary bands" not in text(r)
    assert client_for(people["moderator"]).get(f"/moderation/flag?key={comment}").status_code == 200

    # A post turned back into a draft: its comments are its author's alone too.
    from blogs.models import BlogPost

    other = content.blog_post(community, people["owner"], title="Merger talks")
    said = content.comment(community, other, people["member"], body="Board meets Monday")
    with app.test_request_context("/", method="POST"):
        db.session.get(BlogPost, int(other.split(":")[1])).status = "draft"
        db.session.commit()
    r = reader.get(f"/moderation/flag?key={said}")
    assert r.status_code == 404 and "Board meets" not in text(r)


def test_a_reply_in_a_topic_waiting_for_approval_is_not_shown(app, people, community, content, client_for):
    from forums.models import ForumTopic

    _first, topic_id = content.topic(community, people["member"], title="Layoff rumours")
    reply = content.reply(topic_id, people["member"], body="Heard it from HR")
    reader = client_for(people["newbie"])
    assert reader.get(f"/moderation/flag?key={reply}").status_code == 200
    with app.test_request_context("/", method="POST"):
        db.session.get(ForumTopic, topic_id).moderation = "pending"
        db.session.commit()
    r = reader.get(f"/moderation/flag?key={reply}")
    assert r.status_code == 404 and "Layoff" not in text(r) and "Heard it" not in text(r)
    assert client_for(people["moderator"]).get(f"/moderation/flag?key={reply}").status_code == 200
