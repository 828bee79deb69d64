"""What every search reads in bulk, computed once per index segment and kept.

A Whoosh segment never changes once written: deleting a document only marks it, and a deleted
document never matches a query, so anything derived from a segment's postings or columns stays
right for the segment's life. Three things are kept here, keyed by segment:

- the documents of each scope term the access mask names (``mask_docs``): the mask of a person
  is the union of a few hundred such terms, and Whoosh would otherwise read every one of their
  postings into a new bit set on every search;
- the sort columns of the facets (type, community, author) as plain lists, and each document's
  tags (``facet_counts``): counting facets over all matching documents is then a C-level loop
  over lists instead of several Python calls per document inside Whoosh's collector.

Bit sets are Python integers (bit n = segment document n): unions and differences are single
C operations whatever their size. Everything is bounded (``MAX_BYTES``) and evicted least
recently used first; a merged-away segment is simply never asked for again.
"""
from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter, OrderedDict
from itertools import chain

from whoosh import collectors
from whoosh import query as Q
from whoosh.idsets import DocIdSet

MAX_BYTES = 96 * 1024 * 1024
_PER_SEARCHER = 32  # finished masks kept per searcher (one per person searching, roughly)


class _LRU:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
                return hit[0]
        return None

    def put(self, key, value, nbytes: int):
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self.items[key] = (value, nbytes)
            self.size += nbytes
            while self.size > self.max_bytes and len(self.items) > 1:
                _k, (_v, n) = self.items.popitem(last=False)
                self.size -= n


_cache = _LRU(MAX_BYTES)


def clear() -> None:
    with _cache.lock:
        _cache.items.clear()
        _cache.size = 0


def _segment_key(reader) -> tuple | None:
    segment = getattr(reader, "segment", None)
    if segment is None:
        return None
    seg = segment()
    if seg is None:  # an empty index
        return None
    return (seg.segment_id(), reader.doc_count_all())


def _leaves(searcher):
    leaves = searcher.leaf_searchers()
    return [(s, offset, s.reader().doc_count_all()) for s, offset in leaves]


# ----------------------------------------------------------------------------- masks


