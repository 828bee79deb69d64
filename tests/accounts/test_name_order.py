"""Alphabetical lists put names where a reader looks for them: accents and letter case do not
matter, and Chinese names sort by their pinyin among the Latin ones (张伟 under Z, 李娜 under L),
in the people directory, a community's members, the start page's and a profile's communities and
the admin console; a renamed person or community moves to their new place."""
from __future__ import annotations

from tests.helpers import text


def order(body: str, names: list[str], after: str = "") -> list[str]:
    body = body.split(after, 1)[1] if after else body
    found = {n: body.find(n) for n in names}
    assert all(i >= 0 for i in found.values()), {n: i for n, i in found.items() if i < 0}
    return sorted(names, key=found.get)


NAMES = ["Zoë Adams", "张伟", "Émile Roux", "李娜", "adam smith", "Bob Ngata"]


def test_people_directory_sorts_accents_case_and_pinyin_together(make_user, client_for):
    users = {n: make_user(f"p{i}", display_name=n) for i, n in enumerate(NAMES)}
    viewer = make_user("viewer", display_name="Viktor Ivanov")
    c = client_for(viewer)
    expected = ["adam smith", "Bob Ngata", "Émile Roux", "李娜", "Viktor Ivanov", "张伟", "Zoë Adams"]
    assert order(text(c.get("/people")), NAMES + ["Viktor Ivanov"], 'class="people-grid"') == expected
    # Renaming oneself moves one's place in the list.
    bob = client_for(users["Bob Ngata"])
    assert bob.post("/settings/profile", data={"display_name": "王芳", "timezone": ""}).status_code == 302
    names = [n for n in NAMES if n != "Bob Ngata"] + ["Viktor Ivanov", "王芳"]
    assert order(text(c.get("/people")), names, 'class="people-grid"') == \
        ["adam smith", "Émile Roux", "李娜", "Viktor Ivanov", "王芳", "张伟", "Zoë Adams"]


def test_community_members_sort_and_search_fold_beyond_ascii(make_user, make_community, client_for):
    people = [make_user(f"m{i}", display_name=n) for i, n in enumerate(NAMES)]
    owner = make_user("owner", display_name="Ola Owner")
    community = make_community(owner, name="Sorting Guild", members=people)
    c = client_for(people[0])
    members = text(c.get(f"/c/{community.slug}/members")).split('class="member-list', 1)[1]
    assert members.find("Ola Owner") < min(members.find(n) for n in NAMES)  # the owner first, then by name
    assert order(members, NAMES) == ["adam smith", "Bob Ngata", "Émile Roux", "李娜", "张伟", "Zoë Adams"]
    def listed(q):
        return text(c.get(f"/c/{community.slug}/members", query_string={"q": q})).split('class="member-list', 1)[-1]

    body = listed("ÉMILE")
    assert "Émile Roux" in body and "张伟" not in body
    body = listed("_")
    assert "Émile Roux" not in body and "adam smith" not in body


def test_communities_sort_by_name_on_the_start_page_the_profile_and_the_admin_console(
        make_user, make_community, client_for, admin_user):
    ana = make_user("ana")
    names = ["Zeta Ops", "阿里 Platform", "Édition Team", "beta testers"]
    made = {n: make_community(admin_user, name=n, members=[ana]) for n in names}
    expected = ["阿里 Platform", "beta testers", "Édition Team", "Zeta Ops"]  # a li, beta, edition, zeta
    c = client_for(ana)
    assert order(text(c.get("/")), names) == expected
    assert order(text(c.get("/u/ana")), names) == expected
    admin = client_for(admin_user)
    assert order(text(admin.get("/admin/communities")), names) == expected
    # A community renamed moves to its new place.
    r = admin.post(f"/c/{made['Zeta Ops'].slug}/settings", data={"name": "Alpha Ops", "description": "",
                                                                  "access": "public", "posting": "members"})
    assert r.status_code in (200, 302)
    names = ["Alpha Ops", "阿里 Platform", "Édition Team", "beta testers"]
    assert order(text(c.get("/")), names) == ["阿里 Platform", "Alpha Ops", "beta testers", "Édition Team"]


def test_the_community_directory_search_folds_case_beyond_ascii_and_takes_wildcards_literally(
        make_user, make_community, client_for):
    ana = make_user("ana")
    for name in ("Édition Team", "Группа Москва", "Plain Team"):
        make_community(ana, name=name)
    c = client_for(ana)

    def found(q):
        body = text(c.get("/c/", query_string={"q": q}))
        return [n for n in ("Édition Team", "Группа Москва", "Plain Team") if n in body]

    assert found("ÉDITION") == ["Édition Team"]
    assert found("москва") == ["Группа Москва"]
    assert found("_") == [] and found("%") == []
