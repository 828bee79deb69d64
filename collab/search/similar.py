"""Documents like a given text, for "related content": the words of a title, its tags and the
start of its text, any of which may match (the title's words count most), inside one community,
never showing what the reader may not read (the same mask as every search)."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from whoosh import query as Q

from .analysis import STOP, query_parts
from .query import clean_text
from .service import get_index, mask_for

log = logging.getLogger(__name__)

MAX_TERMS = 40  # terms searched at most (title first, then tags, then text)
TEXT_CHARS = 600  # characters of the text read for terms


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


def similar(user, *, title: str, tags=(), text: str = "", community_id: int, types: tuple[str, ...],
            limit: int = 10) -> list[Similar]:
    """Up to ``limit`` documents of ``types`` in the community, best first. Never raises: a
    failing index gives an empty list (the page still shows)."""
    title_terms = _terms(title, MAX_TERMS)
    text_terms = [t for t in _terms((text or "")[:TEXT_CHARS], MAX_TERMS) if t not in title_terms]
    clauses = []
    for t in title_terms:
        clauses.append(Q.Term("title", t, boost=2.0))
        clauses.append(Q.Term("body", t, boost=1.5))
    for tag in list(tags)[:10]:
        clauses.append(Q.Term("tags", str(tag).lower(), boost=2.0))
    room = MAX_TERMS - len(title_terms)
    for t in text_terms[:max(0, room)]:
        clauses.append(Q.Term("title", t, boost=0.5))
        clauses.append(Q.Term("body", t, boost=0.3))
    if not clauses:
        return []
    q = Q.Or(clauses)
    filt = Q.And([Q.Term("community", str(community_id)), Q.Or([Q.Term("type", t) for t in types])])
    try:
        searcher = get_index().searcher()
        results = searcher.search(q, limit=limit, filter=filt, mask=mask_for(user))
        return [Similar(id=hit["id"], type=hit["type"], title=hit.get("title") or "", url=hit.get("url") or "")
                for hit in results]
    except Exception:
        log.exception("related content for %r failed", (title or "")[:80])
        return []
