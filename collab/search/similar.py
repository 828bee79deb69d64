"""Documents like a given text, for "related content": the words of a title, its tags and the
start of its text, any of which may match (the title's words count most), inside one community.

Either for one reader (``user``: the same mask as every search), or for everyone who may read the
community (``scope="community:<id>"``: only documents filed under that scope, so the result can be
shared by all of its readers and cached once)."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from whoosh import query as Q

from .analysis import STOP, query_parts
from .query import clean_text
from .service import get_index, mask_for

log = logging.getLogger(__name__)

TITLE_TERMS = 10  # terms of the title searched at most
TEXT_TERMS = 6  # and of the text (each term costs a walk through its postings)
TEXT_CHARS = 400  # characters of the text read for terms


@dataclass
class Similar:
    id: str  # search document id, "wiki:12"
    type: str
    title: str
    url: str


def _terms(text: str, limit: int) -> list[str]:
    out: list[str] = []
    for word in re.findall(r"\w+", clean_text(text or ""), re.U):
        if word.lower() in STOP:
            continue
        for _kind, grams in query_parts(word):
            for g in grams:
                if g not in out:
                    out.append(g)
                    if len(out) >= limit:
                        return out
    return out


def similar(user=None, *, title: str, tags=(), text: str = "", community_id: int, types: tuple[str, ...],
            scope: str | None = None, limit: int = 10) -> list[Similar]:
    """Up to ``limit`` documents of ``types`` in the community, best first, for ``user`` or for
    every reader of ``scope``. Never raises: a failing index gives an empty list (the page still
    shows)."""
    if user is None and scope is None:
        raise ValueError("similar() needs a reader or a scope")
    title_terms = _terms(title, TITLE_TERMS)
    text_terms = [t for t in _terms((text or "")[:TEXT_CHARS], TITLE_TERMS + TEXT_TERMS)
                  if t not in title_terms][:TEXT_TERMS]
    clauses = []
    for t in title_terms:
        clauses.append(Q.Term("title", t, boost=2.0))
        clauses.append(Q.Term("body", t, boost=1.5))
    for tag in list(tags)[:5]:
        clauses.append(Q.Term("tags", str(tag).lower(), boost=2.0))
    for t in text_terms:
        clauses.append(Q.Term("title", t, boost=0.5))
        clauses.append(Q.Term("body", t, boost=0.3))
    if not clauses:
        return []
    # The community as a required term (not only a filter): matching skips other communities'
    # postings instead of scoring them.
    required = [Q.Term("community", str(community_id))]
    if scope is not None:
        required.append(Q.Term("scope", scope))
    q = Q.And(required + [Q.Or(clauses)])
    filt = Q.Or([Q.Term("type", t) for t in types])
    try:
        searcher = get_index().searcher()
        results = searcher.search(q, limit=limit, filter=filt, mask=mask_for(user) if user is not None else None)
        return [Similar(id=hit["id"], type=hit["type"], title=hit.get("title") or "", url=hit.get("url") or "")
                for hit in results]
    except Exception:
        log.exception("related content for %r failed", (title or "")[:80])
        return []
