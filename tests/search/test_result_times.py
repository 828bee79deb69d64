"""A search result says how long ago it was written, as the home stream does, with the exact time
on hover, not a timestamp to the second."""
from __future__ import annotations

import re


def test_a_result_says_how_long_ago_it_was_written(handbook, find):
    titles, body = find(handbook, "quokka")
    assert titles == ["Quokka Handbook"]
    meta = re.search(r'<li class="result">\s*<div class="row small">(.*?)</div>', body, re.S).group(1)
    assert re.search(r'<time datetime="[^"]+\+00:00" title="[^"]+">(just now|\d+ minutes? ago)</time>', meta), meta
    assert not re.search(r"\d:\d\d", re.sub(r"<[^>]+>", "", meta)), meta  # no clock time in the text


def test_a_result_is_called_in_the_singular_its_facet_in_the_plural(handbook, find, client_for):
    _titles, body = find(handbook, "quokka")
    meta = re.search(r'<li class="result">\s*<div class="row small">(.*?)</div>', body, re.S).group(1)
    assert re.search(r'<span class="tag type-community">Community</span>', meta), meta
    assert re.search(r'Created <time datetime=', meta), meta  # a community is created, a person joins
    assert "Communities" in re.sub(r'<li class="result">.*?</li>', "", body, flags=re.S)  # the facet

    c = client_for(handbook)
    body = c.get("/search", query_string={"q": "quokka"}, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<span class="tag type-community">社区</span>' in body
    suggestions = c.get("/search/suggest", query_string={"q": "quo"}).get_json()["suggestions"]
    assert [(s["title"], s["type_label"]) for s in suggestions] == [("Quokka Handbook", "Community")]


def test_a_person_result_says_when_they_joined_and_keeps_their_parts_apart(app, make_user, index_now, find, client_for):
    reader = make_user("reader")
    make_user("quinn", display_name="Quinn Okafor", location="Berlin", bio="I built wombat tracking systems.")
    index_now()
    titles, body = find(reader, "wombat")
    assert titles == ["Quinn Okafor (@quinn)"]
    meta = re.search(r'<li class="result">\s*<div class="row small">(.*?)</div>', body, re.S).group(1)
    assert re.search(r'Joined <time datetime="[^"]+" title="[^"]+">(just now|\d+ minutes? ago)</time>', meta), meta
    snippet = re.search(r'<p class="snippet">(.*?)</p>', body, re.S).group(1)
    assert "Berlin · I built" in snippet, snippet  # not "Berlin I built", the two run together

    c = client_for(reader)
    zh = c.get("/search", query_string={"q": "wombat"}, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert re.search(r'</time>加入', zh)
