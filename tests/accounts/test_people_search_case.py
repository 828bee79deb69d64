"""People search finds names in any letter case beyond ASCII ("élodie" finds "Élodie", "москва" finds
"Москва"), and takes % and _ literally: the directory, its suggestions, the @mention suggestions and
the admin console's people and communities search."""
from __future__ import annotations

from tests.helpers import text


def _people(make_user):
    make_user("elodie", display_name="Élodie Durand", title="Инженер", expertise="Москва, ÜBER-Planung")
    make_user("bob_smith", display_name="Bob 100% Smith")
    make_user("carl", display_name="Carl Ärger")


def test_directory_and_suggestions_fold_case_beyond_ascii_and_escape_wildcards(make_user, client_for):
    _people(make_user)
    c = client_for(make_user("viewer"))
    for q in ("ÉLODIE", "élodie", "москва", "ИНЖЕНЕР", "über-planung"):
        body = text(c.get("/people", query_string={"q": q}))
        assert "Élodie Durand" in body and "Carl Ärger" not in body, q
    body = text(c.get("/people", query_string={"q": "_"}))
    assert "Bob 100% Smith" in body and "Élodie Durand" not in body and "Carl Ärger" not in body
    body = text(c.get("/people", query_string={"q": "%"}))
    assert "Bob 100% Smith" in body and "Élodie Durand" not in body
    assert [p["username"] for p in c.get("/people/suggest", query_string={"q": "ärger"}).get_json()["people"]] \
        == ["carl"]
    assert c.get("/people/suggest", query_string={"q": "_"}).get_json()["people"] == \
        [{"username": "bob_smith", "name": "Bob 100% Smith"}]


def test_mention_suggestions_fold_case_beyond_ascii(make_user, client_for):
    _people(make_user)
    c = client_for(make_user("viewer"))

    def names(q):
        return [p["username"] for p in c.get("/people/mentions", query_string={"q": q}).get_json()["people"]]

    assert names("élo") == ["elodie"]  # the display name starts with it
    assert names("ÄRG") == ["carl"]  # a later word of the display name starts with it
    assert names("rger") == []  # not a word's start
    assert names("_") == []


def test_admin_people_and_communities_search_fold_case_and_escape_wildcards(make_user, make_community,
                                                                           client_for, admin_user):
    _people(make_user)
    admin = client_for(admin_user)
    for q in ("ÉLODIE", "élodie durand"):
        body = text(admin.get("/admin/users", query_string={"q": q}))
        assert "@elodie" in body and "@carl" not in body, q
    for q in ("_", "%"):
        body = text(admin.get("/admin/users", query_string={"q": q}))
        assert "@bob_smith" in body and "@elodie" not in body and "@carl" not in body, q
    make_community(admin_user, name="Группа Москва")
    make_community(admin_user, name="Plain Team")
    body = text(admin.get("/admin/communities", query_string={"q": "москва"}))
    assert "Группа Москва" in body and "Plain Team" not in body
    body = text(admin.get("/admin/communities", query_string={"q": "_"}))
    assert "Группа Москва" not in body and "Plain Team" not in body
