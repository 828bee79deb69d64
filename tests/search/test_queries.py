"""Bad input: every query gives a result page or a clear message, never an error page, and
whatever people type stays text on the page (no markup from documents or queries runs)."""
from __future__ import annotations

import json
import re

import pytest
from whoosh.query import Every

from collab.search.query import (
    FIELDS,
    MAX_CLAUSES,
    MAX_PHRASE_TERMS,
    MAX_QUERY,
    parse,
    text_query,
)
from tests.helpers import assert_no_active_content

NOTHING = "There was nothing to search for in that"
STOPWORDS = "Your search has only very common words"
TRUNCATED = f"Only the first {MAX_QUERY} characters of your search were used"
CAPPED = f"Only the first {MAX_CLAUSES} words of your search were used"
EMPTY_FILTER = "Write a value right after"
NO_MATCH = "Nothing you can see matches"
NOT_A_FILTER = "is not a filter; the words after it were searched"
HANDBOOK = "Quokka Handbook"

TWO_THOUSAND_CLAUSES = " OR ".join(f"w{i}" for i in range(2000))

# (id, query, texts the page must show, titles it must find or None to not care)
BAD_QUERIES = [
    ("empty", "", ["Search everything you can read"], None),
    ("spaces", "   \t ", ["Search everything you can read"], None),
    ("ten-thousand-chars", "quokka " * 1430, [TRUNCATED, CAPPED], [HANDBOOK]),
    ("ten-thousand-one-word", "q" * 10_000, [TRUNCATED, "0 results"], []),
    ("only-stop-words", "the and of", [STOPWORDS], []),
    ("only-punctuation", "!!! ... ??? ;;; @#$%^&()[]{}", [NOTHING], []),
    ("unbalanced-quote", '"quokka handbook', [], [HANDBOOK]),
    ("unbalanced-quote-end", 'quokka"', [], [HANDBOOK]),
    ("star", "*", [NOTHING], []),
    ("question-mark", "?", [NOTHING], []),
    ("star-star", "*:*", [NOTHING], []),
    ("wildcard-word", "quok*", [], [HANDBOOK]),  # words that start with "quok"
    ("wildcard-one-letter", "q*", [], None),  # too short a start: the word "q"
    ("fuzzy-syntax", "quokka~2", [], None),  # the words "quokka 2"
    ("boost-syntax", "quokka^10", [], None),
    ("unknown-field", "nosuchfield:quokka", [NOT_A_FILTER], [HANDBOOK]),  # searched as the word "quokka"
    ("unknown-field-value-only", "title:quokka handbook", [], None),
    ("tag-empty", "tag:", [EMPTY_FILTER, NOTHING], []),
    ("tag-empty-quoted", 'tag:""', [EMPTY_FILTER, NOTHING], []),
    ("author-empty-with-word", "author: quokka", [EMPTY_FILTER], [HANDBOOK]),
    ("in-empty", "in:", [EMPTY_FILTER], []),
    ("huge-range", "created:[19000101 TO 29991231]", [NOT_A_FILTER], []),
    ("huge-range-braces", "updated:{0 TO 99999999999999999999}", [], None),
    ("quote-alone", '"', [NOTHING], []),
    ("two-quotes", '""', [NOTHING], []),
    ("minus-alone", "-", [NOTHING], []),
    ("or-or-or", "OR OR OR", [NOTHING], []),
    ("and-not", "AND NOT", [STOPWORDS], []),
    ("minus-word-only", "-quokka", [], None),
    ("parentheses", "((( quokka )))", [], [HANDBOOK]),
    ("backslashes", "\\\\ quokka \\", [], [HANDBOOK]),
    ("arabic-rtl", "مرحبا", [], ["Arabic Club"]),
    ("hebrew-rtl", "שלום", [], ["Arabic Club"]),
    ("rtl-override", "\u202ekkouq\u202c quokka", [], None),
    ("emoji-only", "🦘🎉👩‍👩‍👧", [NOTHING], []),
    ("emoji-and-word", "🦘 quokka", [], [HANDBOOK]),
    ("combining-marks", "quokka\u0301\u0308", [], [HANDBOOK]),
    ("zalgo", "q\u0336u\u0336o\u0336k\u0336k\u0336a\u0336", [], None),
    ("nul-and-controls", "quokka\x00\x01\x07\x1b\x7f handbook\x00", [], [HANDBOOK]),
    ("terminal-escape", "quokka\x1b[31m", [], None),
    ("only-controls", "\x00\x00\x08\x1b", ["Search everything you can read"], []),
    ("two-thousand-clauses", TWO_THOUSAND_CLAUSES, [TRUNCATED, CAPPED], []),
    ("long-hyphenated-word", "a-b-c-d-e-f-g-h-i-j-" * 20, [CAPPED], []),
    ("long-chinese-run", "社交媒体" * 150, [TRUNCATED], None),
    ("unknown-type", "type:spaceships", ["There is no type"], []),
    ("unknown-community", "in:atlantis quokka", ["No community you can see is called"], []),
    ("percent-encoding-text", "%00%3Cscript%3E", [], None),
]


