"""`collab demo`: what a newcomer notices after loading the demo into an instance."""
from __future__ import annotations

import re
from types import SimpleNamespace

import click
import pytest
from sqlalchemy import func, select

from collab.accounts.models import User
from collab.demo import load_demo
from collab.extensions import db
from communities.models import Community, Invitation, JoinRequest, Membership
from tests.helpers import assert_no_active_content, text

PASSWORD = "demo-secret-42"
# The people and communities only: what the tools hold is read in test_demo_content.py, from one
# demo loaded per module (with the content a load takes about twice as long).


@pytest.fixture
def demo(app):
    with app.app_context():
        return load_demo(PASSWORD, with_content=False)


@pytest.fixture
def sign_in(app, login):
    """A fresh client signed in as a demo account (they all share PASSWORD)."""

    def do(username: str, password: str = PASSWORD):
        return login(SimpleNamespace(username=username), password, c=app.test_client())

    return do


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, Community, Membership, JoinRequest, Invitation)
    }


def _members_listed(client, slug: str) -> list[str]:
    body = text(client.get(f"/c/{slug}/members"))
    assert 'rel="next"' not in body, "the demo communities fit on one members page"
    block = body.split('<ul class="member-list card">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a class="strong" href="/u/([^"]+)"', block)


def _fingerprint():
    rows = db.session.execute(
        select(Community.slug, User.username, Membership.role)
        .join(Membership, Membership.community_id == Community.id).join(User, User.id == Membership.user_id)
    ).all()
    pending = db.session.execute(
        select(Community.slug, User.username).join(JoinRequest, JoinRequest.community_id == Community.id)
        .join(User, User.id == JoinRequest.user_id).where(JoinRequest.status == "pending")
    ).all()
    invited = db.session.execute(
        select(Community.slug, User.username).join(Invitation, Invitation.community_id == Community.id)
        .join(User, User.id == Invitation.user_id).where(Invitation.status == "pending")
    ).all()
    return sorted(map(tuple, rows)), sorted(map(tuple, pending)), sorted(map(tuple, invited))


def test_summary_tells_how_to_sign_in_and_the_accounts_work(app, demo, sign_in):
    assert f"Sign in as demo-admin / {PASSWORD} (site admin)" in demo
    assert "40 people" in demo and "13 communities" in demo
    assert re.search(r"^\s+ana\s", demo, re.M) and re.search(r"^\s+wangfang\s", demo, re.M)

    admin = sign_in("demo-admin")
    assert "Welcome, Demo Admin" in text(admin.get("/"))
    assert admin.get("/admin/").status_code == 200

    wrong = app.test_client().post("/login", data={"login": "demo-admin", "password": "demo-password-wrong"})
    assert wrong.status_code != 302

    ana = sign_in("ana")
    assert ana.get("/admin/").status_code in (403, 404)
    # wangfang is a Chinese speaker: her interface is in 简体中文 and her profile is bilingual.
    wangfang = sign_in("wangfang")
    assert '<html lang="zh-Hans">' in text(wangfang.get("/"))
    profile = text(ana.get("/u/wangfang"))
    assert "王芳" in profile and "产品部" in profile and "Shanghai" in profile
    assert "<li>十年 B2B SaaS 产品经验</li>" in profile  # the Markdown bio is rendered
    assert ">产品规划<" in profile and ">roadmaps<" in profile


def test_people_are_a_realistic_bilingual_mix(app, demo):
    with app.app_context():
        people = db.session.scalars(select(User)).all()
        assert len(people) == 40
        assert all(p.username.isascii() for p in people)
        chinese = [p for p in people if re.search(r"[\u4e00-\u9fff]", p.display_name)]
        assert len(chinese) >= 12
        zh = [p for p in people if p.locale == "zh_Hans"]
        assert len(zh) >= 10 and all(p.timezone == "Asia/Shanghai" for p in zh)
        departments = {p.department for p in people}
        assert {"Engineering", "产品部", "Sales", "人力资源", "Support"} <= departments
        assert {"Shanghai", "Shenzhen", "Berlin", "Austin", "Bangalore"} <= {p.location for p in people}
        assert all(p.bio_html and p.title and p.expertise for p in people)
        assert [p.username for p in people if p.is_admin] == ["demo-admin"]
        # One password for all, but every account has its own session nonce.
        assert all(p.check_password(PASSWORD) for p in people[:3])
        assert len({p.session_nonce for p in people}) == 40


