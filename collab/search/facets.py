"""Facet counts over a search's matches, from columns kept per index segment (collab.search.segcache).

The sort columns of the facets (type, community, author) are read once per segment and kept as
numpy code arrays (one int32 per document: its value's number in the segment's list of distinct
values); each document's tags as a CSR table (per document, its tag numbers) and, for large sets,
each tag's documents one after the other. Counting the facets of any set of matches is then a
few numpy calls per segment (``np.bincount`` of the selected codes) and a Counter built from the
nonzero counts only, instead of Python work per matching document. The counts of a large set of
matches are kept too, keyed by the exact set.

The tables hold every document of the segment, deleted ones included (a segment never changes,
so the tables stay right for its life, like its columns): a deleted document is never among the
matches (segcache.query_docs takes deletions out), so it is never counted.
"""
from __future__ import annotations

import sys
from collections import Counter

import numpy as np

from . import vecscore
from .segcache import BitMask, _cache, _leaves, _segment_key


def _size(values: list) -> int:
    return 56 + sum(8 + sys.getsizeof(v) for v in values)


class _Column:
    """A sort column of a segment as ``codes`` (int32, one per document) into ``values`` (the
    distinct values, in order of first appearance), and ``totals``: how many documents have each."""

    __slots__ = ("codes", "values", "totals")

    def __init__(self, codes: np.ndarray, values: list):
        self.codes = codes
        self.values = values
        self.totals = np.bincount(codes, minlength=len(values))

    def nbytes(self) -> int:
        return self.codes.nbytes + self.totals.nbytes + _size(self.values) + 200


def _column(leaf, name: str) -> _Column | None:
    reader = leaf.reader()
    if not reader.has_column(name):
        return None
    key = _segment_key(reader)
    full = (key, "column codes", name)
    column = _cache.get(full) if key is not None else None
    if column is None:
        # The column's raw (sortable) values, translated once per distinct value rather than once
        # per document (what the translating column reader would do).
        raw = list(reader.column_reader(name, translate=False))
        numbers = {v: i for i, v in enumerate(dict.fromkeys(raw))}
        codes = np.fromiter(map(numbers.__getitem__, raw), dtype=np.int32, count=len(raw))
        del raw
        translate = reader.schema[name].from_column_value
        seen: dict = {}
        # Two raw values that translate alike share a number (they would count as one value).
        remap = np.fromiter((seen.setdefault(translate(v), len(seen)) for v in numbers), dtype=np.int32,
                            count=len(numbers))
        values = list(seen)
        if len(values) < len(numbers):
            codes = remap[codes]
        column = _Column(codes, values)
        if key is not None:
            _cache.put(full, column, column.nbytes())
    return column


class _Tags:
    """The tags of a segment's documents. ``offsets`` (int64, n + 1) and ``codes`` (int32): the tag
    numbers of document d are ``codes[offsets[d]:offsets[d + 1]]`` (in lexicon order), into
    ``values``. ``docs`` (int64): every tag's documents, tag after tag, the tag t's from
    ``starts[t]``, for counting over a large share of the segment."""

    __slots__ = ("offsets", "codes", "values", "docs", "starts")

    def __init__(self, n: int, values: list, postings: list):
        self.values = values
        if postings:
            self.docs = np.concatenate(postings)
            lengths = np.fromiter(map(len, postings), dtype=np.int64, count=len(postings))
        else:
            self.docs = np.zeros(0, dtype=np.int64)
            lengths = np.zeros(0, dtype=np.int64)
        self.starts = np.zeros(len(postings), dtype=np.int64)
        np.cumsum(lengths[:-1], out=self.starts[1:])
        tag_of = np.repeat(np.arange(len(postings), dtype=np.int32), lengths)
        self.codes = tag_of[np.argsort(self.docs, kind="stable")]  # by document, then tag
        self.offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.docs, minlength=n), out=self.offsets[1:])

    def nbytes(self) -> int:
        return (self.offsets.nbytes + self.codes.nbytes + self.docs.nbytes + self.starts.nbytes
                + _size(self.values) + 300)

    def of_docs(self, docs: np.ndarray) -> np.ndarray:
        """How many of the documents ``docs`` have each tag: their rows of the table alone."""
        first = self.offsets[docs]
        lengths = self.offsets[docs + 1] - first
        total = int(lengths.sum())
        if not total:
            return np.zeros(len(self.values), dtype=np.int64)
        ends = np.cumsum(lengths)
        # Position i of the selected rows, laid end to end, is codes[first[r] + i - (ends[r] - lengths[r])].
        at = np.arange(total, dtype=np.int64) + np.repeat(first - (ends - lengths), lengths)
        return np.bincount(self.codes[at], minlength=len(self.values))

    def of_mask(self, mask: np.ndarray) -> np.ndarray:
        """How many of the documents flagged in ``mask`` have each tag: every tag's postings."""
        if not len(self.docs):
            return np.zeros(len(self.values), dtype=np.int64)
        return np.add.reduceat(mask[self.docs], self.starts, dtype=np.int64)


