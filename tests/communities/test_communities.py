from __future__ import annotations

import re

import pytest

from collab.extensions import db
from collab.settings import set_setting
from communities.models import Community, Membership
from tests.helpers import text


def create(client, **fields):
    data = {"name": "Product Design", "slug": "", "description": "", "tags": "", "access": "public"}
    data.update(fields)
    return client.post("/c/new", data=data)


def test_create_community_with_unicode_name_gets_readable_slug(client, make_user, login):
    login(make_user("owner"))
    r = create(client, name="产品设计 Product Design", description="## Goals\n\n* **ship**", tags="design, UX，设计")
    assert r.status_code == 302 and r.headers["Location"] == "/c/chan-pin-she-ji-product-design/"
    body = text(client.get(r.headers["Location"]))
    assert "产品设计 Product Design" in body
    assert '<h2 id="h-goals">Goals</h2>' in body and "<strong>ship</strong>" in body
    assert ">设计<" in body and ">ux<" in body
    assert "Owner" in body


def test_slug_rules_and_duplicates_keep_the_form(client, make_user, login):
    login(make_user("owner"))
    assert create(client, name="Alpha").status_code == 302
    r = create(client, name="Alpha", description="keep this text")
    assert r.status_code == 302 and r.headers["Location"] == "/c/alpha-2/"
    r = create(client, name="Beta team", slug="alpha", description="my long description", tags="x, y")
    body = text(r)
    assert r.status_code == 200 and "That address is taken by another community." in body
    assert 'value="Beta team"' in body and "my long description" in body and 'value="x, y"' in body
    assert "Use lowercase letters" in text(create(client, name="Gamma", slug="Not A Slug!"))
    assert "reserved" in text(create(client, name="Gamma", slug="new"))
    assert "This field is required." in text(create(client, name="   "))
    assert "between" in text(create(client, name="x" * 101)) or "longer than" in text(create(client, name="x" * 101))
    # Emoji-only names still get an address.
    assert create(client, name="🚀🚀").headers["Location"] == "/c/community/"


def test_right_to_left_and_html_names_render_safely(client, make_user, login):
    login(make_user("owner"))
    r = create(client, name="فريق التصميم <b>bold</b>")
    body = text(client.get(r.headers["Location"]))
    assert "فريق التصميم &lt;b&gt;bold&lt;/b&gt;" in body


def test_site_setting_can_restrict_creation_to_admins(app, client, make_user, login, client_for, admin_user):
    with app.app_context():
        set_setting("community_creation", "admins")
        db.session.commit()
    login(make_user("worker"))
    assert client.get("/c/new").status_code == 403
    assert create(client, name="Nope").status_code == 403
    assert "New community" not in text(client.get("/c/"))
    assert create(client_for(admin_user), name="Admin made").status_code == 302


def test_moderated_join_request_approve_and_decline(app, make_user, make_community, client_for):
    owner, ann, ben = make_user("owner"), make_user("ann"), make_user("ben")
    c = make_community(owner, name="Architecture Board", access="moderated")
    ann_c, ben_c, owner_c = client_for(ann), client_for(ben), client_for(owner)
    r = ann_c.post(f"/c/{c.slug}/request", data={"message": "I design APIs"}, follow_redirects=True)
    assert "Your request is sent" in text(r) and "Request sent" in text(r)
    ben_c.post(f"/c/{c.slug}/request", data={"message": ""})
    home = text(owner_c.get("/"))
    assert "Waiting for you" in home and "2 requests to join Architecture Board" in home
    page = text(owner_c.get(f"/c/{c.slug}/requests"))
    assert "I design APIs" in page and "Ann" in page and "Ben" in page
    with app.app_context():
        from communities.models import JoinRequest

        reqs = {r.user.username: r.id for r in db.session.query(JoinRequest)}
    r = owner_c.post(f"/c/{c.slug}/requests/{reqs['ann']}/approve", follow_redirects=True)
    assert "Ann is now a member." in text(r)
    owner_c.post(f"/c/{c.slug}/requests/{reqs['ben']}/decline")
    assert "Member" in text(ann_c.get(f"/c/{c.slug}/"))
    assert "Architecture Board" in text(ann_c.get("/c/?scope=mine"))
    assert "Architecture Board" not in text(ben_c.get("/c/?scope=mine"))
    assert "Request to join" in text(ben_c.get(f"/c/{c.slug}/"))
    # Deciding twice is refused clearly.
    r = owner_c.post(f"/c/{c.slug}/requests/{reqs['ann']}/decline", follow_redirects=True)
    assert "already decided" in text(r)
    # A member cannot decide requests.
    assert ann_c.post(f"/c/{c.slug}/requests/{reqs['ben']}/approve").status_code == 403