def test_communities_list_shows_english_and_chinese_communities(demo, sign_in):
    ana = sign_in("ana")
    body = text(ana.get("/c/"))
    for name in ("All Hands / 全员", "Platform Engineering", "产品设计 Product Design", "新员工入职 Onboarding",
                 "Customer Success", "数据分析与 AI", "Architecture Review Board", "前端公会 Frontend Guild"):
        assert name in body, name
    # Biggest first: the company-wide community leads the list; the archived one is not listed.
    assert body.index("All Hands / 全员") < body.index("Platform Engineering") < body.index("Running Club")
    assert "Office Move" not in body
    assert ">全员 <" in body or ">全员<" in body  # Chinese tags in the tag cloud
    assert "产品设计 Product Design" in text(ana.get("/c/?q=产品"))
    assert "数据分析与 AI" in text(ana.get("/c/?tag=数据分析"))


def test_restricted_communities_are_invisible_to_non_members(app, demo, sign_in):
    with app.app_context():
        sc = db.session.scalar(select(Community).where(Community.slug == "security-champions"))
        assert sc.access == "restricted"
        members = set(db.session.scalars(
            select(User.username).join(Membership, Membership.user_id == User.id).where(Membership.community_id == sc.id)
        ))
        invited = set(db.session.scalars(
            select(User.username).join(Invitation, Invitation.user_id == User.id)
            .where(Invitation.community_id == sc.id, Invitation.status == "pending")
        ))
        outsider = db.session.scalar(
            select(User.username).where(User.username.not_in(members | invited), User.is_admin.is_(False))
            .order_by(User.id)
        )
    assert outsider and invited and "sophie" in members

    for who in (outsider, sorted(invited)[0]):  # an invitation alone does not open it
        c = sign_in(who)
        assert c.get("/c/security-champions/").status_code == 404
        assert c.get("/c/security-champions/members").status_code == 404
        assert "Security Champions" not in text(c.get("/c/"))
        assert "Security Champions" not in text(c.get("/c/?q=security"))
        assert "Security Champions" not in text(c.get("/u/sophie"))

    member = sign_in("sophie")
    page = member.get("/c/security-champions/")
    assert page.status_code == 200 and "Security Champions" in text(page)
    assert "Security Champions" in text(member.get("/c/"))
    assert sign_in("demo-admin").get("/c/security-champions/").status_code == 200
    # Ana is invited to the Leadership Forum, not yet a member: it stays hidden until she accepts.
    ana = sign_in("ana")
    assert ana.get("/c/leadership-forum/").status_code == 404
    assert "Leadership Forum" in text(ana.get("/c/invitations"))


def test_descriptions_render_as_html(demo, sign_in):
    c = sign_in("priya")
    onboarding = text(c.get("/c/onboarding/"))
    assert "<table>" in onboarding and "<th>天 Day</th>" in onboarding
    assert re.search(r"<h2[^>]*>欢迎加入！Welcome aboard!</h2>", onboarding)
    assert 'type="checkbox"' in onboarding  # task list
    assert 'href="/c/all-hands/"' in onboarding and 'href="/u/chenjing"' in onboarding
    assert "|---|" not in onboarding and "<<" not in onboarding
    platform = text(c.get("/c/platform-engineering/"))
    assert "<pre>" in platform and "kubectl" in platform and "```" not in platform
    assert 'href="/c/architecture-review-board/"' in platform
    for body in (onboarding, platform):
        assert_no_active_content(body)


def test_member_counts_match_the_members_pages(app, demo, sign_in):
    with app.app_context():
        rows = db.session.execute(select(Community.slug, Community.member_count)).all()
        actual = dict(db.session.execute(
            select(Community.slug, func.count(Membership.id)).join(Membership, Membership.community_id == Community.id)
            .group_by(Community.slug)
        ).all())
    admin = sign_in("demo-admin")
    for slug, count in rows:
        listed = _members_listed(admin, slug)
        assert len(listed) == len(set(listed)) == count == actual[slug], slug
        assert f"{count} members" in text(admin.get(f"/c/{slug}/"))
    counts = sorted(count for _, count in rows)
    assert counts[-1] >= 30 and counts[0] <= 6  # a long tail: one big community, small niche ones
    assert dict(rows)["all-hands"] == counts[-1]


