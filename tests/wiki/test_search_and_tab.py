"""Wiki pages are searchable by exactly the people who may read them; the Wiki tab."""
from __future__ import annotations

from tests.helpers import text
from tests.wiki.conftest import url


def test_search_finds_wiki_pages_only_for_readers(app, make_user, make_community, client_for, wiki, index_now, find):
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    secret = make_community(owner, name="Vault", access="restricted", members=[member])
    open_ = make_community(owner, name="Agora", access="public")
    wiki.create(secret, owner, "Zanzibar rollout plan", body="The **quetzal** migration, step by step. 迁移计划")
    wiki.create(open_, owner, "Quetzal glossary", body="What quetzal means here.")
    index_now()
    titles, body = find(member, "quetzal")
    assert set(titles) == {"Zanzibar rollout plan", "Quetzal glossary"}
    assert "/c/vault/wiki/zanzibar-rollout-plan" in body and "Wiki pages" in body
    assert set(find(outsider, "quetzal")[0]) == {"Quetzal glossary"}
    assert find(outsider, "zanzibar")[0] == []
    assert find(member, "迁移")[0] == ["Zanzibar rollout plan"]
    assert find(member, "quetzal type:wiki")[0] and set(find(member, "type:wiki quetzal")[0]) == set(titles)
    # Deleted pages leave the index; restored ones come back.
    mod = client_for(owner)
    mod.post(url(open_, "quetzal-glossary", "delete"))
    index_now()
    assert find(member, "glossary")[0] == []
    trashed = wiki.find(open_, "quetzal-glossary")
    mod.post(url(open_, f"-/trash/{trashed}/restore"))
    index_now()
    assert find(member, "glossary")[0] == ["Quetzal glossary"]


def test_search_follows_edits_renames_and_a_new_community_address(app, make_user, make_community, client_for, wiki,
                                                                   index_now, find):
    owner = make_user("owner")
    c = make_community(owner, name="Agora", access="public")
    page = wiki.create(c, owner, "Plan", body="first words")
    wiki.save(page, owner, "second words: xylophone", base=1)
    client = client_for(owner)
    client.post(url(c, "plan", "rename"), data={"title": "Marimba plan"})
    index_now()
    titles, body = find(owner, "xylophone")
    assert titles == ["Marimba plan"] and "/c/agora/wiki/marimba-plan" in body
    client.post(f"/c/{c.slug}/settings", data={"name": "Agora", "slug": "forum-square", "description": "",
                                              "tags": "", "access": "public", "tools": ["wiki"]})
    index_now()
    assert "/c/forum-square/wiki/marimba-plan" in find(owner, "xylophone")[1]


def test_wiki_tab_on_the_community_page(community, people, client_for, wiki):
    client = client_for(people["outsider"])
    body = text(client.get(f"/c/{community.slug}/"))
    assert f'<a href="/c/{community.slug}/wiki/" >Wiki</a>' in body
    wiki_page = text(client.get(url(community)))
    assert f'<a href="/c/{community.slug}/wiki/" aria-current="page">Wiki</a>' in wiki_page
    # The tool can be switched off in the settings.
    owner = client_for(people["owner"])
    owner.post(f"/c/{community.slug}/settings", data={"name": community.name, "slug": community.slug,
                                                      "description": "", "tags": "", "access": "public",
                                                      "tools": []})
    assert "/wiki/" not in text(client.get(f"/c/{community.slug}/"))
    assert client.get(url(community)).status_code == 404


def test_deleting_a_community_removes_its_pages_from_search(app, make_user, make_community, client_for, wiki,
                                                            admin_user, index_now, find):
    owner = make_user("owner")
    c = make_community(owner, name="Shortlived", access="public")
    wiki.create(c, owner, "Okapi handbook", body="okapi care")
    index_now()
    assert find(owner, "okapi")[0] == ["Okapi handbook"]
    client_for(admin_user).post(f"/admin/communities/{c.id}/delete", data={"confirm": "Shortlived"})
    index_now()
    assert find(owner, "okapi")[0] == []
    assert find(admin_user, "okapi")[0] == []


def test_chinese_pages_call_the_wiki_by_one_name(community, people, client_for, wiki, index_now):
    """In Chinese the tool is 维基 everywhere (its tab, its empty page, its search facet), as its
    settings and notices already said, not 'Wiki' on some pages and 维基 on others."""
    zh = {"Accept-Language": "zh-CN"}
    client = client_for(people["member"])
    empty = text(client.get(url(community), headers=zh))
    assert f'<a href="/c/{community.slug}/wiki/" aria-current="page">维基</a>' in empty
    assert "此维基还没有页面" in empty
    wiki.create(community, people["owner"], "Onboarding", body="Laptop and accounts.")
    index_now()
    page = text(client.get(url(community, "onboarding"), headers=zh))
    assert ">维基</a>" in page and "本维基的页面" in page
    results = text(client.get("/search?q=laptop", headers=zh))
    assert "维基页面" in results
    for body in (empty, page, results):
        assert "Wiki 页面" not in body and ">Wiki</a>" not in body
