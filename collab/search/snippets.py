"""The marked snippet and title of a search hit: exactly what Whoosh's highlighter gives with a
``ContextFragmenter`` (or a ``WholeFragmenter`` for titles), its ``BasicFragmentScorer``, passages
in text order and our ``<mark>`` formatter, without its per-word pipeline.

Whoosh re-reads a hit's text through a Token object, a matched-token filter, a merging generator
and the fragmenter for every word: for a new query that was a third of the search's time (the
marks are kept per document and query afterwards, see collab.search.segcache.per_document).
Here the same steps run over plain tuples from ``MixedTokenizer.terms``; the rules (where a
passage starts and ends, which two passages win, how overlapping Chinese bigrams are marked)
are Whoosh's own, line for line, and ``tests/search/test_snippets.py`` compares the output
with Whoosh's highlighter on random English, Chinese and mixed texts.
"""
from __future__ import annotations

from collections import deque
from bisect import bisect_right
from itertools import accumulate, compress, repeat
from operator import is_not
from heapq import nlargest

from markupsafe import escape

from .analysis import SPLIT_RE, MixedTokenizer, fold_cjk, has_cjk, latin_term

CHARLIMIT = 2 ** 15  # Whoosh's DEFAULT_CHARLIMIT: words past this character are not looked at
BETWEEN = " … "


def query_words(searcher, q, fieldname: str) -> frozenset[str]:
    """The query's terms of ``fieldname`` that the index has (what Whoosh's highlighter marks)."""
    if q is None or fieldname not in searcher.schema:
        return frozenset()
    field = searcher.schema[fieldname]
    return frozenset(field.from_bytes(text) for _f, text in
                     q.existing_terms(searcher.reader(), fieldname=fieldname, expand=True))


def _tokens(analyzer, text: str, words: frozenset[str]) -> list[tuple[str, int, int, bool]]:
    """(term, startchar, endchar, matched) per word; consecutive overlapping matches (Chinese
    unigrams and bigrams) merged into one, as Whoosh's ``_merge_matched_tokens`` does."""
    out = []
    append = out.append
    token = None  # [term, startchar, endchar] of the match being merged
    for term, _pos, start, end, _original in analyzer.terms(text):
        if term not in words:
            if token is not None:
                append((token[0], token[1], token[2], True))
                token = None
            append((term, start, end, False))
            continue
        if token is None:
            token = [term, start, end]
        elif start <= token[2]:
            if end > token[2]:
                token[0] += term[token[2] - end:]
                token[2] = end
        else:  # Whoosh passes this match on as it is, unmerged
            append((token[0], token[1], token[2], True))
            token = None
            append((term, start, end, True))
    if token is not None:
        append((token[0], token[1], token[2], True))
    return out


# Texts at least this long are read in windows around their matches (see _windowed_tokens).
WINDOWED_FROM = 2000


