"""The page tree: titles and addresses, rename with redirects, move (no cycles), order, trash."""
from __future__ import annotations

import re

import pytest

from tests.helpers import text
from tests.wiki.conftest import url


@pytest.fixture
def tree(community, people, wiki):
    """Home > Guides > (Setup > Advanced, Style); Home > FAQ"""
    owner = people["owner"]
    home = wiki.create(community, owner, "Home", body="Welcome")
    guides = wiki.create(community, owner, "Guides", parent=home)
    setup = wiki.create(community, owner, "Setup", parent=guides, body="Install it.")
    advanced = wiki.create(community, owner, "Advanced", parent=setup)
    style = wiki.create(community, owner, "Style", parent=guides)
    faq = wiki.create(community, owner, "FAQ", parent=home)
    return {"home": home, "guides": guides, "setup": setup, "advanced": advanced, "style": style, "faq": faq}


def test_paths_follow_the_tree(tree, wiki):
    assert wiki.page(tree["advanced"]).path == "home/guides/setup/advanced"
    assert wiki.page(tree["faq"]).path == "home/faq"


@pytest.mark.parametrize("title,message", [
    ("", "A page needs a title."),
    ("   ", "A page needs a title."),
    ("x" * 201, "at most 200 characters; this one has 201"),
    ("x" * 300, "at most 200 characters; this one has 300"),
    ("Design/Specs", "cannot contain /"),
    ("a [[b]] c", "cannot contain [ ]"),
    ("this | that", "cannot contain |"),
    ("faq", "“Home” has a subpage called “FAQ” already"),  # siblings, case-insensitively
    ("ＦＡＱ", "“Home” has a subpage called “FAQ” already"),  # full-width letters fold too
    # punctuation alone names nothing (it got the addresses page-2, page-3 ...)
    (".", "A title needs at least one letter, digit or Chinese character"),
    ("..", "A title needs at least one letter, digit or Chinese character"),
    ("-", "A title needs at least one letter, digit or Chinese character"),
    ("- ? …", "A title needs at least one letter, digit or Chinese character"),
])
def test_title_rules(community, people, client_for, tree, title, message):
    client = client_for(people["member"])
    r = client.post(url(community, "-/new"), data={"title": title, "parent": str(tree["home"]), "body": "x"})
    assert r.status_code == 200 and message in text(r), text(r)[-3000:]


