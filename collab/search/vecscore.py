"""BM25F scores of whole postings lists at once (numpy), for the rankings of collab.search.segcache.

Whoosh scores a match with several Python calls per posting (the matcher tree, the scorer, the
field length): a common word over 200,000 documents took a quarter of a second, a common phrase
seconds. Here a segment's postings of a term are read once (ids and weights, kept per segment:
a segment never changes) and scored together with the formula Whoosh's ``BM25FScorer`` uses,
in the same order of operations on the same float64 values, so the scores are Whoosh's own:

    idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))

with ``idf`` and ``avgfl`` from the whole searcher, ``tf`` the posting's weight (field boosts
included) and ``fl`` the document's field length as Whoosh stores it (one byte, decoded).
Compound queries combine as Whoosh's matchers do: an And or an Or adds the scores of the parts
that match, a phrase scores as the intersection of its words (where the phrase matches), AndNot
keeps the first part's score, a boost multiplies. Sums of three or more parts may be added in
another order than Whoosh's matcher tree (the last bit of a float); ties keep the lower document
number first, as Whoosh's collector does. Anything else (prefixes, ranges, other weightings)
returns None and the caller ranks with Whoosh.
"""
from __future__ import annotations

from itertools import chain
from pickle import loads

import numpy as np
from whoosh import query as Q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.matching import FilterMatcher
from whoosh.scoring import BM25FScorer
from whoosh.util.numeric import byte_to_length

from . import postings_store

_LENGTH_OF_BYTE = np.array([0] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float64)


class Unsupported(Exception):
    """A query part this module does not score (the caller ranks with Whoosh)."""