@pytest.fixture
def reader(make_user, make_community, index_now):
    owner = make_user("owner")
    make_community(owner, name=HANDBOOK, description="All about quokkas on Rottnest island.", tags="marsupials")
    make_community(owner, name="Arabic Club", description="مرحبا بالعالم. שלום עולם.")
    index_now()
    return make_user("reader")


def _titles(body: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t)
            for t in re.findall(r'<h3 class="result-title"><a href="[^"]*">(.*?)</a></h3>', body)]


def test_bad_queries_give_a_page_or_a_clear_message(reader, client_for):
    """One signed-in client runs every query of BAD_QUERIES (one app for all: fast)."""
    client = client_for(reader)
    problems = []
    for name, query, shows, finds in BAD_QUERIES:
        r = client.get("/search", query_string={"q": query})
        if r.status_code != 200:
            problems.append(f"{name}: status {r.status_code}")
            continue
        body = r.get_data(as_text=True)
        # The page repeats the query cleaned: no NUL or other control characters in its own box.
        box = re.search(r'id="search-q" type="search" name="q" value="([^"]*)"', body).group(1)
        if box != box.strip() or not all(c.isprintable() for c in box):
            problems.append(f"{name}: the search box holds {box[:40]!r}")
        if any(c in body for c in "\x00\x01\x07\x08\x1b\x7f"):
            problems.append(f"{name}: control characters reached the page")
        problems += [f"{name}: {text!r} missing" for text in shows if text not in body]
        if finds is not None:
            titles = _titles(body)
            if not (set(finds) <= set(titles) and (finds or not titles)):
                problems.append(f"{name}: found {titles}, expected {finds}")
        # Type-ahead takes the same input without complaint.
        r = client.get("/search/suggest", query_string={"q": query})
        if r.status_code != 200 or not isinstance(r.get_json()["suggestions"], list):
            problems.append(f"{name}: suggest gave {r.status_code}")
    assert not problems, "\n".join(problems)


def test_long_queries_are_cut_to_the_limits():
    """The work a query can cause is bounded: at most MAX_QUERY characters are read, at most
    MAX_CLAUSES words (or parts of words) searched, a phrase is at most MAX_PHRASE_TERMS terms."""
    for query in ("quokka " * 1430, TWO_THOUSAND_CLAUSES, "a-b-c-" * 2000, " ".join(f"w{i}" for i in range(2000)),
                  '"' + " ".join(f"w{i}" for i in range(200)) + '"', "社交媒体" * 2500,
                  " ".join(f'-"x{i} y{i}"' for i in range(500))):
        parsed = parse(query)
        assert parsed.truncated is (len(query) > MAX_QUERY)
        assert parsed.clauses <= MAX_CLAUSES
        leaves = [q for q in text_query(parsed).leaves() if not isinstance(q, Every)]
        assert len(leaves) <= len(FIELDS) * MAX_CLAUSES
        for leaf in leaves:
            assert len(getattr(leaf, "words", [leaf])) <= MAX_PHRASE_TERMS
    assert parse(TWO_THOUSAND_CLAUSES).capped and parse(TWO_THOUSAND_CLAUSES).clauses == MAX_CLAUSES
    assert not parse("quokka handbook").capped and parse("quokka handbook").clauses == 2


