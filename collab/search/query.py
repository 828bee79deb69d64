"""The query language people already know, turned into Whoosh queries that never raise.

    words            all must match (title or body; Latin stemmed, Chinese as bigrams)
    "exact phrase"   in that order
    -word, -"p q"    must not match
    a OR b           either
    tag:x author:name in:community type:person   filters (-tag:x and so on leave those out)
    stag*            words that start so (at least 2 letters before the star)

Anything else, including unbalanced quotes, other ``*`` and punctuation, is searched as plain
words; an unknown ``field:`` prefix (title:staging) is left out and the words after it searched
(the page says so). Whoosh's own query parser is never used.
"""
from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field

from whoosh import query as Q

from .analysis import STOP, has_cjk, query_parts

MAX_QUERY = 500  # characters searched; the rest is ignored (and the person told)
MAX_CLAUSES = 30  # words, phrases and parts of words searched; the rest is ignored (and told)
MAX_PHRASE_TERMS = 32  # terms of one phrase or one run of Chinese (bigrams) that must line up
FIELDS = ("title", "body")
FILTER_FIELDS = {"tag", "tags", "author", "by", "in", "type", "is"}
PREFIX_FIELD = "spell"  # unstemmed words of title and body: what a prefix (stag*) is looked up in
MIN_PREFIX = 2  # letters before a trailing * for it to mean "starts with"
PREFIX_WORDS = 30  # the most frequent words a prefix stands for (the rest are not searched)
PREFIX_SCAN = 2000  # words read from the index per prefix to pick them from
_PREFIX = re.compile(r"([^\W_]+)\*+$")
_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))', re.U)


@dataclass
class Parsed:
    must: list = field(default_factory=list)  # Whoosh queries (each an alternative group)
    must_not: list = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)  # as typed: slug or name
    types: list[str] = field(default_factory=list)
    # -tag:x -author:x -in:x -type:x: documents with these are left out
    not_tags: list[str] = field(default_factory=list)
    not_authors: list[str] = field(default_factory=list)
    not_communities: list[str] = field(default_factory=list)
    not_types: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # plain words, for "did you mean"
    ignored_only_stopwords: bool = False
    truncated: bool = False  # longer than MAX_QUERY characters: only the start was read
    capped: bool = False  # more than MAX_CLAUSES clauses: the rest was ignored
    clauses: int = 0  # words, phrases and word parts searched (at most MAX_CLAUSES)
    empty_filters: list[str] = field(default_factory=list)  # "tag:" and the like without a value
    unknown_fields: list[str] = field(default_factory=list)  # "title:" and the like: not filters, left out

    @property
    def has_text(self) -> bool:
        return bool(self.must)


def _word_query(text: str, budget: int = MAX_CLAUSES):
    """One word: every part must match in title or body.

    Returns (query or None if nothing searchable is left, clauses used, parts left out); a word
    like a-b-c-d... has a part per piece and spends one clause of the budget for each."""
    parts = query_parts(text)
    if not parts:
        return None, 0, 0
    dropped = max(0, len(parts) - budget)
    parts = parts[:budget]
    clauses = []
    for kind, grams in parts:
        grams = grams[:MAX_PHRASE_TERMS]
        per_field = []
        for f in FIELDS:
            if len(grams) == 1:
                per_field.append(Q.Term(f, grams[0]))
            else:
                per_field.append(Q.Phrase(f, grams))
        clauses.append(Q.Or(per_field))
    return (clauses[0] if len(clauses) == 1 else Q.And(clauses)), len(parts), dropped


def _phrase_query(text: str, budget: int = MAX_CLAUSES):
    """A quoted phrase: one clause, at most MAX_PHRASE_TERMS terms in order."""
    parts = query_parts(text)
    if not parts:
        return None, 0, 0
    tokens: list[str] = []
    for _kind, grams in parts:
        tokens.extend(grams)
    dropped = int(len(tokens) > MAX_PHRASE_TERMS)
    tokens = tokens[:MAX_PHRASE_TERMS]
    return _phrase(text, tokens, parts), 1, dropped


def _phrase(text: str, tokens: list[str], parts):
    if len(tokens) == 1:
        return Q.Or([Q.Term(f, tokens[0]) for f in FIELDS])
    # Dropped stop words and the gap after a CJK run leave holes: allow that much slop.
    words = [w for w in re.findall(r"\w+", text.lower())]
    slop = 1 + sum(1 for w in words if w in STOP) + sum(1 for k, g in parts if k == "cjk")
    return Q.Or([Q.Phrase(f, tokens, slop=slop) for f in FIELDS])