@pytest.mark.parametrize("title,path", [
    ("产品设计 规范", "home/chan-pin-she-ji-gui-fan"),
    ("Release 🎉 party", "home/release-party"),
    ("🎉🎉", "home/page"),
    ("1.", "home/1"),
    ("文", "home/wen"),
    ("C++ & C#: notes", "home/c-c-notes"),
    ("x" * 200, "home/" + "x" * 64),
])
def test_titles_with_chinese_emoji_and_symbols(community, people, client_for, tree, wiki, title, path):
    client = client_for(people["member"])
    r = client.post(url(community, "-/new"), data={"title": title, "parent": str(tree["home"]), "body": "x"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/wiki/" + path)
    assert title in text(client.get(r.headers["Location"])).replace("&amp;", "&")


def test_same_title_under_other_parents_and_slug_clashes(community, people, wiki, tree):
    owner = people["owner"]
    other_setup = wiki.page(wiki.create(community, owner, "Setup", parent=tree["faq"]))
    assert other_setup.path == "home/faq/setup"
    # Different titles, same slug: the address gets a number.
    c1 = wiki.page(wiki.create(community, owner, "C", parent=tree["home"]))
    c2 = wiki.page(wiki.create(community, owner, "C!", parent=tree["home"]))
    assert (c1.path, c2.path) == ("home/c", "home/c-2")


def test_rename_redirects_old_addresses(community, people, client_for, tree, wiki):
    member = client_for(people["member"])
    r = member.post(url(community, "home/guides", "rename"), data={"title": "Handbooks"}, follow_redirects=True)
    assert "The page is renamed" in text(r)
    assert wiki.page(tree["guides"]).path == "home/handbooks"
    assert wiki.page(tree["advanced"]).path == "home/handbooks/setup/advanced"
    for old, new in [("home/guides", "home/handbooks"), ("home/guides/setup/advanced", "home/handbooks/setup/advanced")]:
        r = member.get(url(community, old))
        assert r.status_code == 308 and r.headers["Location"].endswith(f"/wiki/{new}")
    # Actions and their query strings follow too.
    r = member.get(url(community, "home/guides/setup", "diff") + "?from=1&to=1&view=inline")
    assert r.status_code == 308 and r.headers["Location"].endswith("/wiki/home/handbooks/setup/-/diff?from=1&to=1&view=inline")
    # The rename is in the history, with the old title.
    history = text(member.get(url(community, "home/handbooks", "history")))
    assert "Renamed" in history and "from “Guides”" in history
    # A new page may take the old address; it then wins over the redirect.
    wiki.create(community, people["owner"], "Guides", parent=tree["home"])
    assert member.get(url(community, "home/guides")).status_code == 200
    # Case-only renames keep the address.
    member.post(url(community, "home/faq", "rename"), data={"title": "Faq"})
    assert wiki.page(tree["faq"]).path == "home/faq" and wiki.page(tree["faq"]).title == "Faq"


def test_rename_refuses_a_sibling_title(community, people, client_for, tree, wiki):
    r = client_for(people["member"]).post(url(community, "home/faq", "rename"), data={"title": "GUIDES"})
    assert "“Home” has a subpage called “Guides” already" in text(r)
    assert wiki.page(tree["faq"]).title == "FAQ"


def test_move_under_itself_or_a_descendant_is_refused(community, people, client_for, tree, wiki):
    mod = client_for(people["moderator"])
    for target in ("guides", "setup", "advanced"):
        r = mod.post(url(community, "home/guides", "move"), data={"parent": str(tree[target])})
        assert r.status_code == 200
        # A stale or hand-made form gets the reason, not a generic "Not a valid choice".
        assert "cannot be moved under itself or under one of its own subpages" in text(r)
    r = mod.post(url(community, "home/guides", "move"), data={"parent": "999999"})
    assert r.status_code == 200 and "That parent page does not exist" in text(r)
    # The service refuses it too, with the message (the form does not even offer those parents).
    from wiki.services import WikiError

    with pytest.raises(WikiError, match="cannot be moved under itself or under one of its own subpages"):
        wiki.call("move_page", tree["guides"], people["moderator"], tree["advanced"])
    with pytest.raises(WikiError, match="cannot be moved under itself"):
        wiki.call("move_page", tree["guides"], people["moderator"], tree["guides"])
    form = text(mod.get(url(community, "home/guides", "move")))
    assert f'value="{tree["faq"]}"' in form and f'value="{tree["setup"]}"' not in form
    assert wiki.page(tree["guides"]).path == "home/guides"


def test_move_carries_the_subtree_and_redirects(community, people, client_for, tree, wiki):
    mod = client_for(people["moderator"])
    r = mod.post(url(community, "home/guides/setup", "move"), data={"parent": str(tree["faq"])})
    assert r.status_code == 302 and r.headers["Location"].endswith("/wiki/home/faq/setup")
    assert wiki.page(tree["advanced"]).path == "home/faq/setup/advanced"
    assert mod.get(url(community, "home/guides/setup/advanced")).headers["Location"].endswith(
        "/wiki/home/faq/setup/advanced")
    # To the top level.
    mod.post(url(community, "home/faq/setup", "move"), data={"parent": ""})
    assert wiki.page(tree["setup"]).path == "setup" and wiki.page(tree["setup"]).parent_id is None
    # A title taken among the new siblings is refused.
    wiki.create(community, people["owner"], "Style", parent=tree["faq"])
    r = mod.post(url(community, "home/guides/style", "move"), data={"parent": str(tree["faq"])})
    assert "“FAQ” has a subpage called “Style” already" in text(r)


def test_reorder_siblings(community, people, client_for, tree, wiki):
    mod = client_for(people["moderator"])

    def order():
        page = text(mod.get(url(community, "home")))
        return [t for t in ("Guides", "FAQ") if t in page] and sorted(("Guides", "FAQ"), key=page.index)

    assert order() == ["Guides", "FAQ"]
    assert mod.post(url(community, "home/faq", "reorder"), data={"where": "up"}).status_code == 302
    assert order() == ["FAQ", "Guides"]
    mod.post(url(community, "home/faq", "reorder"), data={"where": "last"})
    assert order() == ["Guides", "FAQ"]
    assert mod.post(url(community, "home/faq", "reorder"), data={"where": "sideways"}).status_code == 400


def test_trash_and_restore(community, people, client_for, tree, wiki):
    mod, member = client_for(people["moderator"]), client_for(people["member"])
    r = mod.post(url(community, "home/guides", "delete"), follow_redirects=True)
    assert "“Guides” and its 3 subpages are in the trash." in text(r)
    assert member.get(url(community, "home/guides/setup")).status_code == 404
    assert "Setup" not in text(member.get(url(community, "home")))  # nor in the tree
    # Moderators still see the page, marked as in the trash.
    assert "This page is in the trash" in text(mod.get(url(community, "home/guides")))
    trash = text(mod.get(url(community, "-/trash")))
    assert "Guides" in trash and "with 3 subpages" in trash and "Advanced" not in trash
    r = mod.post(url(community, f"-/trash/{tree['guides']}/restore"), follow_redirects=True)
    assert "“Guides” is restored." in text(r)
    assert member.get(url(community, "home/guides/setup/advanced")).status_code == 200


def test_restore_refused_when_the_place_is_taken(community, people, client_for, tree, wiki):
    mod = client_for(people["moderator"])
    mod.post(url(community, "home/faq", "delete"))
    wiki.create(community, people["owner"], "faq", parent=tree["home"])
    r = mod.post(url(community, f"-/trash/{tree['faq']}/restore"), follow_redirects=True)
    assert "A page called “FAQ” exists in its place now" in text(r)
    # A subpage deleted with its parent comes back with it, not alone.
    mod.post(url(community, "home/guides", "delete"))
    r = mod.post(url(community, f"-/trash/{tree['setup']}/restore"), follow_redirects=True)
    assert "deleted together with “Guides”" in text(r)


def test_restore_after_a_slug_was_taken_gets_a_new_address(community, people, client_for, tree, wiki):
    mod = client_for(people["moderator"])
    mod.post(url(community, "home/faq", "delete"))
    wiki.create(community, people["owner"], "FAQ!", parent=tree["home"])  # another title, same slug "faq"
    mod.post(url(community, f"-/trash/{tree['faq']}/restore"))
    assert wiki.page(tree["faq"]).path == "home/faq-2"


def test_wiki_home_offers_to_create_home(community, people, client_for, wiki):
    member = client_for(people["member"])
    body = text(member.get(url(community)))
    assert "This wiki has no pages yet" in body and "Create the Home page" in body
    form = text(member.get(url(community, "-/new") + "?title=Home"))
    assert 'value="Home"' in form
    r = member.post(url(community, "-/new"), data={"title": "Home", "parent": "", "body": "Hello wiki"})
    assert r.headers["Location"].endswith("/wiki/home")
    assert "Hello wiki" in text(member.get(url(community)))
    # New pages go under Home unless told otherwise.
    form = text(member.get(url(community, "-/new")))
    home_id = wiki.find(community, "home")
    assert f'<option selected value="{home_id}">' in form or f'value="{home_id}" selected' in form
    reader = client_for(people["outsider"])
    assert "Create the Home page" not in text(reader.get(url(community, "-/recent")))


def test_the_tree_navigation(community, people, client_for, tree):
    body = text(client_for(people["outsider"]).get(url(community, "home/guides/setup")))
    nav = body[body.index('class="wiki-tree"'):body.index("wiki-nav-links")]
    # Open along the current page, the current page marked, every page reachable by a link.
    assert nav.count("<details open>") == 3  # Home, Guides, Setup
    assert 'href="/c/handbook/wiki/home/guides/setup" aria-current="page"' in nav
    for path in ("home", "home/guides", "home/guides/setup/advanced", "home/guides/style", "home/faq"):
        assert f'href="/c/handbook/wiki/{path}"' in nav
    crumbs = body[body.index('class="crumbs"'):body.index("<h1>Setup")]
    assert ">Home</a>" in crumbs and ">Guides</a>" in crumbs


def test_the_cached_tree_follows_changes_made_by_another_server_process(community, people, client_for, tree, wiki,
                                                                        app_on_same_instance, login):
    """Each process caches the tree under the wiki's tree version; a change made elsewhere bumps it."""
    other = app_on_same_instance()
    here = client_for(people["member"])
    there = login(people["moderator"], c=other.test_client())
    assert "Style" in text(here.get(url(community, "home")))  # cached here now
    assert there.post(url(community, "home/guides/style", "rename"), data={"title": "Tone"}).status_code == 302
    there.post(url(community, "-/new"), data={"title": "Glossary", "parent": str(tree["home"]), "body": "x"})
    nav = text(here.get(url(community, "home")))
    nav = nav[nav.index('class="wiki-tree"'):nav.index("wiki-nav-links")]
    assert "Tone" in nav and "Style" not in nav and "Glossary" in nav
    # A change that rolls back leaves no trace in any cache.
    there.post(url(community, "home/faq", "rename"), data={"title": "Guides"})  # refused: a sibling has it
    nav = text(there.get(url(community, "home")))
    nav = nav[nav.index('class="wiki-tree"'):nav.index("wiki-nav-links")]
    assert nav.count(">Guides</a>") == 1 and ">FAQ</a>" in nav


def _nav(html: str) -> str:
    return re.search(r'<nav class="wiki-nav".*?</nav>', html, re.DOTALL).group(0)


def test_the_navigation_opens_the_current_branch_and_marks_the_page(community, people, client_for, tree, wiki):
    client = client_for(people["member"])
    wiki.create(community, people["owner"], "<i>Bold & co", parent=tree["faq"])
    nav = _nav(text(client.get(url(community, "home/guides/setup"))))
    # Every page of a small wiki, the branch of the current page open, the page itself marked.
    for title in ("Home", "Guides", "Setup", "Advanced", "Style", "FAQ"):
        assert f">{title}</a>" in nav
    assert f'<a href="/c/{community.slug}/wiki/home/guides/setup" aria-current="page">Setup</a>' in nav
    assert nav.count("aria-current") == 1
    # Each branch: its page's link, then the toggle of its subpages (a control of its own, named
    # for the page), never a link inside the toggle.
    assert (f'<li class="branch"><a href="/c/{community.slug}/wiki/home/guides">Guides</a><details open>'
            '<summary aria-label="Subpages of Guides"></summary>') in nav
    assert (f'<li class="branch"><a href="/c/{community.slug}/wiki/home/faq">FAQ</a><details>'
            '<summary aria-label="Subpages of FAQ"></summary>') in nav  # closed
    assert "<summary><a" not in nav
    assert "&lt;i&gt;Bold &amp; co</a>" in nav and "<i>Bold" not in nav


def test_a_big_wiki_shows_its_top_and_the_current_branch(community, people, client_for, wiki, monkeypatch):
    from wiki import tree as wiki_tree

    monkeypatch.setattr(wiki_tree, "FULL_TREE_LIMIT", 5)
    owner = people["owner"]
    home = wiki.create(community, owner, "Home")
    a = wiki.create(community, owner, "Area A", parent=home)
    b = wiki.create(community, owner, "Area B", parent=home)
    for i in range(3):
        wiki.create(community, owner, f"Note A{i}", parent=a)
        wiki.create(community, owner, f"Note B{i}", parent=b)
    client = client_for(people["member"])
    nav = _nav(text(client.get(url(community, "home/area-a/note-a1"))))
    assert ">Note A0</a>" in nav and ">Note B0</a>" not in nav  # only the current branch unfolds
    assert 'title="3 subpages">+3</span>' in nav  # Area B, folded away with a count
    zh = _nav(text(client.get(url(community, "home/area-a/note-a1"), headers={"Accept-Language": "zh-CN"})))
    assert 'title="3 个子页面">+3</span>' in zh


def _hide(app, people, page_id):
    from collab.accounts.models import User
    from collab.extensions import db
    from collab.moderation import services

    with app.test_request_context("/", method="POST"):
        services.resolve(db.session.get(User, people["moderator"].id), f"wiki_page:{page_id}", "hide", "check")
        db.session.commit()


def test_a_hidden_page_keeps_its_place_in_the_tree(app, community, people, client_for, tree, wiki):
    """A page a moderator hid still holds its address: it moves with its parent, goes to the trash
    with it, can be renamed by its moderators, and keeps its title among its siblings (it comes back
    under it when shown again): someone who may not see it is told the title cannot be used there."""
    _hide(app, people, tree["style"])
    moderator = client_for(people["moderator"])
    r = moderator.post(url(community, "home/guides/style", "rename"), data={"title": "Style guide"},
                       follow_redirects=True)
    assert r.status_code == 200 and "The page is renamed" in text(r)
    assert wiki.page(tree["style"]).path == "home/guides/style-guide"

    r = client_for(people["member"]).post(url(community, "-/new"), data={
        "title": "Style guide", "parent": str(tree["guides"]), "body": "Mine"})
    assert r.status_code == 200 and "it belongs to a page you cannot see" in text(r)
    assert wiki.find(community, "home/guides/style-guide-2") is None
    r = client_for(people["owner"]).post(url(community, "home/guides/style-guide", "reorder"), data={"where": "first"})
    assert r.status_code == 302

    moderator.post(url(community, "home/guides", "rename"), data={"title": "Handbooks"})
    assert wiki.page(tree["style"]).path == "home/handbooks/style-guide"
    assert moderator.get(url(community, "home/handbooks/style-guide")).status_code == 200
    assert client_for(people["other"]).get(url(community, "home/handbooks/style-guide")).status_code == 404

    wiki.call("delete_page", tree["guides"], people["owner"])
    assert wiki.page(tree["style"]).is_deleted
    wiki.call("restore_page", tree["guides"], people["owner"])
    hidden = wiki.page(tree["style"])
    assert not hidden.is_deleted and hidden.moderation and hidden.path == "home/handbooks/style-guide"


def test_rename_to_punctuation_alone_is_refused_with_what_was_typed(community, people, client_for, tree, wiki):
    member = client_for(people["member"])
    r = member.post(url(community, "home/guides", "rename"), data={"title": "..."})
    page = text(r)
    assert "A title needs at least one letter, digit or Chinese character" in page and 'value="..."' in page
    assert wiki.page(tree["guides"]).path == "home/guides"
