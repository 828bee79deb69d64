"""Searches that found nothing, kept as a privacy-preserving aggregate: per day, scope and
normalised query, a count. No user, no time of day, no session: just what people looked for and
did not find, so owners can fill the gap.

Counted in memory per process (:func:`note`) and written by the analytics flush
(collab.analytics), never on the request path.
"""
from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from datetime import date

from flask import current_app
from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from collab.db import utcnow
from collab.extensions import db

QUERY_MAX = 100
EXTENSION = "collab_search_misses"


class SearchMiss(db.Model):
    __tablename__ = "search_misses"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(24), primary_key=True)  # "site" or "c<community id>"
    query: Mapped[str] = mapped_column(String(QUERY_MAX), primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (
        Index("ix_search_misses_scope_day", "scope", "day"),
        Index("ix_search_misses_community_id", "community_id"),
    )


def normalise(query: str) -> str:
    """Case-folded, width-folded (NFKC), whitespace collapsed, cut to QUERY_MAX characters."""
    text = unicodedata.normalize("NFKC", query or "").casefold()
    return " ".join(text.split())[:QUERY_MAX].strip()


class _Buffer:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts: Counter = Counter()  # (day, community_id, query) -> n


def _buffer(app=None) -> _Buffer:
    app = app or current_app._get_current_object()
    buf = app.extensions.get(EXTENSION)
    if buf is None:
        buf = app.extensions[EXTENSION] = _Buffer()
    return buf


def note(query: str, community_id: int | None) -> None:
    """Count one search with no results (the whole site when ``community_id`` is None)."""
    q = normalise(query)
    if not q:
        return
    buf = _buffer()
    with buf.lock:
        buf.counts[(utcnow().date(), community_id, q)] += 1


def take(app=None) -> Counter:
    buf = _buffer(app)
    with buf.lock:
        counts, buf.counts = buf.counts, Counter()
    return counts


def give_back(counts: Counter, app=None) -> None:
    buf = _buffer(app)
    with buf.lock:
        buf.counts.update(counts)


def write(counts: Counter) -> None:
    """Add ``counts`` to the table (inside the caller's write transaction)."""
    if not counts:
        return
    from collab.analytics.upsert import upsert_add

    merged: Counter = Counter()  # a community's search counts for the community and the site
    for (d, cid, q), n in counts.items():
        merged[(d, "site", q, None)] += n
        if cid is not None:
            merged[(d, f"c{cid}", q, cid)] += n
    rows = [{"day": d, "scope": s, "query": q, "community_id": cid, "count": n}
            for (d, s, q, cid), n in sorted(merged.items(), key=lambda x: x[0][:3])]
    upsert_add(SearchMiss, rows, ["day", "scope", "query"], ["count"])
