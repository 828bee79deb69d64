"""Two submits of one post or comment form racing (both miss the other's duplicate-submit token,
as under PostgreSQL's READ COMMITTED): the unique index refuses the second row and the second
request answers what the first stored, never a 500 or a second copy."""
from __future__ import annotations

from sqlalchemy import func, select

from collab.extensions import db
from tests.blogs.conftest import blog_url, post_id, write
from tests.blogs.test_idea_tokens import racing
from tests.helpers import text


def test_racing_submits_of_one_post_form_make_one_post(app, community, people, client_for, monkeypatch):
    from blogs import services
    from blogs.models import BlogPost

    author = client_for(people["member"])
    racing(monkeypatch, services, "_apply",
           lambda post, data, now: services.create_post(services.Blog(community=post.community), post.author, data))
    r = write(author, blog_url(community), title="Once", body="Only once", client_token="race-p")
    assert r.status_code == 302
    assert "Only once" in text(author.get(r.headers["Location"]))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BlogPost)) == 1
        assert db.session.scalar(select(BlogPost.id)) == post_id(r)


def test_racing_submits_of_one_comment_form_make_one_comment(app, community, people, client_for, monkeypatch):
    from blogs import services
    from blogs.models import BlogComment, BlogPost
    from collab.accounts.models import User
    from communities.models import Community

    base = blog_url(community)
    pid = post_id(write(client_for(people["owner"]), base, title="Discuss"))
    member = client_for(people["member"])
    racing(monkeypatch, services, "_clean_comment", lambda body: services.add_comment(
        services.Blog(community=db.session.get(Community, community.id)), db.session.get(BlogPost, pid),
        db.session.get(User, people["member"].id), body, None, "race-c"))
    r = member.post(base + f"{pid}/comments", data={"body": "First thought", "client_token": "race-c"})
    assert r.status_code == 302
    cid = int(r.headers["Location"].rsplit("comment-", 1)[1])
    page = text(member.get(base + str(pid)))
    assert page.count("First thought") == 1 and "1 comment" in page
    with app.app_context():
        assert db.session.scalars(select(BlogComment.id)).all() == [cid]
        assert db.session.get(BlogPost, pid).comment_count == 1