class BitMask(DocIdSet):
    """A read-only set of global document numbers over a bytes bitmap (what Whoosh's collector
    asks of a mask or filter: ``docnum in mask``)."""

    def __init__(self, bits: int, size: int):
        self._bytes = bits.to_bytes((size + 8) // 8, "little")
        self._len = bits.bit_count()

    def __contains__(self, i):
        j = i >> 3
        b = self._bytes
        return j < len(b) and bool((b[j] >> (i & 7)) & 1)

    def __len__(self):
        return self._len

    def __bool__(self):
        return True  # an empty allow-set allows nothing; Whoosh reads a false one as "no filter"

    def __iter__(self):
        b = self._bytes
        for j, byte in enumerate(b):
            if byte:
                for k in range(8):
                    if byte >> k & 1:
                        yield (j << 3) | k


def _bits_from_ids(ids) -> int:
    ids = list(ids)
    if not ids:
        return 0
    buf = bytearray((max(ids) >> 3) + 1)
    for d in ids:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def _segment_bits(leaf, q) -> int:
    """The segment-local documents matching the mask query ``q`` (Or / AndNot of Term / Prefix)."""
    if isinstance(q, Q.Or):
        out = 0
        for sub in q.subqueries:
            out |= _segment_bits(leaf, sub)
        return out
    if isinstance(q, Q.AndNot):
        return _segment_bits(leaf, q.a) & ~_segment_bits(leaf, q.b)
    if q is Q.NullQuery:
        return 0
    key = _segment_key(leaf.reader())
    if key is not None and isinstance(q, (Q.Term, Q.Prefix)):
        full = (key, type(q).__name__, q.fieldname, q.text)
        bits = _cache.get(full)
        if bits is None:
            bits = _bits_from_ids(q.docs(leaf))
            _cache.put(full, bits, bits.bit_length() // 8 + 64)
        return bits
    return _bits_from_ids(q.docs(leaf))


def mask_docs(searcher, q) -> BitMask | None:
    """``q`` (a mask or filter query) as a set of global document numbers, from the per-segment
    cache; the finished set is also kept on the searcher for the next search with the same query."""
    if q is None:
        return None
    per_searcher = searcher.__dict__.setdefault("_collab_masks", OrderedDict())
    key = repr(q)
    hit = per_searcher.get(key)
    if hit is not None:
        per_searcher.move_to_end(key)
        return hit
    total = 0
    for leaf, offset, _n in _leaves(searcher):
        bits = _segment_bits(leaf, q)
        if bits:
            total |= bits << offset
    mask = BitMask(total, searcher.doc_count_all())
    per_searcher[key] = mask
    while len(per_searcher) > _PER_SEARCHER:
        per_searcher.popitem(last=False)
    return mask


class _Recorder(collectors.WrappingCollector):
    """Passes every (allowed) match on to the ranking collector and keeps its document number."""

    def __init__(self, child):
        super().__init__(child)
        self.docs: list[int] = []

    def collect(self, sub_docnum):
        self.docs.append(self.child.offset + sub_docnum)
        return self.child.collect(sub_docnum)


def search(searcher, q, *, limit: int, allow=None, restrict=None, sortedby=None, reverse=False):
    """One pass over the matches of ``q``: the top ``limit`` (by score, or by ``sortedby``) as
    Whoosh Results, and every allowed match's global document number (ascending), for the exact
    count and the facets."""
    if sortedby is not None:
        ranking = collectors.SortingCollector(sortedby, limit=limit, reverse=reverse)
    else:
        ranking = collectors.TopCollector(limit=limit, usequality=False, replace=0)  # sees every match
    recorder = _Recorder(ranking)
    top = collectors.FilterCollector(recorder, allow=allow, restrict=restrict)
    searcher.search_with_collector(q, top)
    return top.results(), recorder.docs


def matching_docs(searcher, q, allow=None, restrict=None) -> list[int]:
    """Every global document number matching ``q``, in ``allow`` (if given) and not in
    ``restrict``, ascending. Unscored: reads postings only."""
    out = []
    append = out.append
    for leaf, offset, _n in _leaves(searcher):
        for d in q.docs(leaf):
            g = d + offset
            if (allow is None or g in allow) and (restrict is None or g not in restrict):
                append(g)
    return out


# ----------------------------------------------------------------------------- facets


def _column(leaf, name: str) -> list | None:
    reader = leaf.reader()
    if not reader.has_column(name):
        return None
    key = _segment_key(reader)
    full = (key, "column", name)
    values = _cache.get(full) if key is not None else None
    if values is None:
        values = list(reader.column_reader(name))
        if key is not None:
            _cache.put(full, values, 16 * len(values) + 64)
    return values


def _tag_lists(leaf, name: str) -> list:
    reader = leaf.reader()
    key = _segment_key(reader)
    full = (key, "taglists", name)
    lists = _cache.get(full) if key is not None else None
    if lists is None:
        lists = [()] * reader.doc_count_all()
        grow: dict[int, list] = {}
        if name in reader.indexed_field_names():
            for raw in reader.lexicon(name):
                tag = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                for d in reader.postings(name, raw).all_ids():
                    grow.setdefault(d, []).append(tag)
        for d, tags in grow.items():
            lists[d] = tuple(tags)
        if key is not None:
            _cache.put(full, lists, 8 * len(lists) + 48 * len(grow) + 64)
    return lists


def facet_counts(searcher, docs: list[int], columns: tuple[str, ...], multi: tuple[str, ...]) -> dict[str, Counter]:
    """For the ascending global document numbers ``docs``: a Counter of values per column facet
    (``columns``: sortable fields) and per multi-valued keyword facet (``multi``)."""
    counts = {name: Counter() for name in columns + multi}
    for leaf, offset, n in _leaves(searcher):
        lo, hi = bisect_left(docs, offset), bisect_left(docs, offset + n)
        if lo == hi:
            continue
        local = [d - offset for d in docs[lo:hi]]
        for name in columns:
            values = _column(leaf, name)
            if values is not None:
                counts[name].update(map(values.__getitem__, local))
        for name in multi:
            lists = _tag_lists(leaf, name)
            counts[name].update(chain.from_iterable(map(lists.__getitem__, local)))
    return counts
