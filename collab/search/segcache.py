"""What every search reads in bulk, computed once per index segment and kept.

A Whoosh segment never changes once written: deleting a document only marks it, and a deleted
document never matches a query, so anything derived from a segment's postings or columns stays
right for the segment's life. These are kept here, keyed by segment:

- the documents of each scope term the access mask names (``mask_docs``): the mask of a person
  is the union of a few hundred such terms, and Whoosh would otherwise read every one of their
  postings into a new bit set on every search;
- the sort columns of the facets and each document's tags, and the facet counts of large sets
  of matches (collab.search.facets keeps them here);
- each term's postings as arrays, and each field's lengths, for collab.search.vecscore, which
  scores a query's matches a whole postings list at a time;

- the documents of each query term (``_postings_bits``) and of each phrase or range, per segment:
  a search's exact count and facets come from these bit sets, combined with integer operations,
  without scoring; ranking then scores only what can reach the page (``search``);
- per segment and query, the best ``RANKED`` matches with their scores (``_segment_ranking``),
  before anyone's mask or filter: the next search of the same words, by anyone, takes its page
  from them when enough of them are readable; the facet counts of a large set of matches
  (collab.search.facets, keyed by the exact set); and per document and query, its marked snippet
  (``per_document``). A repeated common-word search then costs a few milliseconds instead of a
  few hundred. A kept ranking holds the scores of its first search: documents indexed later
  (other segments) shift the words' statistics slightly, as with per-shard statistics in other
  engines; counts and facets stay exact.

Bit sets are Python integers (bit n = segment document n): unions and differences are single
C operations whatever their size. Everything is bounded (``MAX_BYTES``) and evicted least
recently used first; a merged-away segment is simply never asked for again.
"""
from __future__ import annotations

import heapq
import threading
from bisect import bisect_left
from collections import OrderedDict
from itertools import compress, islice

import numpy as np
from whoosh import collectors, searching
from whoosh import query as Q
from whoosh.idsets import DocIdSet
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import ReadTooFar

from . import vecscore


def _skip_to(self, targetid):
    """W3LeafMatcher.skip_to, with a binary search inside the block instead of stepping through
    it one posting at a time (Python calls per posting): the same position, found in O(log n)."""
    if not self.is_active():
        raise ReadTooFar
    if targetid <= self.id():
        return
    if targetid > self._maxid:
        while self.is_active() and targetid > self._maxid:
            self._next_block()
        if not self.is_active():
            return
        if self._ids is None:
            self._read_ids()
    self._i = bisect_left(self._ids, targetid, self._i)
    if self._i >= self._blocklength:  # cannot happen (targetid <= the block's last id); be safe
        self._i = self._blocklength - 1
        self.next()


if hasattr(W3LeafMatcher, "_read_ids") and hasattr(W3LeafMatcher, "_next_block"):
    W3LeafMatcher.skip_to = _skip_to

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

    key = None  # the query it came from (repr), when made by mask_docs
    allowed = 0  # matching(): the matches before the person's mask

    def __init__(self, bits: int, size: int):
        self.bits = bits
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
    mask.key = key  # names the set for what is kept per filter (kept rankings)
    per_searcher[key] = mask
    while len(per_searcher) > _PER_SEARCHER:
        per_searcher.popitem(last=False)
    return mask


def _term_postings(leaf, fieldname: str, btext: bytes):
    """The segment's postings of a term as arrays (ids, weights), deleted documents included."""
    key = _segment_key(leaf.reader())
    full = (key, "postings", fieldname, btext)
    found = _cache.get(full) if key is not None else None
    if found is None:
        found = vecscore.postings(leaf.reader(), fieldname, btext)
        if key is not None:
            _cache.put(full, found, found[0].nbytes + found[1].nbytes + 200)
    return found


def _lengths(leaf, fieldname: str, n: int):
    key = _segment_key(leaf.reader())
    full = (key, "lengths", fieldname)
    found = _cache.get(full) if key is not None else None
    if found is None:
        found = vecscore.field_lengths(leaf.reader(), fieldname, n)
        if key is not None:
            _cache.put(full, found, found.nbytes + 200)
    return found