def bits_to_bool(bits: int, n: int) -> np.ndarray:
    """Python-int bit set (bit i = document i) as a boolean array of length ``n``."""
    if not bits:
        return np.zeros(n, dtype=bool)
    raw = np.frombuffer(bits.to_bytes((max(n, bits.bit_length()) + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:n].astype(bool)


def bool_to_bits(flags: np.ndarray) -> int:
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Every posting of the term in the segment (deleted documents included): ids (int64) and
    weights (float64), from the segment's flat arrays (collab.search.postings_store) when it
    has them, else read from Whoosh's blocks."""
    kept = postings_store.lookup(reader, fieldname, btext)
    return kept if kept is not None else whoosh_postings(reader, fieldname, btext)


def whoosh_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``postings`` read block by block from Whoosh's postings file, without its per-posting calls."""
    m = reader.postings(fieldname, btext)
    while isinstance(m, FilterMatcher):  # the deletions (taken out by the caller)
        m = m.child
    ids: list = []
    weights: list = []
    if hasattr(m, "_read_ids") and hasattr(m, "_read_weights") and hasattr(m, "_next_block"):
        while m.is_active():  # Whoosh 3 on-disk postings: one pickled block of ids and weights
            m._read_ids()
            m._read_weights()
            ids.append(np.asarray(m._ids, dtype=np.int64))
            weights.append(np.asarray(m._weights, dtype=np.float64))
            m._next_block()
    else:
        pairs = []
        while m.is_active():
            pairs.append((m.id(), m.weight()))
            m.next()
        if pairs:
            ids.append(np.array([p[0] for p in pairs], dtype=np.int64))
            weights.append(np.array([p[1] for p in pairs], dtype=np.float64))
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return np.concatenate(ids), np.concatenate(weights)


def whoosh_positions(reader, fieldname: str, btext: bytes):
    """The term's postings with their positions, block by block: (ids int64, weights float64,
    the number of positions of each posting int64, every position posting after posting int64),
    or None when they are not Whoosh 3 blocks of ``Positions`` values."""
    m = reader.postings(fieldname, btext)
    while isinstance(m, FilterMatcher):
        m = m.child
    if not (hasattr(m, "_read_values") and hasattr(m, "_read_weights") and hasattr(m, "_next_block")):
        return None
    ids, weights, counts, positions = [], [], [], []
    try:
        while m.is_active():
            m._read_ids()
            m._read_weights()
            m._read_values()
            lists = _decode_positions(m._values)
            lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
            deltas = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
            ids.append(np.asarray(m._ids, dtype=np.int64))
            weights.append(np.asarray(m._weights, dtype=np.float64))
            counts.append(lengths)
            positions.append(_restart_sums(deltas, lengths))
            m._next_block()
    except Unsupported:
        return None
    if not ids:
        return None
    return np.concatenate(ids), np.concatenate(weights), np.concatenate(counts), np.concatenate(positions)


def postings_to_lay_out(reader, fieldname: str, btext: bytes):
    """What collab.search.postings_store keeps of a term: (ids, weights, counts, positions) as
    ``whoosh_positions`` reads them, or (ids, weights, None, None) when it cannot."""
    found = whoosh_positions(reader, fieldname, btext)
    return found if found is not None else (*whoosh_postings(reader, fieldname, btext), None, None)


def _restart_sums(deltas: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Positions from the deltas of several postings one after another (each posting's deltas
    start from 0)."""
    running = np.cumsum(deltas)
    ends = np.cumsum(lengths)
    before = np.concatenate(([0], running[ends[:-1] - 1])) if len(lengths) else np.zeros(0, dtype=np.int64)
    return running - np.repeat(before, lengths)


def field_lengths(reader, fieldname: str, n: int) -> np.ndarray:
    """Each document's length of the field as Whoosh's scorer sees it (float64, ``n`` long)."""
    perdoc = getattr(reader, "_perdoc", None)
    col = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN) if perdoc is not None else None
    if col is None:
        raise Unsupported(f"no lengths for {fieldname}")
    try:
        raw = np.frombuffer(col._dbfile.get(col._basepos, col._count), dtype=np.uint8)
    except AttributeError:
        raw = np.frombuffer(bytes(col.load()), dtype=np.uint8)
    codes = np.zeros(n, dtype=np.uint8)
    codes[:min(n, len(raw))] = raw[:n]
    return _LENGTH_OF_BYTE[codes]


class SegmentScorer:
    """Scores ``q`` over one segment of ``searcher`` (``sub``: its leaf searcher, ``n`` documents).

    ``terms(fieldname, btext)`` gives the segment's (ids, weights) of a term (kept by the caller),
    ``lengths(fieldname)`` its field lengths, ``match_bits(q)`` the segment-local documents a
    phrase matches (kept by the caller)."""

    def __init__(self, searcher, sub, n: int, terms, lengths, match_bits):
        self.searcher, self.sub, self.n = searcher, sub, n
        self.terms, self.lengths, self.match_bits = terms, lengths, match_bits
        self.weighting = searcher.weighting

    def scores(self, q) -> tuple[np.ndarray, np.ndarray]:
        """(score per document, 0.0 where it does not match; matches as a boolean array)."""
        if isinstance(q, Q.Term):
            s, m = self._term(q.fieldname, q.text)
        elif isinstance(q, Q.Phrase):
            s, m = self._phrase(q)
        elif isinstance(q, (Q.And, Q.Or)) and q.subqueries:
            parts = [self.scores(sub) for sub in q.subqueries]
            s, m = parts[0]
            if isinstance(q, Q.And):
                for ps, pm in parts[1:]:
                    s = s + ps
                    m = m & pm
                s = s * m
            else:
                for ps, pm in parts[1:]:
                    s = s + ps
                    m = m | pm
        elif isinstance(q, Q.AndNot):
            s, m = self.scores(q.a)
            _sb, mb = self.scores(q.b)
            m = m & ~mb
            s = s * m
        else:
            raise Unsupported(type(q).__name__)
        boost = getattr(q, "boost", 1.0)
        if boost != 1.0:
            s = s * boost
        return s, m

    def _term(self, fieldname: str, text) -> tuple[np.ndarray, np.ndarray]:
        n = self.n
        s = np.zeros(n, dtype=np.float64)
        m = np.zeros(n, dtype=bool)
        schema = self.sub.schema
        if fieldname not in schema:
            return s, m
        field = schema[fieldname]
        try:
            btext = field.to_bytes(text) if isinstance(text, str) else text
        except ValueError:
            return s, m
        if (fieldname, btext) not in self.sub.reader():
            return s, m
        scorer = self.weighting.scorer(self.sub, fieldname, btext)
        if type(scorer) is not BM25FScorer or not field.scorable:
            raise Unsupported(f"{type(scorer).__name__} on {fieldname}")
        ids, tf = self.terms(fieldname, btext)
        if not len(ids):
            return s, m
        fl = self.lengths(fieldname)[ids]
        idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        s[ids] = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
        m[ids] = True
        return s, m

    def _phrase(self, q) -> tuple[np.ndarray, np.ndarray]:
        m = bits_to_bool(self.match_bits(q), self.n)
        s = np.zeros(self.n, dtype=np.float64)
        if not m.any():
            return s, m
        for word in q.words:
            ws, _wm = self._term(q.fieldname, word)
            s = s + ws
        return s * m, m


def top(candidates: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[float, int]]:
    """The best ``k`` of ``candidates`` (ascending document numbers) with their ``scores``: by
    score, ties to the lower number, best first."""
    if not len(candidates) or k <= 0:
        return []
    if len(candidates) > k:
        part = np.argpartition(-scores, k - 1)[:k]
        threshold = scores[part].min()
        above = np.flatnonzero(scores > threshold)
        ties = np.flatnonzero(scores == threshold)[:k - len(above)]
        chosen = np.concatenate([above, ties])
    else:
        chosen = np.arange(len(candidates))
    order = np.lexsort((candidates[chosen], -scores[chosen]))
    chosen = chosen[order]
    return list(zip(scores[chosen].tolist(), candidates[chosen].tolist()))


_SPAN = 1 << 32  # (document, position) pairs as one int64 key: document * _SPAN + position


def _decode_positions(values) -> list[list[int]]:
    """Whoosh's ``Positions`` values (4-byte count, then a pickled list of position deltas, its
    STOP byte sometimes stripped) decoded with one ``pickle.loads``: the lists are put together
    into one pickle of a list of lists."""
    parts = [b"\x80\x02("]
    for v in values:
        body = v[4:]
        if body[:2] != b"\x80\x02":
            raise Unsupported("not a protocol 2 pickle")
        parts.append(body[2:-1] if body[-1:] == b"." else body[2:])
    parts.append(b"l.")
    lists = loads(b"".join(parts))
    if len(lists) != len(values):
        raise Unsupported("positions did not decode one list per posting")
    return lists


def _position_keys(m, docs: np.ndarray) -> np.ndarray:
    """Sorted keys (document * _SPAN + position) of the term's positions in ``docs`` (ascending
    segment-local numbers, each having the term), read block by block: blocks holding none of
    ``docs`` are skipped unread, and each block's positions decode together."""
    keys = []
    j, n = 0, len(docs)
    while m.is_active() and j < n:
        if docs[j] > m._maxid:
            m._next_block()
            continue
        m._read_ids()
        m._read_values()
        ids = np.asarray(m._ids, dtype=np.int64)
        k = int(np.searchsorted(docs, m._maxid, side="right"))
        chunk = docs[j:k]
        j = k
        at = np.minimum(np.searchsorted(ids, chunk), len(ids) - 1)
        has = ids[at] == chunk
        chunk, at = chunk[has], at[has]
        if len(chunk):
            values = m._values
            lists = _decode_positions([values[i] for i in at.tolist()])
            lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
            deltas = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
            keys.append(np.repeat(chunk, lengths) * _SPAN + _restart_sums(deltas, lengths))
        m._next_block()
    return np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)


