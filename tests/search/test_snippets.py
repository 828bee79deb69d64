"""collab.search.snippets marks search hits exactly as Whoosh's highlighter did (ContextFragmenter
220/60 with the best two passages for bodies, the whole title), on random English, Chinese and
mixed texts: long and short, matches at the start and the end, overlapping Chinese bigrams,
Traditional text for a Simplified query, HTML in the text, texts past Whoosh's 32,768-character
limit; long texts read whole or only around their matches."""
from __future__ import annotations

import random

import pytest
from markupsafe import escape
from whoosh import highlight

from collab.search import snippets
from collab.search.index import SearchIndex
from collab.search.query import parse, text_query


class _WhooshMark(highlight.Formatter):
    """The formatter the search page used with Whoosh's highlighter."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"

    def _text(self, text):
        return str(escape(text))


EN = ("team release review code canary lighthouse sprint planning budget roadmap python rust design "
      "the of and reviews reviewing released teams <b>bold</b> a&b x<y").split()
ZH = ["数据", "会议", "社交媒体", "分析", "會議", "社交媒體", "团队", "发布", "的", "是"]


def _text(rng: random.Random) -> str:
    parts = []
    size = rng.choice([1, 3, 12, 40, 90, 200]) if rng.random() > 0.02 else rng.choice([1200, 7000])
    for _ in range(size):
        r = rng.random()
        parts.append(rng.choice(ZH) if r < 0.35 else rng.choice(EN))
        if rng.random() < 0.1:
            parts.append(rng.choice([".", ",", "。", "!", " -- ", "\n"]))
    sep = "" if rng.random() < 0.3 else " "
    return sep.join(parts)


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    index = SearchIndex(str(tmp_path_factory.mktemp("snippets") / "index"))
    index.ensure()
    rng = random.Random(11)
    w = index.writer()
    for n in range(400):
        w.add_document(id=f"d:{n}", type="wiki", community="1", scope="community:1", title=_text(rng)[:120],
                       body=_text(rng), spell="", author="ann", tags="", url="/")
    w.commit()
    s = index.searcher()
    yield s
    index.close()


@pytest.mark.parametrize("raw", ["team", "review release", "数据", "社交媒体", "會議 design", '"code review"',
                                 "teams OR budget", "the", "bold", "分析 -rust"])
@pytest.mark.parametrize("windowed", [False, True])  # long texts are read around their matches only
def test_marks_are_whooshs_own(searcher, raw, windowed, monkeypatch):
    monkeypatch.setattr(snippets, "WINDOWED_FROM", 0 if windowed else 10 ** 9)
    q = text_query(parse(raw))
    results = searcher.search(q, limit=None)
    assert len(results) > 0 or raw == "the"
    results.formatter = _WhooshMark()
    analyzer = searcher.schema["body"].analyzer
    words = {name: snippets.query_words(searcher, q, name) for name in ("title", "body")}
    checked = 0
    for hit in results:
        body, title = hit.get("body") or "", hit.get("title") or ""
        results.fragmenter = highlight.ContextFragmenter(maxchars=220, surround=60)
        assert snippets.snippet(analyzer, body, words["body"]) == hit.highlights("body", text=body, top=2)
        results.fragmenter = highlight.WholeFragmenter()
        assert snippets.whole(analyzer, title, words["title"]) == hit.highlights("title", text=title, minscore=0)
        checked += 1
    assert checked == len(results)


def test_a_snippet_escapes_the_text_and_marks_whole_words():
    from collab.search.analysis import MixedAnalyzer

    # A passage runs from a word to a word (Whoosh's rule), its text escaped around the marks.
    out = snippets.snippet(MixedAnalyzer(), "<script>x</script> the teams released it", frozenset({"team"}))
    assert out == "script&gt;x&lt;/script&gt; the <mark>teams</mark> released"
    assert snippets.snippet(MixedAnalyzer(), "nothing here", frozenset({"team"})) == ""


def test_the_token_rule_cuts_text_as_the_index_was_cut():
    """The token pattern (one character class for a Latin word's letters) and its split form
    find exactly the tokens of the look-ahead pattern older indexes were built with: a changed
    rule would leave words unfindable until a rebuild."""
    import re

    from collab.search.analysis import _TOKEN_RE, CJK_CHARS, SPLIT_RE

    older = re.compile(rf"([{CJK_CHARS}]+)|((?:(?![{CJK_CHARS}])[^\W_])+(?:['’.](?:(?![{CJK_CHARS}])[^\W_])+)*)")
    rng = random.Random(3)
    pieces = EN + ZH + ["O’Neil", "U.S.", "snake_case", "Ünïcödé", "한국어", "x2", "'", "’", ".", "_", "𠀀𠀁", "ｆｕｌｌ"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) + rng.choice(["", " ", "", "-", "\n"]) for _ in range(rng.randint(1, 40)))
        tokens = [(m.span(), m.group(1), m.group(2)) for m in older.finditer(text)]
        assert [(m.span(), m.group(1), m.group(2)) for m in _TOKEN_RE.finditer(text)] == tokens, text
        assert SPLIT_RE.split(text)[1::2] == [a or b for _span, a, b in tokens], text


@pytest.mark.parametrize("text", [
    ("lorem ipsum dolor " * 120) + "release " + ("the " * 70) + "sprint planning budget roadmap " * 4,
    ("lorem ipsum dolor " * 120) + ("of " * 70) + "release notes " + ("budget " * 300),
    ("the of and " * 200) + "会议 release " + ("U.S. " * 80) + "社交媒體" + ("a " * 100) + "release",
])
def test_a_long_text_read_around_its_matches_is_marked_as_the_whole_text(text, monkeypatch):
    """Stop words give no token: the stretch read around a match counts the words that do."""
    from collab.search.analysis import MixedAnalyzer, latin_term

    words = frozenset({latin_term("release"), "会议", "社交", "媒体"})
    monkeypatch.setattr(snippets, "WINDOWED_FROM", 10 ** 9)
    whole = snippets.snippet(MixedAnalyzer(), text, words)
    monkeypatch.setattr(snippets, "WINDOWED_FROM", 0)
    assert snippets.snippet(MixedAnalyzer(), text, words) == whole and "<mark>" in whole