def clean_text(raw: str) -> str:
    """Control and other unprintable characters (NUL, escapes, bidi controls) become spaces."""
    return "".join(c if c.isprintable() else " " for c in (raw or ""))


def parse(raw: str) -> Parsed:
    p = Parsed()
    raw = raw or ""
    p.truncated = len(raw) > MAX_QUERY
    text = clean_text(raw[:MAX_QUERY])
    groups: list[list] = []  # consecutive OR-joined alternatives
    join_next = False
    saw_stopword = False
    clauses = 0
    for m in _TOKEN.finditer(text):
        if clauses >= MAX_CLAUSES:
            p.capped = True
            break
        neg, fname, quoted, bare = m.group(1), (m.group(2) or "").lower(), m.group(3), m.group(4)
        value = quoted if quoted is not None else bare
        if not fname and quoted is None and bare.endswith(":") and bare[:-1].lower() in FILTER_FIELDS:
            p.empty_filters.append(bare.lower())  # "tag:" with nothing after it
            continue
        if fname and fname not in FILTER_FIELDS:
            if fname.isalpha() and not value.startswith("/"):  # title:staging (not 10:30, http://)
                p.unknown_fields.append(f"{fname}:")
            else:
                value = f"{fname} {value}"  # just words
            fname = ""
        if fname:
            value = value.strip().strip(",")
            if not value:
                p.empty_filters.append(f"{fname}:")
                continue
            if neg:
                target = {"tag": p.not_tags, "tags": p.not_tags, "author": p.not_authors, "by": p.not_authors,
                          "in": p.not_communities, "type": p.not_types, "is": p.not_types}[fname]
            else:
                target = {"tag": p.tags, "tags": p.tags, "author": p.authors, "by": p.authors,
                          "in": p.communities, "type": p.types, "is": p.types}[fname]
            target.append(value.lstrip("@").lower() if fname in ("author", "by", "tag", "tags", "type", "is") else value)
            continue
        if quoted is None and value == "OR":
            join_next = bool(groups)
            continue
        prefix = _PREFIX.match(value) if quoted is None else None
        if prefix and len(prefix.group(1)) >= MIN_PREFIX and not has_cjk(prefix.group(1)):
            q, used, dropped = Q.Prefix(PREFIX_FIELD, prefix.group(1).lower()), 1, 0
            value = ""  # no spelling offered for a part of a word
        else:
            q, used, dropped = (_phrase_query if quoted is not None else _word_query)(value, MAX_CLAUSES - clauses)
        if dropped:
            p.capped = True
        if q is None:
            if any(w.lower() in STOP for w in re.findall(r"\w+", value)):
                saw_stopword = True
            join_next = False
            continue
        clauses += used
        if neg:
            p.must_not.append(q)
            join_next = False
            continue
        if quoted is None:
            p.words.extend(re.findall(r"[A-Za-z]{3,}", value))
        if join_next and groups:
            groups[-1].append(q)
        else:
            groups.append([q])
        join_next = False
    p.clauses = clauses
    p.must = [g[0] if len(g) == 1 else Q.Or(g) for g in groups]
    p.ignored_only_stopwords = saw_stopword and not p.must and not p.must_not
    return p


def text_query(p: Parsed):
    """The scoring part of the query (Every() when there are only filters or exclusions)."""
    if p.must:
        base = p.must[0] if len(p.must) == 1 else Q.And(p.must)
    else:
        base = Q.Every()
    if p.must_not:
        base = Q.AndNot(base, Q.Or(p.must_not))
    return base


def expand_prefixes(q, searcher):
    """``q`` with each prefix (stag*) replaced by the words it stands for: the PREFIX_WORDS most
    frequent of the first PREFIX_SCAN index words starting so, as the title and body index them
    (stemmed), so a prefix costs about as much as a search for that many words."""
    reader = searcher.reader()
    analyzer = searcher.schema["body"].analyzer

    def expand(node):
        if not isinstance(node, Q.Prefix) or node.fieldname != PREFIX_FIELD:
            return node
        words = []
        for word in reader.expand_prefix(PREFIX_FIELD, node.text):
            words.append(word.decode("utf-8") if isinstance(word, bytes) else word)
            if len(words) >= PREFIX_SCAN:
                break
        words = heapq.nlargest(PREFIX_WORDS, words, key=lambda w: reader.doc_frequency(PREFIX_FIELD, w))
        terms = sorted({t.text for w in words for t in analyzer(w)})
        if not terms:
            return Q.NullQuery
        return Q.Or([Q.Term(f, t) for f in FIELDS for t in terms])

    return q.accept(expand)