def test_withdraw_request(make_user, make_community, client_for):
    owner, ann = make_user("owner"), make_user("ann")
    c = make_community(owner, access="moderated")
    ann_c = client_for(ann)
    ann_c.post(f"/c/{c.slug}/request", data={"message": "hi"})
    r = ann_c.post(f"/c/{c.slug}/request/cancel", follow_redirects=True)
    assert "withdrawn" in text(r) and "Request to join" in text(r)


def test_invitation_to_restricted_community(app, make_user, make_community, client_for):
    owner, ivy, joe = make_user("owner"), make_user("ivy"), make_user("joe")
    c = make_community(owner, name="Security Champions", access="restricted")
    owner_c, ivy_c, joe_c = client_for(owner), client_for(ivy), client_for(joe)
    assert ivy_c.get(f"/c/{c.slug}/").status_code == 404
    r = owner_c.post(f"/c/{c.slug}/invite", data={"people": "ivy, nosuchperson"})
    # Who could be invited is; the unknown entry stays in the box to fix.
    assert "No account for: nosuchperson" in text(r) and "Invited: Ivy" in text(r)
    assert ">\r\nnosuchperson</textarea>" in text(r)
    r = owner_c.post(f"/c/{c.slug}/invite", data={"people": "@ivy\njoe@example.com"})
    assert "Invited: Joe" in text(r) and "Invited before, still waiting: Ivy" in text(r)
    # The invitee sees the invitation (and only the invitation) before joining.
    home = text(ivy_c.get("/"))
    assert "Security Champions" in home and 'data-testid="invitation-count">1<' in home
    with app.app_context():
        from communities.models import Invitation

        inv = {i.user.username: i.id for i in db.session.query(Invitation)}
    assert joe_c.post(f"/c/invitations/{inv['ivy']}/accept").status_code == 404  # not joe's
    r = ivy_c.post(f"/c/invitations/{inv['ivy']}/accept", follow_redirects=True)
    assert "You joined Security Champions" in text(r)
    joe_c.post(f"/c/invitations/{inv['joe']}/decline")
    assert joe_c.get(f"/c/{c.slug}/").status_code == 404
    assert ivy_c.get(f"/c/{c.slug}/members").status_code == 200


def test_leave_and_last_owner_cannot(make_user, make_community, client_for):
    owner, mia = make_user("owner"), make_user("mia")
    c = make_community(owner, access="restricted", members=[mia])
    mia_c, owner_c = client_for(mia), client_for(owner)
    r = owner_c.post(f"/c/{c.slug}/leave", follow_redirects=True)
    assert "The last owner cannot leave" in text(r)
    r = mia_c.post(f"/c/{c.slug}/leave", follow_redirects=True)
    assert "You left" in text(r)
    assert mia_c.get(f"/c/{c.slug}/").status_code == 404


