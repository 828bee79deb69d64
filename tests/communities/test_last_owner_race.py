"""Two owners who demote each other, remove each other or both leave at the same moment: one of
them wins and the other is told the community needs an owner; the community never ends up with
no owner. The race is simulated: the second owner's request runs right after the first one has
counted the owners (in a thread of its own, so on PostgreSQL it is a concurrent transaction)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from collab.extensions import db
from tests.helpers import text

ACTIONS = {
    # (path of what ``me`` does to ``other``, form, what the refused one is told)
    "demote": (lambda c, other: f"/c/{c.slug}/members/{other.id}/role", {"role": "member"},
               "A community needs at least one owner."),
    "remove": (lambda c, other: f"/c/{c.slug}/members/{other.id}/remove", {},
               "The last owner cannot leave; make someone else an owner first."),
    "leave": (lambda c, other: f"/c/{c.slug}/leave", {},
              "The last owner cannot leave; make someone else an owner first."),
}


def racing_owner_count(monkeypatch, twin):
    """Run ``twin()`` in another thread right after the first owner count, and give it a moment:
    without a lock it counts the same owners and commits its change before the first request goes
    on; with the lock it waits for the first request to end."""
    from communities import services

    real, state = services._owner_count, {"thread": None}

    def wrapped(*args, **kwargs):
        count = real(*args, **kwargs)
        if state["thread"] is None:
            state["thread"] = threading.Thread(target=twin, daemon=True)
            state["thread"].start()
            state["thread"].join(timeout=1.5)
        return count

    monkeypatch.setattr(services, "_owner_count", wrapped)
    return state


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_two_owners_racing_to_demote_remove_or_leave_keep_one_owner(app, make_user, make_community, client_for,
                                                                     monkeypatch, action):
    from collab.accounts.models import User
    from communities import services
    from communities.models import OWNER, Community, Membership

    ada, bo = make_user("ada"), make_user("bo")
    c = make_community(ada, name="Racing Owners", members=[bo])
    with app.app_context():
        services.set_role(db.session.get(Community, c.id), db.session.get(User, bo.id), OWNER)
        db.session.commit()
    ada_c, bo_c = client_for(ada), client_for(bo)
    path, form, refusal = ACTIONS[action]
    answers = {}
    state = racing_owner_count(monkeypatch, lambda: answers.setdefault("bo", bo_c.post(path(c, ada), data=form)))
    answers["ada"] = ada_c.post(path(c, bo), data=form)
    state["thread"].join(timeout=20)
    assert not state["thread"].is_alive()
    assert answers["ada"].status_code == 302
    # The second one is refused: told the community needs an owner or, where it checked its rights
    # after the first one's change (SQLite: its transaction waited from the start), no longer allowed.
    assert answers["bo"].status_code in (302, 403)
    with app.app_context():
        owners = db.session.scalar(select(func.count(Membership.id)).where(
            Membership.community_id == c.id, Membership.role == OWNER))
    assert owners == 1
    told = text(ada_c.get(f"/c/{c.slug}/")) + text(bo_c.get(f"/c/{c.slug}/"))
    assert refusal in told or answers["bo"].status_code == 403
    # The one left an owner still manages the community.
    assert (ada_c.get(f"/c/{c.slug}/settings").status_code == 200) != \
        (bo_c.get(f"/c/{c.slug}/settings").status_code == 200)


@pytest.mark.parametrize("twin", ["remove", "transfer"])
def test_a_transfer_racing_a_removal_or_another_transfer_leaves_one_owner(app, make_user, make_community,
                                                                         client_for, admin_user, monkeypatch, twin):
    """An admin hands the community to Cy while its owner removes Cy (or another admin hands it to
    Di): one of them waits for the other, and the community has exactly one owner."""
    from communities import services
    from communities.models import OWNER, Membership

    ada, cy, di = make_user("ada"), make_user("cy"), make_user("di")
    c = make_community(ada, name="Handover", members=[cy, di])
    admin, ada_c, other_admin = client_for(admin_user), client_for(ada), client_for(make_user("root2", is_admin=True))
    second = {"remove": lambda: ada_c.post(f"/c/{c.slug}/members/{cy.id}/remove"),
              "transfer": lambda: other_admin.post(f"/admin/communities/{c.id}/transfer", data={"username": "di"})}
    real, state = services._add_member, {"thread": None}

    def wrapped(*args, **kwargs):  # the twin runs while the first transfer is under way
        m = real(*args, **kwargs)
        if state["thread"] is None:
            state["thread"] = threading.Thread(target=second[twin], daemon=True)
            state["thread"].start()
            state["thread"].join(timeout=1.5)
        return m

    monkeypatch.setattr(services, "_add_member", wrapped)
    r = admin.post(f"/admin/communities/{c.id}/transfer", data={"username": "cy"})
    assert r.status_code == 302
    state["thread"].join(timeout=20)
    assert not state["thread"].is_alive()
    with app.app_context():
        owners = db.session.scalars(select(Membership.user_id).where(
            Membership.community_id == c.id, Membership.role == OWNER)).all()
    # The removal, waiting, finds Cy an owner and is refused; the second transfer, waiting, comes
    # after the first (its admin is told Di owns it, and Di does). Without the lock on PostgreSQL:
    # nobody owned it, or Cy did after all.
    assert owners == [di.id if twin == "transfer" else cy.id], owners