def _postings_bits(leaf, fieldname: str, text) -> int:
    """Segment-local documents whose ``fieldname`` has the term, deleted ones included (they are
    taken out by the caller), from the term's kept postings."""
    reader = leaf.reader()
    key = _segment_key(reader)
    full = (key, "term", fieldname, text)
    bits = _cache.get(full) if key is not None else None
    if bits is not None:
        return bits
    field = reader.schema[fieldname] if fieldname in reader.schema else None
    btext = field.to_bytes(text) if field is not None and isinstance(text, str) else text
    if field is None or (fieldname, btext) not in reader:
        bits = 0
    else:
        ids, _weights = _term_postings(leaf, fieldname, btext)
        flags = np.zeros(reader.doc_count_all(), dtype=bool)
        flags[ids] = True
        bits = vecscore.bool_to_bits(flags)
    if key is not None:
        _cache.put(full, bits, bits.bit_length() // 8 + 64)
    return bits


def _ranked_by_vectors(searcher, leaf, q, local: int, n: int, limit: int):
    """The best ``limit`` of the segment-local documents ``local`` (all matching ``q``) as
    [(score, local docnum)], best first, scored by vecscore; None for a query it does not score."""
    scorer = vecscore.SegmentScorer(searcher, leaf, n, terms=lambda f, b: _term_postings(leaf, f, b),
                                    lengths=lambda f: _lengths(leaf, f, n),
                                    match_bits=lambda p: _query_bits(leaf, p, n))
    try:
        scores, _m = scorer.scores(q)
    except vecscore.Unsupported:
        return None
    candidates = np.flatnonzero(vecscore.bits_to_bool(local, n))
    return vecscore.top(candidates, scores[candidates], limit)


def _vector_search(searcher, q, bits: int, limit: int):
    """The top ``limit`` of the documents ``bits`` (global, all matching ``q``) as Whoosh Results,
    scored by vecscore; None for a query it does not score."""
    picked = []
    for leaf, offset, n in _leaves(searcher):
        local = (bits >> offset) & ((1 << n) - 1)
        if not local:
            continue
        ranked = _ranked_by_vectors(searcher, leaf, q, local, n, limit)
        if ranked is None:
            return None
        picked.extend((score, -(d + offset)) for score, d in ranked)
    best = heapq.nlargest(limit, picked)
    return searching.Results(searcher, q, [(score, -neg) for score, neg in best])


def _deleted_bits(leaf) -> int:
    reader = leaf.reader()
    if not reader.has_deletions():
        return 0
    key = _segment_key(reader)
    full = (key, "deleted", reader.doc_count())
    bits = _cache.get(full) if key is not None else None
    if bits is None:
        bits = _bits_from_ids(reader.deleted_docs_set if hasattr(reader, "deleted_docs_set")
                              else (d for d in range(reader.doc_count_all()) if reader.is_deleted(d)))
        if key is not None:
            _cache.put(full, bits, bits.bit_length() // 8 + 64)
    return bits


def _query_bits(leaf, q, n: int) -> int:
    """Segment-local documents matching ``q`` (deleted ones may be included): Terms from their
    postings, And / Or / AndNot as integer operations, phrases from the positions of the
    documents that have every word (vecscore.phrase_docs); anything else (ranges) through
    Whoosh's unscored matcher. Kept per segment (a segment never changes)."""
    if isinstance(q, Q.Term):
        return _postings_bits(leaf, q.fieldname, q.text)
    if isinstance(q, Q.And):
        out = (1 << n) - 1
        for sub in q.subqueries:
            out &= _query_bits(leaf, sub, n)
            if not out:
                break
        return out
    if isinstance(q, (Q.Or, Q.DisjunctionMax)):
        out = 0
        for sub in q.subqueries:
            out |= _query_bits(leaf, sub, n)
        return out
    if isinstance(q, Q.AndNot):
        out = _query_bits(leaf, q.a, n)
        return out & ~_query_bits(leaf, q.b, n) if out else 0
    if isinstance(q, Q.Every):
        return (1 << n) - 1
    if q is Q.NullQuery or isinstance(q, Q.NullQuery.__class__):
        return 0
    reader = leaf.reader()
    key = _segment_key(reader)
    full = (key, "query", repr(q))
    bits = _cache.get(full) if key is not None else None
    if bits is not None:
        return bits
    if isinstance(q, Q.Phrase) and len(q.words) > 1 and q.fieldname in reader.schema \
            and reader.schema[q.fieldname].format.supports("positions"):
        # Only documents with every word can hold the phrase: test positions in those alone.
        candidates = (1 << n) - 1
        for w in q.words:
            candidates &= _postings_bits(leaf, q.fieldname, w)
            if not candidates:
                break
        bits = _bits_from_ids(vecscore.phrase_docs(reader, q.fieldname, q.words, q.slop,
                                                   compress(range(n), _selector(candidates, n))))
    else:
        bits = _bits_from_ids(q.docs(leaf))
    if key is not None:
        _cache.put(full, bits, bits.bit_length() // 8 + 64)
    return bits


def query_docs(searcher, q) -> int:
    """Every live document matching ``q``, as global bits (bit n = document n). Unscored."""
    total = 0
    for leaf, offset, n in _leaves(searcher):
        bits = _query_bits(leaf, q, n)
        if bits:
            bits &= ~_deleted_bits(leaf)
            total |= bits << offset
    return total


# Per segment and query, the best this many matches (every document, before anyone's mask or
# filter), best first: the next search of the same words takes its page from them.
RANKED = 200


def _segment_ranking(searcher, sub, q, context, allow, offset: int, n: int) -> tuple[list, bool]:
    """The segment's best ``RANKED`` matches of ``q`` (within the filter ``allow``, if any) as
    [(score, segment-local docnum)], best first (ties: lower number first, as Whoosh's
    TopCollector), and whether more matches exist. Scored as the whole searcher scores them (its
    term statistics), kept per segment, query and filter."""
    key = _segment_key(sub.reader())
    full = (key, "ranked", repr(q), allow.key if allow is not None else None) if key is not None else None
    found = _cache.get(full) if full is not None else None
    if found is None:
        local = _query_bits(sub, q, n) & ~_deleted_bits(sub)
        if allow is not None:
            local &= (allow.bits >> offset) & ((1 << n) - 1)
        ranked = _ranked_by_vectors(searcher, sub, q, local, n, RANKED)
        if ranked is None:  # a query vecscore does not score: Whoosh's collector
            ranking = collectors.TopCollector(limit=RANKED)
            collector = ranking
            if allow is not None:
                collector = collectors.FilterCollector(
                    ranking, allow=BitMask((allow.bits >> offset) & ((1 << n) - 1), n))
            collector.prepare(searcher, q, context)
            collector.set_subsearcher(sub, 0)
            collector.collect_matches()
            items = sorted(ranking.items, reverse=True)  # (score, -docnum): best, then lowest number
            ranked = [(score, -neg) for score, neg in items]
        found = (ranked, len(ranked) >= RANKED)
        if full is not None:
            _cache.put(full, found, 80 * len(ranked) + 200)
    return found


def _from_rankings(searcher, q, bits: int, limit: int, allow):
    """The top ``limit`` of the readable matches ``bits`` (within ``allow``) from the segments'
    kept rankings, or
    None when a segment's kept ranking runs out before ``limit`` of its matches are readable
    (then the caller ranks the usual way). The result is the one Whoosh's collector gives."""
    if limit > RANKED:
        return None
    context = None
    picked = []
    for (sub, offset), (_leaf, _o, n) in zip(searcher.leaf_searchers(), _leaves(searcher)):
        local = (bits >> offset) & ((1 << n) - 1)
        if not local:
            continue
        if context is None:
            context = searcher.context(weighting=searcher.weighting)
        ranked, more = _segment_ranking(searcher, sub, q, context, allow, offset, n)
        kept = 0
        for score, d in ranked:
            if (local >> d) & 1:
                picked.append((score, -(d + offset)))
                kept += 1
                if kept == limit:
                    break
        if kept < limit and more:
            return None
    top = heapq.nlargest(limit, picked)
    return searching.Results(searcher, q, [(score, -neg) for score, neg in top])


def matching(searcher, q, *, allow=None, restrict=None) -> BitMask:
    """Every match of ``q`` in ``allow`` (if given) and not in ``restrict``; ``.allowed`` on the
    result counts the matches in ``allow`` before ``restrict``."""
    bits = query_docs(searcher, q)
    if allow is not None:
        bits &= allow.bits
    allowed = bits.bit_count()
    if restrict is not None and bits:
        bits &= ~restrict.bits
    matched = BitMask(bits, searcher.doc_count_all())
    matched.allowed = allowed
    return matched


def search(searcher, q, *, limit: int, allow=None, restrict=None, sortedby=None, reverse=False, matched=None):
    """The top ``limit`` matches of ``q`` (by score, or by ``sortedby``) as Whoosh Results, and
    every match in ``allow`` (if given) and not in ``restrict``, as a BitMask, for the exact count
    and the facets (``matched``: what ``matching`` gave for the same arguments, if known).

    The matching documents come from postings as bit sets (no scoring). The page comes from the
    segments' kept rankings when they hold it, else from vecscore (whole postings lists at once);
    a query vecscore does not score, or a sort by a column, goes through Whoosh's collector, only
    allowed the matching documents."""
    if matched is None:
        matched = matching(searcher, q, allow=allow, restrict=restrict)
    bits, allowed = matched.bits, matched.allowed
    if sortedby is None and isinstance(q, Q.MultiTerm) and q.constantscore:
        # A prefix alone (type-ahead): the first matches in index order, i.e. people and
        # communities (a rebuild indexes them first), then content, oldest first. Whoosh would
        # score the union of every term the prefix expands to (two letters: thousands of terms,
        # most of a second over 200,000 documents) and rank documents with many such words first.
        first = list(islice(compress(range(searcher.doc_count_all()), _selector(bits, searcher.doc_count_all())),
                            limit)) if bits else []
        return searching.Results(searcher, q, [(q.boost, d) for d in first]), matched
    if sortedby is None and len(matched) > limit and 4 * len(matched) >= allowed \
            and (allow is None or allow.key is not None):
        # The page comes from the segments' kept rankings of the query and filter (made by their
        # first search): unless the person's mask leaves few of them, the best readable matches
        # are among them.
        results = _from_rankings(searcher, q, bits, limit, allow)
        if results is not None:
            return results, matched
    if sortedby is None and bits:
        results = _vector_search(searcher, q, bits, limit)
        if results is not None:
            return results, matched
    if sortedby is not None:
        ranking = collectors.SortingCollector(sortedby, limit=limit, reverse=reverse)
    else:
        ranking = collectors.TopCollector(limit=limit)
    top = collectors.FilterCollector(ranking, allow=matched)
    if bits:
        searcher.search_with_collector(q, top)
    else:  # nothing readable matches: no need to walk the postings
        searcher.search_with_collector(Q.NullQuery, top)
    return top.results(), matched


def per_document(searcher, docnum: int, what: tuple, compute):
    """``compute()`` for the document ``docnum`` (global) of ``searcher``, kept per segment,
    document and ``what`` (e.g. a snippet of it for a query): a segment's documents never change."""
    for leaf, offset, n in _leaves(searcher):
        if offset <= docnum < offset + n:
            key = _segment_key(leaf.reader())
            break
    else:
        key = None
    if key is None:
        return compute()
    full = (key, "doc", docnum - offset, what)
    found = _cache.get(full)
    if found is None:
        found = compute()
        _cache.put(full, found, 2 * len(str(found)) + 200)
    return found


_ZERO_ONE = bytes.maketrans(b"01", b"\x00\x01")


def _selector(bits: int, n: int) -> bytes:
    """One byte per document of a segment, 1 where ``bits`` has it (for itertools.compress)."""
    flags = bin(bits)[:1:-1].encode("ascii").translate(_ZERO_ONE) if bits else b""
    return flags[:n].ljust(n, b"\x00")