def test_the_search_box_keeps_at_most_2000_characters(reader, client_for):
    body = client_for(reader).get("/search", query_string={"q": "z" * 10_000}).get_data(as_text=True)
    value = re.search(r'id="search-q" type="search" name="q" value="([^"]*)"', body).group(1)
    assert value == "z" * 2000


EXTREME_DATES = [
    {"q": "quokka", "from": "0001-01-01", "to": "9999-12-31"},
    {"q": "quokka", "from": "9999-12-31", "to": "0001-01-01"},  # reversed: the days between
    {"q": "quokka", "to": "9999-12-31"},
    {"q": "quokka", "from": "0001-01-01"},
]

BAD_PARAMETERS = [
    ({"q": "quokka", "from": "yesterday"}, "Dates are written like"),
    ({"q": "quokka", "to": "2026-02-31"}, "Dates are written like"),
    ({"q": "quokka", "page": "99999999999999999999999"}, None),
    ({"q": "quokka", "page": "-3"}, None),
    ({"q": "quokka", "page": "2.5"}, None),
    ({"q": "quokka", "community": "99999999999999999999"}, NO_MATCH),
    ({"q": "quokka", "community": "2147483648"}, NO_MATCH),
    ({"q": "quokka", "community": "¹²³"}, None),
    ({"q": "quokka", "community": "-1"}, None),
    ({"q": "quokka", "type": "<b>x</b>"}, "There is no type"),
    ({"q": "quokka", "tag": "\x00"}, None),
    ({"q": "quokka", "author": "x" * 5000}, None),
    ({"q": "quokka", "sort": "'; DROP TABLE users; --"}, None),
    ({"type": "community"}, None),
    ({"tag": "marsupials"}, None),
]


def test_extreme_dates_and_bad_parameters(reader, client_for):
    client = client_for(reader)
    for args in EXTREME_DATES:
        r = client.get("/search", query_string=args)
        assert r.status_code == 200 and HANDBOOK in _titles(r.get_data(as_text=True)), args
    for args, shows in BAD_PARAMETERS:
        r = client.get("/search", query_string=args)
        assert r.status_code == 200, args
        assert shows is None or shows in r.get_data(as_text=True), args


def test_negated_filters_leave_documents_out(reader, find):
    assert HANDBOOK in find(reader, "quokka")[0]
    assert HANDBOOK not in find(reader, "quokka -tag:marsupials")[0]
    assert HANDBOOK not in find(reader, "quokka -type:community")[0]
    assert find(reader, "-type:people -type:community")[0] == []
    titles, _ = find(reader, "tag:marsupials")
    assert titles == [HANDBOOK]


XSS_NAME = '<script>alert(1)</script> Quokka "><svg onload=alert(2)>'
XSS_DESCRIPTION = ('<img src=x onerror=alert(3)> quokka "><svg onload=alert(4)> '
                   '<iframe src="javascript:alert(5)"></iframe> <a href="javascript:alert(6)">x</a> '
                   "<style>body{}</style> &lt;script&gt; more quokka text")


@pytest.fixture
def xss_world(make_user, make_community, index_now):
    owner = make_user("xssowner", display_name='<img src=x onerror=alert(7)> Quokkaperson',
                      title='"><script>alert(8)</script>', expertise="<b>quokka</b>, <script>")
    community = make_community(owner, name=XSS_NAME, description=XSS_DESCRIPTION, tags="<script>, quokka")
    index_now()
    return make_user("xssreader"), community


