"""Community settings for owners: settings and the posting rule every tool obeys, member roles and
removal, bulk invitations (names and emails, with a report), join requests in bulk, the
community's own log; each owner action leaves an audit entry with before and after."""
from __future__ import annotations

import email
import re
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from collab import access, audit
from collab.accounts.models import User
from collab.extensions import db
from communities.models import Community, Invitation, JoinRequest, Membership
from tests.helpers import text
from tests.live import free_port


def log_of(app, community_id=None):
    with app.app_context():
        return [(e.action, e.target_label, e.before, e.after)
                for e in db.session.scalars(audit.entries_query(community_id=community_id))][::-1]


def test_settings_save_is_audited_keeps_input_on_errors_and_the_log_filters(app, make_user, make_community,
                                                                           client_for):
    owner, member = make_user("owner"), make_user("member")
    c = make_community(owner, name="Garden", access="public", members=[member])
    make_community(owner, name="Taken", slug="taken")
    oc = client_for(owner)
    form = {"name": "Garden Club", "slug": "taken", "description": "我们的花园 *garden*", "tags": "plants",
            "access": "moderated", "posting": "moderators", "tools": ["wiki", "forums"]}
    r = oc.post(f"/c/{c.slug}/settings", data=form)
    assert "taken by another community" in text(r)
    body = text(r)
    assert 'value="Garden Club"' in body and "我们的花园 *garden*" in body and 'value="plants"' in body
    assert re.search(r'value="moderators"[^>]*checked|checked[^>]*value="moderators"', body)
    assert log_of(app) == []  # nothing changed, nothing logged
    r = oc.post(f"/c/{c.slug}/settings", data={**form, "slug": c.slug})
    assert r.status_code == 302
    (action, label, before, after), = log_of(app, c.id)
    assert (action, label) == ("community.settings", "Garden Club")
    assert before == {"name": "Garden", "access": "public", "posting": "members", "tags": [], "description": "",
                      "tools": ["blog", "chat", "forums", "wiki"]}
    assert after == {"name": "Garden Club", "access": "moderated", "posting": "moderators", "tags": ["plants"],
                     "description": "我们的花园 *garden*", "tools": ["forums", "wiki"]}
    # Saving unchanged settings writes no entry.
    oc.post(f"/c/{c.slug}/settings", data={**form, "slug": c.slug})
    assert len(log_of(app, c.id)) == 1
    page = text(oc.get(f"/c/{c.slug}/settings/log"))
    assert "Community settings changed" in page and "我们的花园" in page and "<del>public</del>" in page
    assert "No actions recorded" in text(oc.get(f"/c/{c.slug}/settings/log", query_string={"action": "member."}))
    assert "No actions recorded" in text(oc.get(f"/c/{c.slug}/settings/log", query_string={"since": "2999-01-01"}))
    r = oc.get(f"/c/{c.slug}/settings/log", query_string={"since": "2020-02-01", "until": "2020-01-01"})
    assert "The end date is before the start date" in text(r)


@pytest.fixture
def tools_world(app, make_user, make_community):
    owner, moder, member = make_user("owner"), make_user("moder"), make_user("member")
    c = make_community(owner, name="Announcements", access="public", members=[member], moderators=[moder])
    from forums import services as forums

    with app.test_request_context("/", method="POST"):
        forum = forums.create_forum(db.session.get(Community, c.id), db.session.get(User, owner.id), name="News")
        db.session.commit()
        forum_id = forum.id
    return owner, moder, member, c, forum_id


def test_moderators_only_posting_is_obeyed_by_every_tool(app, tools_world, client_for):
    owner, moder, member, c, forum_id = tools_world
    oc, mc, modc = client_for(owner), client_for(member), client_for(moder)
    base = f"/c/{c.slug}"
    topic = {"title": "Hello all", "body": "first", "tags": "", "token": ""}
    assert mc.post(f"{base}/forums/f/{forum_id}/new", data=topic).status_code == 302
    oc.post(f"{base}/settings", data={"name": c.name, "slug": c.slug, "access": "public", "posting": "moderators",
                                      "tools": ["wiki", "blog", "forums", "chat"]})
    with app.app_context():
        community = db.session.get(Community, c.id)
        assert community.posting == "moderators"
        assert not access.can_post(db.session.get(User, member.id), community)
        assert access.can_post(db.session.get(User, moder.id), community)
    # Members read but do not write, anywhere.
    assert mc.get(f"{base}/forums/f/{forum_id}").status_code == 200
    assert mc.post(f"{base}/forums/f/{forum_id}/new", data={**topic, "title": "Member topic"}).status_code == 403
    assert mc.get(f"{base}/wiki/-/new").status_code == 403
    assert mc.get(f"{base}/blog/new").status_code == 403
    room = text(mc.get(f"{base}/chat/", follow_redirects=True))
    assert 'data-can-post="0"' in room
    # Moderators and owners still post.
    assert modc.post(f"{base}/forums/f/{forum_id}/new", data={**topic, "title": "Moderator topic"}).status_code == 302
    assert modc.get(f"{base}/wiki/-/new").status_code == 200
    assert 'data-can-post="1"' in text(oc.get(f"{base}/chat/", follow_redirects=True))
    # Back to every member.
    oc.post(f"{base}/settings", data={"name": c.name, "slug": c.slug, "access": "public", "posting": "members",
                                      "tools": ["wiki", "blog", "forums", "chat"]})
    assert mc.get(f"{base}/wiki/-/new").status_code == 200
    assert [e[0] for e in log_of(app, c.id)] == ["forums.forum_create", "community.settings", "community.settings"]


