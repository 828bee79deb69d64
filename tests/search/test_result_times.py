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
    assert "Communities" in re.sub(r'<li class="result">.*?</li>', "", body, flags=re.S)  # the facet

    c = client_for(handbook)
    body = c.get("/search", query_string={"q": "quokka"}, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<span class="tag type-community">社区</span>' in body
    suggestions = c.get("/search/suggest", query_string={"q": "quo"}).get_json()["suggestions"]
    assert [(s["title"], s["type_label"]) for s in suggestions] == [("Quokka Handbook", "Community")]