def test_owners_see_requests_waiting_and_invitees_see_invitations(demo, sign_in):
    ana = sign_in("ana")
    home = text(ana.get("/"))
    assert "Waiting for you" in home and "3 requests to join Architecture Review Board" in home
    assert "Leadership Forum" in home  # her own invitation
    requests = text(ana.get("/c/architecture-review-board/requests"))
    assert "Rahul Sharma" in requests and "刘洋" in requests and "想加入评审" in requests
    assert 'href="/c/product-design/requests"' in text(sign_in("wangfang").get("/"))
    assert "跑步俱乐部 Running Club" in text(sign_in("priya").get("/c/invitations"))
    # A moderator of a moderated community sees the requests too; an ordinary member does not.
    assert sign_in("david").get("/c/architecture-review-board/requests").status_code == 200
    assert sign_in("jonas").get("/c/architecture-review-board/requests").status_code == 403


def test_loading_twice_changes_nothing(app, demo, sign_in):
    with app.app_context():
        before = _counts(), _fingerprint()
        again = load_demo("another-password")
        assert "demo data is loaded already" in again
        assert (_counts(), _fingerprint()) == before
    sign_in("demo-admin")  # the first password still works


def test_demo_fits_beside_existing_accounts_and_communities(app, make_user, make_community, sign_in):
    existing_ana = make_user("ana", display_name="Ana From Finance")
    make_community(existing_ana, name="All Hands")  # takes the /c/all-hands/ address
    with app.app_context():
        summary = load_demo(PASSWORD, with_content=False)
        assert re.search(r"^\s+ana-demo\s", summary, re.M)
        assert db.session.scalar(select(User.is_admin).where(User.username == "siteadmin"))
        assert db.session.scalar(select(User.is_admin).where(User.username == "demo-admin"))
        assert db.session.scalar(select(func.count(Membership.id)).where(Membership.user_id == existing_ana.id)) == 1
    sign_in("ana", "correct-horse")  # the earlier account keeps its password
    with pytest.raises(AssertionError):
        sign_in("ana")
    c = sign_in("ana-demo")
    assert 'href="/c/all-hands-2/"' in text(c.get("/c/onboarding/"))
    assert "All Hands / 全员" in text(c.get("/c/all-hands-2/"))


def test_demo_is_deterministic(app, demo):
    with app.app_context():
        first = _fingerprint()
        db.session.remove()
        db.drop_all()
        db.create_all()
        load_demo(PASSWORD, with_content=False)
        assert _fingerprint() == first


def test_a_short_password_is_refused(app):
    with app.app_context():
        with pytest.raises(click.ClickException):
            load_demo("short")
        assert db.session.scalar(select(func.count(User.id))) == 0


def stores_then_fails(community, ctx):
    """A tool's demo content that stores its first step (as chat stores each message when it is
    sent) and fails on the next."""
    yield ctx.ago(days=2)
    db.session.commit()
    yield ctx.ago(days=1)
    raise RuntimeError("disk full")


def test_a_load_that_stopped_part_way_is_not_taken_for_a_finished_one(app, monkeypatch):
    import dataclasses

    from collab import tools

    chat = tools._tools["chat"]
    monkeypatch.setitem(tools._tools, "chat", dataclasses.replace(chat, demo_content=f"{__name__}:stores_then_fails"))
    with app.app_context():
        with pytest.raises(RuntimeError, match="disk full"):
            load_demo(PASSWORD)
        assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "demo-admin")) == 1
    monkeypatch.setitem(tools._tools, "chat", chat)
    with app.app_context():
        with pytest.raises(click.ClickException, match="stopped part-way"):
            load_demo(PASSWORD)


def test_a_demo_an_older_collab_loaded_whole_still_reads_as_loaded(app, demo):
    from collab.settings import SiteSetting

    with app.app_context():  # an older collab wrote no marks (its demo was one transaction)
        db.session.execute(SiteSetting.__table__.delete().where(SiteSetting.key.like("demo_%")))
        db.session.commit()
        assert "demo data is loaded already" in load_demo("another-password")