def test_roles_and_removal_are_audited(app, make_user, make_community, client_for):
    owner, member, other = make_user("owner"), make_user("member"), make_user("other")
    c = make_community(owner, access="restricted", members=[member, other])
    oc = client_for(owner)
    r = oc.post(f"/c/{c.slug}/members/{member.id}/role", data={"role": "moderator"})
    assert r.status_code == 302
    oc.post(f"/c/{c.slug}/members/{member.id}/role", data={"role": "emperor"})
    oc.post(f"/c/{c.slug}/members/{other.id}/remove")
    assert client_for(other).get(f"/c/{c.slug}/").status_code == 404
    r = oc.post(f"/c/{c.slug}/members/{owner.id}/role", data={"role": "member"}, follow_redirects=True)
    assert "at least one owner" in text(r)
    assert log_of(app, c.id) == [("member.role", "member", {"role": "member"}, {"role": "moderator"}),
                                 ("member.remove", "other", {"role": "member"}, None)]


@pytest.fixture
def smtp():
    class Sink:
        messages: list = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
            return "250 OK"

    sink = Sink()
    sink.messages = []
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, sink
    controller.stop()


def test_bulk_invite_reports_each_entry_and_emails_unknown_addresses(app, make_user, make_community, client_for,
                                                                    admin_user, smtp):
    controller, sink = smtp
    owner, ivy, joe, mem = make_user("owner"), make_user("ivy"), make_user("joe"), make_user("mem")
    gone = make_user("gone", is_deactivated=True)
    c = make_community(owner, name="Design", access="restricted", members=[mem])
    oc = client_for(owner)
    # No mail server: an unknown email is just unknown, and stays in the box to fix.
    pasted = "@ivy, mem\njoe@example.com；nobody\n\nnew.person@corp.example, IVY, gone"
    r = oc.post(f"/c/{c.slug}/invite", data={"people": pasted})
    body = text(r)
    assert "Invited: Ivy and Joe" in body and "Already members: Mem" in body
    assert "No account for: nobody, new.person@corp.example, and gone" in body
    assert ">\r\nnobody\nnew.person@corp.example\ngone</textarea>" in body
    # With a mail server and open registration, the unknown address gets an email invitation.
    client_for(admin_user).post("/admin/settings", data={
        "registration_mode": "open", "community_creation": "all", "default_locale": "en",
        "smtp_host": "127.0.0.1", "smtp_port": controller.port})
    r = oc.post(f"/c/{c.slug}/invite", data={"people": "new.person@corp.example\nivy"})
    body = text(r)
    assert "Invited by email (no account yet): new.person@corp.example" in body
    assert "Invited before, still waiting: Ivy" in body
    (rcpt, msg), = sink.messages
    assert rcpt == ["new.person@corp.example"] and "Design" in str(msg["Subject"])
    link = re.search(r"http://\S+/register", msg.get_content()).group(0)
    # A second paste does not email again.
    assert "Invited by email before: new.person@corp.example" in text(
        oc.post(f"/c/{c.slug}/invite", data={"people": "new.person@corp.example"}))
    assert len(sink.messages) == 1
    # Registering with that address turns it into a waiting invitation to the restricted community.
    anon = client_for(None)
    r = anon.post(link.split("localhost", 1)[-1], data={"username": "newbie", "email": "New.Person@corp.example",
                                                        "password": "long-enough-1", "confirm": "long-enough-1"})
    assert r.status_code == 302
    assert "Design" in text(anon.get("/c/invitations"))
    with app.app_context():
        inv = db.session.scalars(select(Invitation).join(User, User.id == Invitation.user_id)
                                 .where(User.username == "newbie")).one()
        assert inv.community_id == c.id and inv.status == "pending"
    log = [e for e in log_of(app, c.id) if e[0] == "member.invite"]
    assert [e[3] for e in log] == [{"invited": ["ivy", "joe"], "emailed": []},
                                   {"invited": [], "emailed": ["new.person@corp.example"]}]
    # Invite-only registration: an owner cannot mail strangers in; an admin can (with a link).
    client_for(admin_user).post("/admin/settings", data={
        "registration_mode": "invite", "community_creation": "all", "default_locale": "en",
        "smtp_host": "127.0.0.1", "smtp_port": controller.port})
    assert "No account for: x@corp.example" in text(oc.post(f"/c/{c.slug}/invite", data={"people": "x@corp.example"}))
    r = client_for(admin_user).post(f"/c/{c.slug}/invite", data={"people": "x@corp.example"})
    assert "Invited by email (no account yet): x@corp.example" in text(r)
    assert "/register?invite=" in sink.messages[-1][1].get_content()