def test_owner_changes_roles_and_removes_members(app, make_user, make_community, client_for):
    owner, mo, ned = make_user("owner"), make_user("mo"), make_user("ned")
    c = make_community(owner, members=[mo, ned])
    owner_c = client_for(owner)
    owner_c.post(f"/c/{c.slug}/members/{mo.id}/role", data={"role": "moderator"})
    mo_c = client_for(mo)
    assert mo_c.get(f"/c/{c.slug}/requests").status_code == 200
    assert mo_c.get(f"/c/{c.slug}/settings").status_code == 403
    owner_c.post(f"/c/{c.slug}/members/{mo.id}/role", data={"role": "owner"})
    # Now two owners: the first may step down.
    r = mo_c.post(f"/c/{c.slug}/members/{owner.id}/role", data={"role": "member"}, follow_redirects=True)
    assert "role is changed" in text(r)
    r = mo_c.post(f"/c/{c.slug}/members/{mo.id}/role", data={"role": "member"}, follow_redirects=True)
    assert r.status_code == 200
    assert owner_c.post(f"/c/{c.slug}/members/{ned.id}/role", data={"role": "owner"}).status_code == 403
    mo_c.post(f"/c/{c.slug}/members/{ned.id}/remove")
    with app.app_context():
        community = db.session.get(Community, c.id)
        assert community.member_count == db.session.query(Membership).filter_by(community_id=c.id).count() == 2
    r = mo_c.post(f"/c/{c.slug}/members/{mo.id}/role", data={"role": "superuser"}, follow_redirects=True)
    assert "Unknown role." in text(r)


def test_settings_edit_and_tag_and_scope_filters(client, make_user, login, make_community):
    owner = make_user("owner")
    login(owner)
    c = make_community(owner, name="Data", tags="sql, python")
    make_community(make_user("other"), name="Kitchen", tags="food")
    body = text(client.get("/c/?tag=python"))
    assert "Data" in body and "Kitchen" not in body
    body = text(client.get("/c/?scope=mine"))
    assert "Data" in body and "Kitchen" not in body
    r = client.post(f"/c/{c.slug}/settings", data={"name": "Data Guild", "slug": "data-guild", "description": "new",
                                                   "tags": "sql", "access": "moderated"})
    assert r.status_code == 302 and r.headers["Location"] == "/c/data-guild/settings"
    assert "Moderated" in text(client.get("/c/data-guild/"))
    assert client.get(f"/c/{c.slug}/").status_code == 404


def test_archived_community_is_read_only(app, make_user, make_community, client_for, admin_user):
    owner, walker = make_user("owner"), make_user("walker")
    c = make_community(owner, name="Old Project")
    admin = client_for(admin_user)
    r = admin.post(f"/admin/communities/{c.id}/archive", follow_redirects=True)
    assert "archived" in text(r)
    walker_c, owner_c = client_for(walker), client_for(owner)
    page = text(walker_c.get(f"/c/{c.slug}/"))
    assert "Archived, read-only" in page and ">Join<" not in page
    r = walker_c.post(f"/c/{c.slug}/join", follow_redirects=True)
    assert "archived and read-only" in text(r)
    assert owner_c.get(f"/c/{c.slug}/settings").status_code == 403
    assert "Old Project" not in text(walker_c.get("/c/"))
    admin.post(f"/admin/communities/{c.id}/restore")
    assert "You joined" in text(walker_c.post(f"/c/{c.slug}/join", follow_redirects=True))


def test_admin_transfers_and_deletes_with_typed_confirmation(app, make_user, make_community, client_for, admin_user):
    owner, heir = make_user("owner"), make_user("heir")
    c = make_community(owner, name="Handover", access="restricted")
    admin = client_for(admin_user)
    r = admin.post(f"/admin/communities/{c.id}/transfer", data={"username": "nobody"})
    assert "No active account" in text(r)
    admin.post(f"/admin/communities/{c.id}/transfer", data={"username": "heir"})
    heir_c = client_for(heir)
    assert heir_c.get(f"/c/{c.slug}/settings").status_code == 200
    assert client_for(owner).get(f"/c/{c.slug}/settings").status_code == 403  # now a moderator
    r = admin.post(f"/admin/communities/{c.id}/delete", data={"confirm": c.slug})
    assert "Type the name exactly as shown" in text(r) and f'value="{c.slug}"' in text(r)
    r = admin.post(f"/admin/communities/{c.id}/delete", data={"confirm": "Handover"}, follow_redirects=True)
    assert "were deleted" in text(r)
    assert heir_c.get(f"/c/{c.slug}/").status_code == 404
    with app.app_context():
        assert db.session.query(Membership).filter_by(community_id=c.id).count() == 0


