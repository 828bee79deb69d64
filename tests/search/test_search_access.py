"""Only readable documents are found, and counts and facets are exact for the searcher."""
from __future__ import annotations

import re

import pytest

from collab.extensions import db

ACCESS = ["public", "moderated", "restricted"]
ROLES = ["outsider", "member", "moderator", "owner", "admin"]


@pytest.fixture
def world(make_user, make_community, admin_user, index_now):
    owner, moderator, member, outsider = make_user("owner"), make_user("moder"), make_user("member"), make_user("outsider")
    communities = {
        access: make_community(owner, name=f"Zephyrhills {access}", access=access, members=[member],
                               moderators=[moderator], description=f"The quokka handbook ({access}) 袋鼠手册",
                               tags="quokka")
        for access in ACCESS
    }
    index_now()
    people = {"owner": owner, "moderator": moderator, "member": member, "outsider": outsider, "admin": admin_user}
    return people, communities


@pytest.mark.parametrize("role", ROLES)
def test_results_counts_and_facets_follow_access(world, find, role):
    people, communities = world
    user = people[role]
    titles, body = find(user, "quokka")
    sees_restricted = role != "outsider"
    expected = {f"Zephyrhills {a}" for a in ACCESS if a != "restricted" or sees_restricted}
    assert set(titles) == expected
    count = int(re.search(r'data-testid="result-count">(\d+)', body).group(1))
    assert count == len(expected)
    # Facet counts are computed over readable documents only.
    assert re.search(r'>Communities</a> <span class="muted">(\d+)<', body).group(1) == str(len(expected))
    assert ("Zephyrhills restricted" in body) is sees_restricted
    # Chinese query, tag filter and in: filter obey the same rule.
    assert set(find(user, "袋鼠")[0]) == expected
    assert set(find(user, "tag:quokka")[0]) == expected
    titles, body = find(user, f"in:{communities['restricted'].slug}")
    assert (titles == ["Zephyrhills restricted"]) is sees_restricted
    if not sees_restricted:
        assert "No community you can see is called" in body


def test_people_with_different_access_searching_alike_each_get_their_own_page(world, find, client_for,
                                                                             index_now, app, make_community):
    """Pages are kept per exact set of readable matches (with the searcher): the same words
    searched in turn by an outsider and a member never hand one the other's page, count or facets."""
    people, _ = world
    for n in (1, 2):  # enough matches for everyone that no "did you mean" is looked for
        make_community(people["owner"], name=f"Zephyrhills extra {n}", description="More quokka lore")
    clients = {role: client_for(people[role]) for role in ("member", "outsider")}
    index_now()  # whatever signing in queued: the searches below share one searcher
    from collab.search.service import get_index

    with app.app_context():
        searcher = get_index().searcher()
    for role in ("member", "outsider", "member", "outsider"):
        titles, body = find(people[role], "quokka", client=clients[role])
        n = 5 if role == "member" else 4
        assert len(titles) == n and ("Zephyrhills restricted" in titles) is (role == "member"), role
        assert re.search(r'data-testid="result-count">(\d+)', body).group(1) == str(n)
        assert ("Zephyrhills restricted" in body) is (role == "member")
    with app.app_context():
        assert get_index().searcher() is searcher
    assert len(searcher.__dict__.get("_collab_pages", ())) == 2  # one kept page per set of matches


def test_type_ahead_respects_access(world, client_for):
    people, _ = world
    out = client_for(people["outsider"]).get("/search/suggest?q=zeph").get_json()["suggestions"]
    mem = client_for(people["member"]).get("/search/suggest?q=zeph").get_json()["suggestions"]
    assert {s["title"] for s in out} == {"Zephyrhills public", "Zephyrhills moderated"}
    assert {s["title"] for s in mem} == {"Zephyrhills public", "Zephyrhills moderated", "Zephyrhills restricted"}
    assert client_for(people["member"]).get("/search/suggest?q=z").get_json()["suggestions"] == []


