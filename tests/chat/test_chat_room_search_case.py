"""Searching a room matches every word in any letter case, beyond ASCII too (SQLite's LIKE alone
folds ASCII only), and takes % and _ as the characters they are."""
from __future__ import annotations

import re

import pytest

from tests.chat.conftest import call, cid


@pytest.fixture
def talk(make_user, make_community, sio, room_of, client_for):
    member = make_user("member")
    community = make_community(member, name="Travel")
    room = room_of(community)
    sc = sio(member)
    for body in ("Über den Plan in Москва", "Die Straße ist lang", "100% sure", "1000 sure", "snake_case"):
        assert call(sc, "send", {"room": room, "body": body, "client_id": cid()})["ok"]
    web = client_for(member)

    def hits(q):
        page = web.get(f"/c/{community.slug}/chat/general/search", query_string={"q": q}).get_data(as_text=True)
        return [re.sub(r"<[^>]+>", "", b).strip() for b in re.findall(r'<div class="chat-body">(.*?)</div>', page, re.S)]

    return hits


@pytest.mark.parametrize("q", ["über москва", "ÜBER МОСКВА", "Über Москва", "plan"])
def test_letters_match_in_any_case(talk, q):
    assert talk(q) == ["Über den Plan in Москва"]


def test_a_folded_letter_matches_its_spelled_out_form(app, talk):
    """Full case folding (ß is ss) is SQLite's, through Python's casefold(); PostgreSQL's ILIKE
    folds with lower(), where ß stays ß: there the word is found in any case as it is spelled."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert talk("STRAßE") == talk("straße") == ["Die Straße ist lang"]
    else:
        assert talk("STRASSE") == ["Die Straße ist lang"]


def test_percent_and_underscore_are_no_wildcards(talk):
    assert talk("0%") == ["100% sure"]
    assert talk("e_c") == ["snake_case"]
    assert talk("sure") == ["1000 sure", "100% sure"]