def test_profile_lists_only_visible_communities(make_user, make_community, client_for):
    owner, viewer = make_user("owner"), make_user("viewer")
    make_community(owner, name="Open Garden")
    make_community(owner, name="Secret Lab", access="restricted")
    page = text(client_for(viewer).get("/u/owner"))
    assert "Open Garden" in page and "Secret Lab" not in page


def test_long_lists_page_through(client, make_user, login, make_community):
    owner = make_user("owner")
    login(owner)
    for i in range(26):
        make_community(owner, name=f"Guild {i:02d}")
    first = text(client.get("/c/"))
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/c/?page=2")
    assert second.status_code == 200 and "Page 2 of 2" in text(second) and 'rel="prev"' in text(second)
    members = make_community(owner, name="Crowd", members=[make_user(f"m{i}") for i in range(55)])
    r = client.get(f"/c/{members.slug}/members?page=2")
    assert r.status_code == 200 and "Page 2 of 2" in text(r)


def test_the_directory_marks_the_readers_own_communities_and_survives_a_page_past_the_end(
        client, make_user, login, make_community):
    owner = make_user("owner")
    reader = make_user("reader")
    for i in range(26):
        make_community(owner, name=f"Guild {i:02d}", members=[reader] if i in (5, 20) else [])
    login(reader)
    first = client.get("/c/").get_data(as_text=True)
    second = client.get("/c/?page=2").get_data(as_text=True)
    assert first.count('class="tag role"') + second.count('class="tag role"') == 2
    assert "Page 1 of 2" in text(client.get("/c/?page=1"))
    mine = text(client.get("/c/?scope=mine"))
    assert "Guild 05" in mine and "Guild 20" in mine and "Guild 06" not in mine and "Page" not in mine
    past = client.get("/c/?page=9")
    assert past.status_code == 200 and "No communities match." in text(past)


def test_directory_cards_show_the_description_as_plain_readable_text(client, make_user, login, make_community):
    owner = make_user("owner")
    make_community(owner, name="Shipyard", description=(
        "# Release crew\n\nShips **things**. Uses state-of-the-art `tools`, my_var names and _care_.\n\n"
        "- fast\n- calm\n\n> 用 **中文** 写。"))
    login(owner)
    html = client.get("/c/").get_data(as_text=True)
    excerpt = re.search(r'<p class="muted clamp">(.*?)</p>', html, re.S).group(1)
    # Blocks that end without punctuation (a heading, list items) are set apart, not run together.
    assert excerpt == ("Release crew · Ships things. Uses state-of-the-art tools, my_var names and care. "
                       "fast · calm · 用 中文 写。")


def test_search_within_a_community_from_its_page(app, client, make_user, login, make_community):
    from collab.search import flush

    owner = make_user("owner")
    login(owner)
    here = make_community(owner, name="Here", description="The walrus protocol lives here.")
    make_community(owner, name="Elsewhere", description="Another walrus protocol.")
    with app.app_context():
        flush(app)
    page = text(client.get(f"/c/{here.slug}/"))
    assert f'name="community" value="{here.id}"' in page
    results = text(client.get("/search", query_string={"q": "walrus", "community": here.id}))
    assert "Searching in Here" in results and ">Here<" in results and "Elsewhere" not in results


def cards(c) -> str:
    """The directory's cards (not its sidebar)."""
    page = c.get("/c/").get_data(as_text=True)
    return page[page.index('<ul class="community-list">'):].split("</ul>", 1)[0]