XSS_QUERIES = ["quokka", "alert script", "svg onload", "onerror", "quokkaperson", '"><script>alert(9)</script>',
               "in:<script>", "tag:<script> quokka", "author:<img", "quokk", "-<script>"]


def test_markup_in_documents_and_queries_stays_text(xss_world, client_for):
    reader, community = xss_world
    client = client_for(reader)
    for query in XSS_QUERIES:
        r = client.get("/search", query_string={"q": query})
        assert r.status_code == 200, query
        body = r.get_data(as_text=True)
        assert_no_active_content(body)
        if query in ("quokka", "alert script", "svg onload"):
            # Found, with the title highlighted and the markup shown as text.
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body.replace("<mark>", "").replace("</mark>", ""), query
            assert "<mark>" in body, query
            # The snippet reads the description as its page does: the HTML its author typed is not
            # shown as text (the page's sanitiser drops it too), the words around it are.
            plain = body.replace("<mark>", "").replace("</mark>", "")
            assert "onerror=alert(3)" not in plain and "alert(4)" not in plain, query
            if query == "quokka":
                assert "more quokka text" in plain, query
    for args in ({"q": "quokka", "tag": "<script>"}, {"q": "quokka", "author": "<img src=x onerror=alert(1)>"},
                 {"q": "quokka", "type": '"><svg onload=alert(1)>'}, {"q": "quokka", "community": str(community.id)},
                 {"q": "quokka", "from": '"><script>', "to": "<img src=x onerror=alert(1)>"}):
        r = client.get("/search", query_string=args)
        assert r.status_code == 200, args
        assert_no_active_content(r.get_data(as_text=True))


def test_suggestions_carry_no_markup(xss_world, client_for):
    reader, _community = xss_world
    client = client_for(reader)
    for prefix in ["qu", "quokka", "scr", "alert", "quokkap", "<scr", '"><', "<img"]:
        r = client.get("/search/suggest", query_string={"q": prefix})
        assert r.status_code == 200 and r.mimetype == "application/json"
        raw = r.get_data(as_text=True)
        assert "<" not in raw and ">" not in raw, raw  # escaped as \u003c \u003e even inside strings
        suggestions = json.loads(raw)["suggestions"]
        titles = {s["title"] for s in suggestions}
        if prefix in ("qu", "quokka", "scr", "alert"):
            assert XSS_NAME in titles, (prefix, titles)  # the plain text comes back intact for textContent
        for s in suggestions:
            assert not s["url"].lower().startswith(("javascript:", "data:"))


def test_snippets_mark_the_words_of_each_search(reader, client_for):
    """Snippets are kept per document and query: searching the same document again marks the
    same words, and another search marks its own words."""
    client = client_for(reader)

    def marked(query):
        body = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        assert HANDBOOK in re.sub(r"</?mark>", "", body), query
        return sorted({m.lower() for m in re.findall(r"<mark>(.*?)</mark>", body)})

    first = marked("quokkas")
    assert "quokkas" in first and "rottnest" not in first
    assert marked("quokkas") == first
    assert marked("rottnest") == ["rottnest"]
    assert set(marked("island rottnest")) == {"island", "rottnest"}


def test_a_kept_result_page_speaks_each_readers_language(reader, client_for):
    """The same search in English and then in Chinese: each page in its own language (the kept
    page and its rendering are per language), and English again after that."""
    client = client_for(reader)
    english = client.get("/search", query_string={"q": "quokka"}).get_data(as_text=True)
    chinese = client.get("/search", query_string={"q": "quokka"},
                         headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    again = client.get("/search", query_string={"q": "quokka"}).get_data(as_text=True)
    for body in (english, chinese, again):
        assert HANDBOOK in re.sub(r"</?mark>", "", body)
    assert "1 result" in english and "1 result" in again and "条结果" not in english
    assert "1 条结果" in chinese and "Communities" not in chinese
