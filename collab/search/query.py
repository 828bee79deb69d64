"""The query language people already know, turned into Whoosh queries that never raise.

    words            all must match (title or body; Latin stemmed, Chinese as bigrams)
    "exact phrase"   in that order
    -word, -"p q"    must not match
    a OR b           either
    tag:x author:name in:community type:person   filters

Anything else, including unbalanced quotes, unknown ``field:`` prefixes, ``*`` and other
punctuation, is searched as plain words. Whoosh's own query parser is never used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as Q

from .analysis import STOP, query_parts

MAX_QUERY = 500
MAX_CLAUSES = 30
FIELDS = ("title", "body")
FILTER_FIELDS = {"tag", "tags", "author", "by", "in", "type", "is"}
_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))', re.U)


@dataclass
class Parsed:
    must: list = field(default_factory=list)  # Whoosh queries (each an alternative group)
    must_not: list = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)  # as typed: slug or name
    types: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # plain words, for "did you mean"
    ignored_only_stopwords: bool = False

    @property
    def has_text(self) -> bool:
        return bool(self.must)


def _word_query(text: str):
    """One word: every part must match in title or body. None if nothing searchable is left."""
    parts = query_parts(text)
    if not parts:
        return None
    clauses = []
    for kind, grams in parts:
        per_field = []
        for f in FIELDS:
            if len(grams) == 1:
                per_field.append(Q.Term(f, grams[0]))
            else:
                per_field.append(Q.Phrase(f, grams))
        clauses.append(Q.Or(per_field))
    return clauses[0] if len(clauses) == 1 else Q.And(clauses)


def _phrase_query(text: str):
    parts = query_parts(text)
    if not parts:
        return None
    tokens: list[str] = []
    for _kind, grams in parts:
        tokens.extend(grams)
    if len(tokens) == 1:
        return Q.Or([Q.Term(f, tokens[0]) for f in FIELDS])
    # Dropped stop words and the gap after a CJK run leave holes: allow that much slop.
    words = [w for w in re.findall(r"\w+", text.lower())]
    slop = 1 + sum(1 for w in words if w in STOP) + sum(1 for k, g in parts if k == "cjk")
    return Q.Or([Q.Phrase(f, tokens, slop=slop) for f in FIELDS])


def parse(raw: str) -> Parsed:
    text = (raw or "")[:MAX_QUERY]
    text = "".join(c if c.isprintable() else " " for c in text)
    p = Parsed()
    groups: list[list] = []  # consecutive OR-joined alternatives
    join_next = False
    saw_stopword = False
    clauses = 0
    for m in _TOKEN.finditer(text):
        if clauses >= MAX_CLAUSES:
            break
        neg, fname, quoted, bare = m.group(1), (m.group(2) or "").lower(), m.group(3), m.group(4)
        value = quoted if quoted is not None else bare
        if fname and fname not in FILTER_FIELDS:
            value = f"{fname} {value}"  # unknown field: just words
            fname = ""
        if fname:
            value = value.strip().strip(",")
            if not value:
                continue
            target = {"tag": p.tags, "tags": p.tags, "author": p.authors, "by": p.authors,
                      "in": p.communities, "type": p.types, "is": p.types}[fname]
            target.append(value.lstrip("@").lower() if fname in ("author", "by", "tag", "tags", "type", "is") else value)
            continue
        if quoted is None and value == "OR":
            join_next = bool(groups)
            continue
        q = _phrase_query(value) if quoted is not None else _word_query(value)
        if q is None:
            if any(w.lower() in STOP for w in re.findall(r"\w+", value)):
                saw_stopword = True
            join_next = False
            continue
        clauses += 1
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