def test_cached_directory_cards_and_member_panel_follow_every_change(client, make_user, login, make_community,
                                                                     client_for):
    """The directory and the community home cache their rendering: each change shows at once."""
    owner, joiner = make_user("owner"), make_user("joiner", display_name="Jo Iner")
    c = make_community(owner, name="Data", tags="sql, python", description="First words")
    login(owner)
    body = cards(client)
    assert "Data" in body and "First words" in body and "python" in body and "1 member" in body
    assert "Jo Iner" not in text(client.get(f"/c/{c.slug}/"))
    client.post(f"/c/{c.slug}/settings", data={"name": "Data", "slug": c.slug, "description": "First words",
                                               "tags": "sql, rust", "access": "public"})
    body = cards(client)
    assert "rust" in body and "python" not in body  # a tags-only edit
    joined = client_for(joiner)
    before = cards(joined)
    assert joined.post(f"/c/{c.slug}/join").status_code == 302
    after = cards(joined)
    assert "Member" not in before and "Member" in after and "2 members" in after
    assert "Jo Iner" in text(client.get(f"/c/{c.slug}/"))
    client.post(f"/c/{c.slug}/settings", data={"name": "Data Guild", "slug": c.slug, "description": "Second words",
                                               "tags": "sql", "access": "public"})
    body = cards(client)
    assert "Data Guild" in body and "Second words" in body and "First words" not in body


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_cached_header_carries_each_readers_own_form_token_and_role(app, make_user, make_community):
    """The community header is kept per what it shows, never with a form token in it: two members
    see the same header, each with their own token, and each can leave with it."""
    from tests.conftest import csrf_token

    owner, mia, noa = make_user("owner"), make_user("mia"), make_user("noa")
    c = make_community(owner, "Harbour", members=[mia, noa])
    def signed_in(user):
        client = app.test_client()
        token = csrf_token(client.get("/login").get_data(as_text=True))
        r = client.post("/login", data={"login": user.username, "password": "correct-horse", "csrf_token": token})
        assert r.status_code == 302
        return client

    mia_c, noa_c = signed_in(mia), signed_in(noa)
    mia_page = mia_c.get(f"/c/{c.slug}/").get_data(as_text=True)
    noa_page = noa_c.get(f"/c/{c.slug}/").get_data(as_text=True)
    mia_token = re.search(rf'action="/c/{c.slug}/leave"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                          mia_page).group(1)
    noa_token = re.search(rf'action="/c/{c.slug}/leave"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                          noa_page).group(1)
    assert mia_token == csrf_token(mia_page) and noa_token == csrf_token(noa_page) and mia_token != noa_token
    assert "\x00" not in mia_page + noa_page
    assert noa_c.post(f"/c/{c.slug}/leave", data={"csrf_token": noa_token}).status_code == 302
    after = noa_c.get(f"/c/{c.slug}/").get_data(as_text=True)
    assert f'action="/c/{c.slug}/leave"' not in after and f'action="/c/{c.slug}/join"' in after
    assert "3 members" in mia_page and "2 members" in mia_c.get(f"/c/{c.slug}/").get_data(as_text=True)


def test_a_community_says_how_long_ago_it_was_created_with_the_exact_time_on_hover(app, make_user, make_community,
                                                                                   client_for):
    # As every other date of content: "Created 1 year ago" / "1年前创建", the exact time on hover.
    from datetime import datetime

    owner = make_user("ada")
    community = make_community(owner, name="Sundial")
    zh = make_user("li", locale="zh_Hans", timezone="Asia/Shanghai")
    with app.app_context():
        db.session.get(Community, community.id).created_at = datetime(2025, 6, 2, 23, 30, 5)
        db.session.commit()
    for who, line in ((owner, r'Created <time datetime="2025-06-02T23:30:05\+00:00" title="Jun 2, 2025, 11:30:05\sPM">1 year ago</time>'),
                      (zh, r'<time datetime="2025-06-02T23:30:05\+00:00" title="2025年6月3日 07:30:05">1年前</time>创建')):
        page = text(client_for(who).get("/c/sundial/"))
        assert re.search(rf'<p class="muted small">{line}</p>', page), (who.username, re.findall(r"Created.*|.*创建", page))