def test_leaving_and_turning_restricted_take_effect_without_reindexing(world, find, client_for, app):
    people, communities = world
    member = people["member"]
    assert "Zephyrhills restricted" in find(member, "quokka")[0]
    client_for(member).post(f"/c/{communities['restricted'].slug}/leave")
    assert "Zephyrhills restricted" not in find(member, "quokka")[0]
    # The owner makes the public community restricted: the outsider loses it at once.
    owner = client_for(people["owner"])
    c = communities["public"]
    owner.post(f"/c/{c.slug}/settings", data={"name": c.name, "slug": c.slug, "description": c.description,
                                              "tags": "quokka", "access": "restricted"})
    assert "Zephyrhills public" not in find(people["outsider"], "quokka")[0]


def test_private_scopes_are_masked_except_for_their_owner(app, make_user, find, index_now):
    """Documents scoped to one person (drafts, direct messages) reach only that person."""
    from collab.search.indexer import document_fields
    from collab.search.registry import types

    ana, bo = make_user("ana"), make_user("bo")
    with app.app_context():
        index = app.extensions["collab_search"]
        st = types()["person"]
        from collab.accounts.models import User

        fields = document_fields(st, db.session.get(User, ana.id))
        fields.update(id="draft:1", type="person", scope=f"user:{ana.id}", title="Secret draft plan",
                      body="xylophone strategy")
        with index.writer() as w:
            w.update_document(**fields)
    assert find(ana, "xylophone")[0] == ["Secret draft plan"]
    assert find(bo, "xylophone")[0] == []


def test_deactivated_people_disappear(app, make_user, admin_user, client_for, find, index_now):
    carl = make_user("carl", display_name="Carl Quibble", title="Quibble engineer")
    index_now()
    viewer = make_user("viewer")
    assert "Carl Quibble (@carl)" in find(viewer, "quibble")[0]
    client_for(admin_user).post(f"/admin/users/{carl.id}/deactivate")
    index_now()
    assert find(viewer, "quibble")[0] == []


def test_did_you_mean_offers_only_words_the_person_may_read(make_user, make_community, find, index_now, client_for):
    """The spelling dictionary holds every community's words; a guess near a word of a restricted
    community must not confirm it to an outsider (asked after the member, whose page has it)."""
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    make_community(owner, name="Secret Lab", access="restricted", members=[member],
                   description="Codename zanzibarquux, the acquisition nobody mentions")
    make_community(owner, name="Open Lab", access="public", description="Our logistics handbook")
    index_now()
    clients = {who: client_for(who) for who in (member, outsider)}
    for who in (member, outsider, member, outsider):
        titles, body = find(who, "zanzibarquuz", client=clients[who])
        assert titles == []
        if who is member:
            assert "Did you mean" in body and ">zanzibarquux<" in body
        else:
            assert "zanzibarquux" not in body and "Did you mean" not in body
    titles, body = find(outsider, "logistcs", client=clients[outsider])  # a word they may read: offered
    assert titles == [] and "Did you mean" in body and ">logistics<" in body


def test_a_tool_switched_off_takes_its_content_out_of_search_and_back(app, make_user, make_community, find,
                                                                      index_now):
    from blogs import services as blogs
    from collab.accounts.models import User
    from communities.models import Community
    from forums import services as forums
    from wiki import hooks, services as wiki

    owner, reader = make_user("owner"), make_user("reader")
    c = make_community(owner, name="Merger Team", access="public")
    with app.test_request_context("/", method="POST"):
        community, me = db.session.get(Community, c.id), db.session.get(User, owner.id)
        page = wiki.create_page(community, me, title="Codename page", body="zanzibar wiki notes")
        hooks.created(page, me)
        forum = forums.create_forum(community, me, name="General")
        forums.create_topic(forum, me, title="Codename topic", body="zanzibar forum notes")
        blogs.create_post(blogs.Blog(community=community), me, blogs.PostInput(
            title="Codename post", body="zanzibar blog notes", action="publish"))
        db.session.commit()
    index_now()
    everything = ["Codename page", "Codename post", "Codename topic"]
    assert sorted(find(reader, "zanzibar")[0]) == everything

    def tools(names):
        with app.test_request_context("/", method="POST"):
            db.session.get(Community, c.id).tools = ",".join(names)
            db.session.commit()
        index_now()

    tools(["chat"])
    titles, body = find(reader, "zanzibar")
    assert titles == [] and "notes" not in body
    tools(["wiki", "blog", "forums", "chat"])
    assert sorted(find(reader, "zanzibar")[0]) == everything
