"""Text analysis for mixed Chinese and Latin text.

Latin (and other alphabetic) words are lower-cased, English stop words dropped and Porter-stemmed
(post finds posting). CJK runs are folded from Traditional to Simplified (社交媒體 -> 社交媒体) and
indexed as overlapping bigrams plus single characters, every character advancing the position by
one, so a two-character query finds it inside a longer run and phrase queries line up.
"""
from __future__ import annotations

import functools
import re
import threading

import opencc
from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter2 import stem
from whoosh.analysis import STOP_WORDS

CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_CJK_RUN = rf"[{CJK_CHARS}]+"
# A word character that is neither "_" nor Chinese (one class: no look-ahead per character).
_LATIN_WORD = rf"[^\W_{CJK_CHARS}]+(?:['’.][^\W_{CJK_CHARS}]+)*"
_TOKEN_RE = re.compile(rf"({_CJK_RUN})|({_LATIN_WORD})")
# The same tokens as one group: re.split gives [between, token, between, token, ..., between].
SPLIT_RE = re.compile(rf"({_CJK_RUN}|{_LATIN_WORD})")
_CJK_RE = re.compile(rf"[{CJK_CHARS}]")
STOP = frozenset(STOP_WORDS) | {"s", "t"}


class _Converter(threading.local):
    def __init__(self):
        self.t2s = opencc.OpenCC("t2s")


_conv = _Converter()


def fold_cjk(text: str) -> str:
    """Traditional -> Simplified, keeping the length (so character offsets stay right)."""
    out = _conv.t2s.convert(text)
    if len(out) == len(text):
        return out
    return "".join(c if len(c2 := _conv.t2s.convert(c)) != 1 else c2 for c in text)


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


@functools.lru_cache(maxsize=200_000)
def latin_term(word: str) -> str | None:
    """The indexed form of one Latin word (None for a stop word). Cached: a text has few
    distinct words, and Porter stemming dominates indexing and highlighting otherwise."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "").replace(".", "")
    if not word or word in STOP:
        return None
    return stem(word) if word.isalpha() else word


def query_parts(text: str) -> list[tuple[str, list[str]]]:
    """Split one query word (or phrase) into parts: ('latin', [term]) or ('cjk', [bigrams or char]).

    Positions: every token of the result is one position after the previous, except that a CJK
    run of n characters spans n positions (n-1 bigrams, then a gap), as in the index.
    """
    parts: list[tuple[str, list[str]]] = []
    for m in _TOKEN_RE.finditer(text):
        if m.group(1):
            run = fold_cjk(m.group(1))
            grams = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
            parts.append(("cjk", grams))
        else:
            term = latin_term(m.group(2))
            if term:
                parts.append(("latin", [term]))
    return parts


class MixedTokenizer(Tokenizer):
    """The one tokenizer-and-filters for title and body fields (index and highlighting)."""

    def __init__(self, stemming: bool = True, unigrams: bool = True):
        self.stemming = stemming
        self.unigrams = unigrams

    def __eq__(self, other):
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, pos, startchar, endchar, original in self.terms(value, start_pos):
            yield self._emit(t, text, pos, start_char + startchar, start_char + endchar, keeporiginal, original)

    def terms(self, value: str, pos: int = 0):
        """(term, position, startchar, endchar, original text) for each token of ``value``: what
        ``__call__`` yields as Whoosh tokens, as plain tuples (collab.search.snippets reads these)."""
        for m in _TOKEN_RE.finditer(value):
            if m.group(1):
                raw = m.group(1)
                run = fold_cjk(raw)
                base = m.start(1)
                n = len(run)
                for i in range(n):
                    if self.unigrams or n == 1:
                        yield run[i], pos + i, base + i, base + i + 1, raw[i]
                    if i + 1 < n:
                        yield run[i:i + 2], pos + i, base + i, base + i + 2, raw[i:i + 2]
                pos += n
            else:
                word = m.group(2)
                term = latin_term(word) if self.stemming else _plain(word)
                if term:
                    yield term, pos, m.start(2), m.end(2), word
                pos += 1

    @staticmethod
    def _emit(t, text, pos, startchar, endchar, keeporiginal, original):
        t.text = text
        t.boost = 1.0
        t.stopped = False
        if keeporiginal:
            t.original = original
        t.pos = pos
        t.startchar = startchar
        t.endchar = endchar
        return t


def _plain(word: str) -> str | None:
    word = word.lower()
    return word if word.isalpha() and len(word) >= 3 and word not in STOP else None


def MixedAnalyzer():  # noqa: N802 (Whoosh's naming style for analyzers)
    return MixedTokenizer()


def SpellingAnalyzer():  # noqa: N802
    """Unstemmed Latin words only, for "did you mean"."""
    return MixedTokenizer(stemming=False, unigrams=False)
