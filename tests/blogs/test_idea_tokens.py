"""The duplicate-submit token of the idea form: only a live idea of the same campaign is "the idea
this form already made"; a token stored with something else answers 409 and keeps the typed text."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from collab.accounts.models import User
from collab.extensions import db
from tests.blogs.conftest import blog_url
from tests.blogs.test_ideas import idea_id, open_campaign, submit
from tests.helpers import text

USED = "This form was already sent for something else. Reload the page and send it again."


def _token(page: str) -> str:
    return re.search(r'name="client_token" type="hidden" value="([^"]*)"', page).group(1)


def test_a_withdrawn_idea_is_not_what_the_form_made(app, community, people, client_for):
    from blogs.models import Idea

    owner, member = client_for(people["owner"]), client_for(people["member"])
    cid = open_campaign(owner, community)
    first = idea_id(submit(member, community, cid, title="First", client_token="tok-1"))
    assert member.post(blog_url(community, f"ideas/idea/{first}/delete")).status_code == 302
    r = submit(member, community, cid, title="Second, rewritten", body="Kept text", client_token="tok-1")
    page = text(r)
    assert r.status_code == 409 and USED in page
    assert 'value="Second, rewritten"' in page and "Kept text</textarea>" in page
    fresh = _token(page)
    assert fresh and fresh != "tok-1"
    # Sending the form again (its new token) stores the idea.
    r = submit(member, community, cid, title="Second, rewritten", body="Kept text", client_token=fresh)
    assert r.status_code == 302
    shown = member.get(r.headers["Location"])
    assert shown.status_code == 200 and "Second, rewritten" in text(shown)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Idea).where(Idea.is_deleted.is_(False))) == 1


def test_a_token_of_another_campaign_answers_409(app, community, people, client_for):
    from blogs.models import Idea

    owner, member = client_for(people["owner"]), client_for(people["member"])
    one = open_campaign(owner, community, title="Onboarding")
    two = open_campaign(owner, community, title="Office")
    iid = idea_id(submit(member, community, one, title="Buddy system", client_token="tok-2"))
    r = submit(member, community, two, title="Plants", client_token="tok-2")
    assert r.status_code == 409 and USED in text(r) and 'value="Plants"' in text(r)
    # The same form sent twice in one campaign still answers the idea it made.
    again = submit(member, community, one, title="Buddy system", client_token="tok-2")
    assert again.status_code == 302 and idea_id(again) == iid
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Idea)) == 1


def racing(monkeypatch, module, name, twin):
    """Store `twin(*args)` (the same form's concurrent submit) right after the token look-up, the
    first time `module.name(*args)` runs: both requests missed each other's token, the unique index
    decides."""
    real, state = getattr(module, name), {"raced": False}

    def wrapped(*args, **kwargs):
        if not state["raced"]:
            state["raced"] = True
            twin(*args, **kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


def test_racing_submits_of_one_idea_form_make_one_idea(app, community, people, client_for, monkeypatch):
    from blogs import ideas
    from blogs.models import Idea, IdeaCampaign
    from collab.accounts.models import User

    owner, member = client_for(people["owner"]), client_for(people["member"])
    cid = open_campaign(owner, community)
    racing(monkeypatch, ideas, "_text", lambda *_: ideas.submit_idea(
        db.session.get(IdeaCampaign, cid), db.session.get(User, people["member"].id),
        "Racing", "Pair newcomers", "race-1"))
    r = submit(member, community, cid, title="Racing", client_token="race-1")
    assert r.status_code == 302
    page = text(member.get(r.headers["Location"]))
    assert "Racing" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Idea)) == 1
        assert db.session.get(IdeaCampaign, cid).idea_count == 1


def test_withdrawing_an_idea_twice_at_once_counts_it_once(app, community, people, client_for, monkeypatch):
    """A double click on "withdraw" (both requests found the idea live, as under PostgreSQL's READ
    COMMITTED): the campaign's count drops by one, and one withdrawal is recorded."""
    from blogs import ideas
    from blogs.models import Idea

    owner, member = client_for(people["owner"]), client_for(people["member"])
    cid = open_campaign(owner, community)
    idea_id(submit(member, community, cid, title="Keep", client_token="tok-k"))
    gone = idea_id(submit(member, community, cid, title="Withdrawn", client_token="tok-w"))
    racing(monkeypatch, ideas.access, "can_edit_owned",
           lambda *_: ideas.delete_idea(db.session.get(Idea, gone), db.session.get(User, people["owner"].id)))
    assert owner.post(blog_url(community, f"ideas/idea/{gone}/delete")).status_code == 302
    page = text(member.get(blog_url(community, "ideas/")))
    assert "1 idea<" in page, re.findall(r"-?\d+ ideas?", page)
    with app.app_context():
        from collab.audit import AuditEntry

        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "blogs.withdraw_idea")) == 1