def test_join_requests_in_bulk_are_audited(app, make_user, make_community, client_for):
    owner, moder = make_user("owner"), make_user("moder")
    people = [make_user(f"asker{i}") for i in range(4)]
    c = make_community(owner, name="Guild", access="moderated", moderators=[moder])
    for p in people:
        client_for(p).post(f"/c/{c.slug}/request", data={"message": "let me in"})
    with app.app_context():
        ids = {r.user_id: r.id for r in db.session.scalars(select(JoinRequest))}
    mc = client_for(moder)
    r = mc.post(f"/c/{c.slug}/requests/bulk", data={"decision": "approve"}, follow_redirects=True)
    assert "Select the requests first" in text(r)
    r = mc.post(f"/c/{c.slug}/requests/bulk", data={"decision": "approve",
                                                     "request": [ids[people[0].id], ids[people[1].id]]},
                follow_redirects=True)
    assert "Now members: Asker0 and Asker1" in text(r)
    r = mc.post(f"/c/{c.slug}/requests/bulk", data={"decision": "decline",
                                                     "request": [ids[people[1].id], ids[people[2].id]]},
                follow_redirects=True)
    assert "Declined: Asker2" in text(r)  # the already approved one is left alone
    assert mc.post(f"/c/{c.slug}/requests/bulk", data={"decision": "maybe", "request": [1]}).status_code == 400
    with app.app_context():
        members = set(db.session.scalars(select(Membership.user_id).where(Membership.community_id == c.id)))
        assert {people[0].id, people[1].id} <= members and people[2].id not in members
        assert db.session.get(JoinRequest, ids[people[3].id]).status == "pending"
    assert [(a, t) for a, t, *_ in log_of(app, c.id)] == [
        ("request.approve", "asker0"), ("request.approve", "asker1"), ("request.decline", "asker2")]
    page = text(client_for(owner).get(f"/c/{c.slug}/requests"))
    assert page.count('name="request"') == 1 and "Asker3" in page
    # A deactivated person's request waits out of sight (and out of the count).
    with app.app_context():
        db.session.get(User, people[3].id).is_deactivated = True
        db.session.commit()
    page = text(client_for(owner).get(f"/c/{c.slug}/requests"))
    assert "Asker3" not in page and 'data-testid="request-count"' not in page


def test_email_invitations_have_a_budget_per_person(make_app, smtp):
    """With open registration anyone who may invite could have the site mail strangers in bulk:
    each person's email invitations are limited (COLLAB_INVITE_EMAIL_LIMIT); the rest wait in the box."""
    controller, sink = smtp
    app = make_app(RATELIMIT_ENABLED=True, INVITE_EMAIL_LIMIT="2 per day", SMTP_HOST="127.0.0.1",
                   SMTP_PORT=controller.port)
    from collab.accounts.services import create_user
    from collab.settings import set_setting
    from communities import services as community_services

    with app.app_context():
        create_user("siteadmin", "s@example.com", "correct-horse")
        owner = create_user("owner", "o@example.com", "correct-horse")
        set_setting("registration_mode", "open")
        slug = community_services.create_community(owner, name="Outreach").slug
        db.session.commit()
    c = app.test_client()
    assert c.post("/login", data={"login": "owner", "password": "correct-horse"}).status_code == 302
    body = text(c.post(f"/c/{slug}/invite", data={"people": "a@corp.example\nb@corp.example\nc@corp.example"}))
    assert "Invited by email (no account yet): a@corp.example and b@corp.example" in body
    assert "used up your email invitations for now (try again later): c@corp.example" in body
    assert ">\r\nc@corp.example</textarea>" in body  # kept to send later
    assert sorted(r for rcpt, _m in sink.messages for r in rcpt) == ["a@corp.example", "b@corp.example"]
    body = text(c.post(f"/c/{slug}/invite", data={"people": "c@corp.example"}))
    assert "used up your email invitations" in body and len(sink.messages) == 2