def _windowed_tokens(analyzer, text: str, words: frozenset[str], surround: int):
    """``_tokens`` of only the stretches of ``text`` around its matches, or None (then the whole
    text is read). A long page was read word by word through the analyzer for two passages of
    its text: tens of milliseconds per hit on a results page.

    One pass of the token rule in C (``SPLIT_RE.split``) finds every token and where it starts; a
    Latin word matches when its term is among ``words`` (the same cached ``latin_term``), a
    Chinese run may match when its folded text holds one of the query's Chinese terms. Around
    each, ``surround + 1`` tokens the analyzer gives (each at least a character long; stop words
    give none and are not counted) on both sides are read through
    the analyzer, neighbouring stretches joined. The fragmenter then sees the same tokens
    wherever its result can depend on them: before a passage it keeps only the words within
    ``surround`` characters, and a passage ends within ``surround`` characters of words after
    its last match; everything between stretches only ever left its state as it found it."""
    if not isinstance(analyzer, MixedTokenizer) or not (analyzer.stemming and analyzer.unigrams):
        return None
    parts = SPLIT_RE.split(text)
    tokens = parts[1::2]
    bounds = list(accumulate(map(len, parts)))  # bounds[2k]: token k starts; bounds[2k + 1]: it ends
    # Latin words by their term (loops in C; a Chinese run put through latin_term at worst adds
    # a stretch), Chinese terms by where they occur in the folded text.
    terms = list(map(latin_term, tokens))
    hits = set(compress(range(len(tokens)), map(words.__contains__, terms)))
    cjk_words = [w for w in words if has_cjk(w)]
    if cjk_words:
        folded = fold_cjk(text)
        for w in cjk_words:
            at = folded.find(w)
            while at >= 0:
                hits.add((bisect_right(bounds, at) - 1) // 2)
                at = folded.find(w, at + 1)
    # The reach counts tokens the analyzer gives (a stop word gives none, a Chinese run at least one).
    emitting = list(compress(range(len(tokens)), map(is_not, terms, repeat(None))))
    reach = surround + 1
    stretches: list[list[int]] = []
    for k in sorted(hits):
        at = bisect_right(emitting, k) - 1  # k itself: a hit always gives a token
        first = emitting[max(0, at - reach)] if at - reach > 0 else 0
        last = emitting[at + reach] if at + reach < len(emitting) else len(tokens) - 1
        if stretches and first <= stretches[-1][1] + 1:
            stretches[-1][1] = last
        else:
            stretches.append([first, last])
    out = []
    for first, last in stretches:
        start, end = bounds[2 * first], bounds[2 * last + 1]
        out.extend((term, a + start, b + start, matched)
                   for term, a, b, matched in _tokens(analyzer, text[start:end], words))
    return out


def _fragment(tokens: list, startchar, endchar, textlen: int) -> tuple[int, int, list]:
    if startchar is None:
        startchar = tokens[0][1] if tokens else 0
    if endchar is None:
        endchar = tokens[-1][2] if tokens else textlen
    return max(0, startchar), min(textlen, endchar), tokens


def _context_fragments(tokens, textlen: int, maxchars: int, surround: int) -> list:
    """Whoosh's ``ContextFragmenter.fragment_tokens``: passages around the matches."""
    out = []
    first = None
    firsts: deque = deque()
    countdown = -1
    tks: list = []
    endchar = None
    currentlen = 0
    for term, startchar, endchar, matched in tokens:
        tlength = endchar - startchar
        if endchar > CHARLIMIT:
            break
        if countdown < 0 and not matched:
            firsts.append(startchar)
            while firsts and endchar - firsts[0] > surround:
                firsts.popleft()
        elif currentlen + tlength > maxchars:
            countdown = 0
        elif matched:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = startchar
                    countdown += surround
            tks.append((term, startchar, endchar))
        if countdown >= 0:
            currentlen += tlength
            countdown -= tlength
            if countdown <= 0:
                out.append(_fragment(tks, first, endchar, textlen))
                tks = []
                firsts = deque()
                first = None
                currentlen = 0
    if tks:
        out.append(_fragment(tks, first, endchar, textlen))
    return out


def _score(fragment) -> float:
    """Whoosh's ``BasicFragmentScorer``: the matches, times 100 per different term matched."""
    matches = fragment[2]
    return float(len(matches)) * ((len({t[0] for t in matches}) * 100) or 1)


def _format(text: str, fragment) -> str:
    startchar, endchar, matches = fragment
    out = []
    index = startchar
    # Overlapping matches (Chinese): by position, the longest first; the first one wins.
    for _term, start, end in sorted(matches, key=lambda t: (t[1], -(t[2] - t[1]))):
        if start < index:
            continue
        if start > index:
            out.append(str(escape(text[index:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        index = end
    out.append(str(escape(text[index:endchar])))
    return "".join(out)


def snippet(analyzer, text: str, words: frozenset[str], *, top: int = 2, maxchars: int = 220,
            surround: int = 60, minscore: float = 1) -> str:
    """The best ``top`` passages of ``text`` around the matches of ``words``, in text order,
    joined by " … " (empty when nothing matches)."""
    if not text:
        return ""
    tokens = _windowed_tokens(analyzer, text, words, surround) if len(text) >= WINDOWED_FROM else None
    if tokens is None:
        tokens = _tokens(analyzer, text, words)
    fragments = _context_fragments(tokens, len(text), maxchars, surround)
    scored = nlargest(top, ((_score(f), f[0], f) for f in fragments), key=lambda x: (x[0], x[1]))
    best = sorted((f for score, _start, f in scored if score >= minscore), key=lambda f: f[0])
    return BETWEEN.join(_format(text, f) for f in best)


def whole(analyzer, text: str, words: frozenset[str]) -> str:
    """All of ``text`` with its matches of ``words`` marked (Whoosh's ``WholeFragmenter`` with
    ``minscore=0``)."""
    matches = []
    for term, start, end, matched in _tokens(analyzer, text, words):
        if end > CHARLIMIT:
            break
        if matched:
            matches.append((term, start, end))
    return _format(text, (0, len(text), matches))
