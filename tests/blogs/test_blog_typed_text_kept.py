"""An edit or a comment whose post was deleted, hidden or unpublished while it was being written:
the person gets their text back with the reason (nothing stored); someone who could never have
read the post still gets 404 and learns nothing."""
from __future__ import annotations

import re

from collab.extensions import db
from tests.blogs.conftest import blog_url, post_id, write
from tests.helpers import text
from tests.moderation.conftest import resolve

TYPED = "My long comment that I typed with care"


def _comment_form(html: str) -> dict:
    form = html[html.index('class="blog-comment-form"'):]
    return dict(re.findall(r'name="(csrf_token|client_token|read|parent_id)" type="hidden" value="([^"]*)"', form))


def _stored(app, model, **where):
    from sqlalchemy import func, select

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_edit_of_a_post_deleted_meanwhile_gives_the_form_back(app, community, people, client_for):
    from blogs.models import BlogPost

    member = client_for(people["member"])
    pid = post_id(write(member, blog_url(community), title="First title", body="first body"))
    assert member.get(blog_url(community, f"{pid}/edit")).status_code == 200
    assert client_for(people["owner"]).post(blog_url(community, f"{pid}/delete")).status_code == 302
    r = member.post(blog_url(community, f"{pid}/edit"), data={"title": "Better title", "body": "my careful text",
                                                              "action": "save"})
    assert r.status_code == 409
    page = text(r)
    assert "Better title" in page and "my careful text" in page and "This post was deleted while" in page
    assert _stored(app, BlogPost, id=pid, title="First title", body="first body") == 1
    # someone who may not edit it: 404 as before (they cannot see a deleted post), nothing shown back
    r = client_for(people["other"]).post(blog_url(community, f"{pid}/edit"), data={"title": "x", "body": "not mine"})
    assert r.status_code == 404 and "not mine" not in text(r)


def test_comment_on_a_post_deleted_or_hidden_meanwhile_gives_the_text_back(app, community, people, client_for):
    from blogs.models import BlogComment

    owner, other = client_for(people["owner"]), client_for(people["other"])
    for take_away in ("delete", "hide"):
        pid = post_id(write(owner, blog_url(community), title="Private thoughts", body="The words of the post"))
        fields = _comment_form(text(other.get(blog_url(community, str(pid)))))
        if take_away == "delete":
            assert owner.post(blog_url(community, f"{pid}/delete")).status_code == 302
        else:
            assert resolve(client_for(people["moderator"]), f"blog_post:{pid}", "hide").status_code == 302
        r = other.post(blog_url(community, f"{pid}/comments"), data={**fields, "body": TYPED})
        assert r.status_code == 409, take_away
        page = text(r)
        assert TYPED in page and "This post is not published now, so your comment was not posted." in page
        assert "Private thoughts" not in page and "The words of the post" not in page
        assert _stored(app, BlogComment, post_id=pid) == 0


def test_comment_on_a_post_unpublished_meanwhile_gives_the_text_back_to_its_reader(app, community, people,
                                                                                  client_for):
    from blogs.models import BlogComment

    member, other = client_for(people["member"]), client_for(people["other"])
    pid = post_id(write(member, blog_url(community), title="Soon a draft", body="text"))
    fields = _comment_form(text(other.get(blog_url(community, str(pid)))))
    r = member.post(blog_url(community, f"{pid}/edit"), data={"title": "Soon a draft", "body": "text",
                                                              "action": "draft"})
    assert r.status_code == 302
    r = other.post(blog_url(community, f"{pid}/comments"), data={**fields, "body": TYPED})
    assert r.status_code == 409 and TYPED in text(r) and "Soon a draft" not in text(r)
    # without having had the page (a draft nobody else ever saw, a guessed number): 404, nothing shown back
    r = other.post(blog_url(community, f"{pid}/comments"), data={**fields, "read": "forged", "body": TYPED})
    assert r.status_code == 404 and TYPED not in text(r)
    outsider = client_for(people["outsider"])
    r = outsider.post(blog_url(community, f"{pid}/comments"), data={**fields, "body": TYPED})
    assert r.status_code == 404 and TYPED not in text(r)
    assert _stored(app, BlogComment, post_id=pid) == 0


def _edit_form(html: str) -> dict:
    return dict(re.findall(r'name="(csrf_token|client_token|read|base)" type="hidden" value="([^"]*)"', html))


def test_moderators_edit_of_a_post_put_back_to_draft_meanwhile_gives_the_text_back(app, community, people,
                                                                                    client_for):
    from blogs.models import BlogPost

    member = client_for(people["member"])
    pid = post_id(write(member, blog_url(community), title="Draft soon", body="the author's words"))
    words = {"title": "Draft soon", "body": "the author's words"}
    for editor, change in (("moderator", {"action": "draft"}),
                           ("owner", {"action": "schedule", "publish_at": "2090-01-01 09:00"})):  # later: not now
        assert member.post(blog_url(community, f"{pid}/edit"), data={**words, "action": "publish"}).status_code == 302
        mod = client_for(people[editor])
        fields = _edit_form(text(mod.get(blog_url(community, f"{pid}/edit"))))
        assert member.post(blog_url(community, f"{pid}/edit"), data={**words, **change}).status_code == 302
        r = mod.post(blog_url(community, f"{pid}/edit"), data={**fields, "title": "Fixed title",
                                                               "body": "my careful correction", "action": "save"})
        assert r.status_code == 409, editor
        page = text(r)
        assert "Fixed title" in page and "my careful correction" in page, editor
        assert "This post is not published now, so your edit was not saved." in page
        assert "the author's words" not in page  # nothing of the draft itself
        assert _stored(app, BlogPost, id=pid, title="Draft soon", body="the author's words") == 1
        # without the mark of having opened the form (a guessed number): 404, nothing shown back
        r = mod.post(blog_url(community, f"{pid}/edit"), data={**fields, "read": "forged", "body": "guess"})
        assert r.status_code == 404 and "guess" not in text(r)