def phrase_docs(reader, fieldname: str, words, slop: int, candidates) -> list[int]:
    """Of ``candidates`` (ascending segment-local document numbers that have every word), those
    where ``words`` occur in order, each within ``slop`` positions after the previous one: what
    Whoosh's ``Phrase`` matches (its ``SpanNear2``, ordered, mindist 1), from the positions of
    the candidates alone instead of spans built for every document the words share. The
    positions of all candidates are compared at once (sorted keys and binary searches)."""
    field = reader.schema[fieldname]
    btexts = [field.to_bytes(word) if isinstance(word, str) else word for word in words]
    if any((fieldname, btext) not in reader for btext in btexts):
        return []
    docs = np.fromiter(candidates, dtype=np.int64)
    if not len(docs):
        return []
    kept = [postings_store.lookup_positions(reader, fieldname, btext) for btext in btexts]
    if all(k is not None for k in kept):
        return _phrase_ends(kept, docs, slop, _kept_position_keys)
    matchers = []
    for btext in btexts:
        m = reader.postings(fieldname, btext)
        while isinstance(m, FilterMatcher):
            m = m.child
        matchers.append(m)
    if not all(hasattr(m, "_read_values") and hasattr(m, "_maxid") for m in matchers):
        return _phrase_docs_one_by_one(matchers, docs.tolist(), slop)
    try:
        return _phrase_ends(matchers, docs, slop, _position_keys)
    except Unsupported:
        for m in matchers:
            m.reset()
        return _phrase_docs_one_by_one(matchers, docs.tolist(), slop)


def _phrase_ends(sources, docs: np.ndarray, slop: int, keys_of) -> list[int]:
    """The documents of ``docs`` where the words (``sources``, in order; ``keys_of(source,
    docs)`` gives a word's sorted position keys in ``docs``) follow one another within ``slop``."""
    ends = keys_of(sources[0], docs)
    for source in sources[1:]:
        if not len(ends):
            return []
        # The next word's positions that come 1..slop after the end of a span so far.
        nxt = keys_of(source, np.unique(ends // _SPAN))
        at = np.searchsorted(ends, nxt - slop)
        ok = at < len(ends)
        ok[ok] = ends[at[ok]] <= nxt[ok] - 1
        ends = nxt[ok]
    return np.unique(ends // _SPAN).tolist()


def _kept_position_keys(kept, docs: np.ndarray) -> np.ndarray:
    """``_position_keys`` from a term's laid-out postings: (ids, position starts, positions)."""
    ids, starts, positions = kept
    at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
    has = ids[at] == docs
    docs, at = docs[has], at[has]
    lengths = starts[at + 1] - starts[at]
    total = int(lengths.sum())
    # Each chosen posting's run of positions, one after another.
    index = np.repeat(starts[at] - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(total)
    return np.repeat(docs, lengths) * _SPAN + positions[index]


def _phrase_docs_one_by_one(matchers, candidates, slop: int) -> list[int]:
    found = []
    for d in candidates:
        spans = None
        for m in matchers:
            if not m.is_active():
                return found
            if m.id() < d:
                m.skip_to(d)
                if not m.is_active():
                    return found
            if m.id() != d:
                spans = set()
                break
            positions = m.value_as("positions")
            if spans is None:
                spans = {(p, p) for p in positions}
            else:
                spans = {(start, p) for start, end in spans for p in positions if 1 <= p - end <= slop}
            if not spans:
                break
        if spans:
            found.append(d)
    return found
