"""Facet counts over a search's matches, from columns kept per index segment (collab.search.segcache).

The sort columns of the facets (type, community, author) are read once per segment as plain
lists, and each document's tags as tuples: counting facets over every matching document is then
a C-level loop over lists instead of several Python calls per document inside Whoosh's
collector. The counts of a large set of matches are kept too, keyed by the exact set.
"""
from __future__ import annotations

from collections import Counter
from itertools import chain, compress

from .segcache import BitMask, _cache, _leaves, _segment_key, _selector


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
            counts[name].update(found)
    return counts


# Facets of a set of at least this many documents are kept (per segment and exact set of
# documents): counting thousands of values takes milliseconds.
KEEP_FACETS = 500


def _segment_facets(leaf, local: int, n: int, columns, multi) -> dict[str, Counter]:
    key = _segment_key(leaf.reader())
    full = (key, "facets", columns, multi, local) if key is not None and local.bit_count() >= KEEP_FACETS else None
    found = _cache.get(full) if full is not None else None
    if found is not None:
        return found
    found = {}
    select = _selector(local, n)
    if 16 * local.bit_count() < n:  # a few documents of a big segment: look only at those
        docs = list(compress(range(n), select))
        for name in columns:
            values = _column(leaf, name)
            found[name] = Counter(map(values.__getitem__, docs)) if values is not None else Counter()
        for name in multi:
            lists = _tag_lists(leaf, name)
            found[name] = Counter(chain.from_iterable(map(lists.__getitem__, docs)))
    else:
        for name in columns:
            values = _column(leaf, name)
            found[name] = Counter(compress(values, select)) if values is not None else Counter()
        for name in multi:
            lists = _tag_lists(leaf, name)
            found[name] = Counter(chain.from_iterable(compress(lists, select)))
    if full is not None:
        _cache.put(full, found, local.bit_length() // 8 + 120 * sum(len(c) for c in found.values()) + 200)
    return found