def _tags(leaf, name: str) -> _Tags:
    reader = leaf.reader()
    key = _segment_key(reader)
    full = (key, "tag table", name)
    tags = _cache.get(full) if key is not None else None
    if tags is None:
        values, postings = [], []
        if name in reader.indexed_field_names():
            for raw in reader.lexicon(name):
                ids, _weights = vecscore.postings(reader, name, raw)  # deleted documents included
                if len(ids):
                    values.append(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
                    postings.append(ids)
        tags = _Tags(reader.doc_count_all(), values, postings)
        if key is not None:
            _cache.put(full, tags, tags.nbytes())
    return tags


def _counter(counts: np.ndarray, values: list) -> Counter:
    """The nonzero ``counts`` (by value number) as a Counter of the values."""
    present = np.flatnonzero(counts)
    return Counter(dict(zip(map(values.__getitem__, present.tolist()), counts[present].tolist())))


def facet_counts(searcher, matched, columns: tuple[str, ...], multi: tuple[str, ...]) -> dict[str, Counter]:
    """For the documents of ``matched`` (a BitMask or global bits): a Counter of values per column
    facet (``columns``: sortable fields) and per multi-valued keyword facet (``multi``)."""
    bits = matched.bits if isinstance(matched, BitMask) else matched
    counts = {name: Counter() for name in columns + multi}
    for leaf, offset, n in _leaves(searcher):
        local = (bits >> offset) & ((1 << n) - 1)
        if not local:
            continue
        for name, found in _segment_facets(leaf, local, n, columns, multi).items():
            total = counts[name]
            if len(found) > len(total):  # add the smaller Counter to (a copy of) the larger one
                total, found = Counter(found), total  # a copy: ``found`` may be kept in the cache
                counts[name] = total
            total.update(found)
    return counts


# Facets of a set of at least this many documents are kept (per segment and exact set of
# documents): counting a large set still takes a millisecond or two over 200,000 documents.
KEEP_FACETS = 500

# Tags of a set of fewer than 1/SMALL of a segment's documents are counted from those documents'
# rows of the tag table; larger sets from every tag's postings (whose cost does not grow with the
# set: about as fast at 1/10 of the segment, measured over 200,000 documents).
SMALL = 10


def _segment_facets(leaf, local: int, n: int, columns, multi) -> dict[str, Counter]:
    key = _segment_key(leaf.reader())
    size = local.bit_count()
    full = (key, "facets", columns, multi, local) if key is not None and size >= KEEP_FACETS else None
    found = _cache.get(full) if full is not None else None
    if found is not None:
        return found
    found = {}
    mask = vecscore.bits_to_bool(local, n)
    # More than half the segment: count the documents left out, and take them from the totals.
    outside = 2 * size > n
    docs = np.flatnonzero(~mask if outside else mask)
    for name in columns:
        column = _column(leaf, name)
        if column is None:
            found[name] = Counter()
            continue
        counted = np.bincount(column.codes[docs], minlength=len(column.values))
        found[name] = _counter(column.totals - counted if outside else counted, column.values)
    for name in multi:
        tags = _tags(leaf, name)
        counted = tags.of_docs(docs) if SMALL * size < n else tags.of_mask(mask)
        found[name] = _counter(counted, tags.values)
    if full is not None:
        _cache.put(full, found, local.bit_length() // 8 + 120 * sum(len(c) for c in found.values()) + 200)
    return found
