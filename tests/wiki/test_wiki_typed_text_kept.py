"""An edit (the browser's form) or a comment whose page was deleted or hidden while it was being
written: the person gets their text back with the reason (nothing stored); someone who could never
have written it still gets 404 and learns nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from collab.extensions import db
from tests.helpers import text
from tests.moderation.conftest import resolve

TYPED = "My long careful text, typed for a while"


def _base(community):
    return f"/c/{community.slug}/wiki"


def _count(app, model, **where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def _take_away(client_for, people, community, pid, how):
    if how == "delete":
        r = client_for(people["moderator"]).post(f"{_base(community)}/guide/-/delete")
    else:
        r = resolve(client_for(people["moderator"]), f"wiki_page:{pid}", "hide")
    assert r.status_code == 302, r.status_code


@pytest.mark.parametrize("how,reason", [("delete", "This page was deleted while you were editing it."),
                                        ("hide", "A moderator hid this page while you were editing it")])
def test_edit_of_a_page_deleted_or_hidden_meanwhile_gives_the_text_back(app, community, people, client_for, wiki,
                                                                       how, reason):
    from wiki.models import WikiRevision

    pid = wiki.create(community, people["owner"], "Guide", body="The secret page words")
    member = client_for(people["member"])
    assert member.get(f"{_base(community)}/guide/-/edit").status_code == 200
    _take_away(client_for, people, community, pid, how)
    r = member.post(f"{_base(community)}/guide/-/edit", data={"body": TYPED, "base_revision": "1"})
    assert r.status_code == 409
    page = text(r)
    assert TYPED in page and reason in page and "The secret page words" not in page
    assert _count(app, WikiRevision, page_id=pid) == 1
    # someone who may not edit here: 404 as before, nothing shown back
    r = client_for(people["outsider"]).post(f"{_base(community)}/guide/-/edit",
                                            data={"body": "not mine", "base_revision": "1"})
    assert r.status_code == 404 and "not mine" not in text(r)


def test_comment_on_a_page_deleted_or_hidden_meanwhile_gives_the_text_back(app, community, people, client_for,
                                                                          wiki):
    from wiki.models import WikiComment

    pid = wiki.create(community, people["owner"], "Guide", body="The secret page words")
    other = client_for(people["other"])
    _take_away(client_for, people, community, pid, "hide")
    r = other.post(f"{_base(community)}/guide/-/comments", data={"body": TYPED})
    assert r.status_code == 409
    assert TYPED in text(r) and "so your comment was not posted" in text(r) and "secret page words" not in text(r)
    _take_away(client_for, people, community, pid, "delete")
    r = other.post(f"{_base(community)}/guide/-/comments", data={"body": TYPED})
    assert r.status_code == 409 and TYPED in text(r)
    r = client_for(people["outsider"]).post(f"{_base(community)}/guide/-/comments", data={"body": "not mine"})
    assert r.status_code == 404 and "not mine" not in text(r)
    assert _count(app, WikiComment, page_id=pid) == 0


def test_a_page_waiting_for_approval_that_one_never_saw_stays_404(app, community, people, client_for, wiki,
                                                                   make_user):
    owner = client_for(people["owner"])
    assert owner.post(f"/c/{community.slug}/moderation/settings", data={"premoderation": "1"}).status_code == 302
    newbie = make_user("newbie")
    assert client_for(newbie).post(f"/c/{community.slug}/join").status_code == 302
    assert client_for(newbie).post(f"{_base(community)}/-/new", data={"title": "Guide", "body": "b"}).status_code == 302
    member = client_for(people["member"])
    for where in ("guide/-/edit", "guide/-/comments"):
        r = member.post(f"{_base(community)}/{where}", data={"body": TYPED, "base_revision": "1"})
        assert r.status_code == 404 and TYPED not in text(r), where


def test_an_edit_of_a_page_renamed_meanwhile_is_saved_at_its_new_address(app, community, people, client_for, wiki):
    from wiki.models import WikiPage

    pid = wiki.create(community, people["owner"], "Guide", body="a")
    owner, member = client_for(people["owner"]), client_for(people["member"])
    assert owner.post(f"{_base(community)}/guide/-/rename", data={"title": "Manual"}).status_code == 302
    r = member.post(f"{_base(community)}/guide/-/edit", data={"body": TYPED, "base_revision": "1"},
                    follow_redirects=True)
    assert r.status_code == 200
    with app.app_context():
        assert db.session.get(WikiPage, pid).body.strip() == TYPED
