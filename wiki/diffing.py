"""Comparing and merging page texts.

Three-way merge is merge3's (the maintained Python port of Bazaar's merge): a save made on an
older revision is merged with the edits made since; only overlapping changes conflict.
Diffs are difflib's, on lines, with a word-level diff inside lines that changed (CJK text is
compared character by character, since it has no spaces between words).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from merge3 import Merge3

START, MIDDLE, END = "<<<<<<<", "=======", ">>>>>>>"


def normalise(text: str | None) -> str:
    """One newline convention, and a final newline on non-empty text (merges and diffs of the
    last line then behave like every other line)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\n")
    return text + "\n" if text.strip() else ""


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


# --------------------------------------------------------------------------- merge


@dataclass
class MergeResult:
    text: str  # merged text; conflicting regions between markers
    conflicts: int  # number of conflicting regions
    hunks: list[tuple[str, str]] = field(default_factory=list)  # (theirs, yours) per conflict

    @property
    def clean(self) -> bool:
        return self.conflicts == 0


def merge(base: str, theirs: str, mine: str, *, their_label: str, my_label: str) -> MergeResult:
    """Merge ``mine`` (edited from ``base``) with ``theirs`` (saved since ``base``)."""
    base, theirs, mine = normalise(base), normalise(theirs), normalise(mine)
    out: list[str] = []
    hunks: list[tuple[str, str]] = []
    for group in Merge3(lines(base), lines(theirs), lines(mine)).merge_groups():
        if group[0] == "conflict":
            _, _base_lines, their_lines, my_lines = group
            hunks.append(("".join(their_lines), "".join(my_lines)))
            out.append(f"{START} {their_label}\n")
            out.extend(their_lines)
            out.append(f"{MIDDLE}\n")
            out.extend(my_lines)
            out.append(f"{END} {my_label}\n")
        else:
            out.extend(group[1])
    return MergeResult(text="".join(out), conflicts=len(hunks), hunks=hunks)


def has_conflict_markers(text: str) -> bool:
    found = {START: False, MIDDLE: False, END: False}
    for line in normalise(text).splitlines():
        for marker in found:
            if line == marker or line.startswith(marker + " "):
                found[marker] = True
    return all(found.values())


# --------------------------------------------------------------------------- diff

# A token: a run of word characters outside CJK, a single CJK character, a run of spaces, or
# any other single character.
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|\s+|.", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _words(old: str, new: str) -> tuple[Markup, Markup]:
    """Both lines with the changed words wrapped in <del> (old) and <ins> (new)."""
    a, b = _tokens(old), _tokens(new)
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(old_part)
            right.append(new_part)
            continue
        if i2 > i1:
            left.append(Markup("<del>{}</del>").format(old_part))
        if j2 > j1:
            right.append(Markup("<ins>{}</ins>").format(new_part))
    return Markup("").join(left), Markup("").join(right)


@dataclass
class Row:
    """One row of a diff: ``kind`` is equal, delete, insert, change or skip (folded context)."""

    kind: str
    old_no: int | None = None
    new_no: int | None = None
    old: Markup = field(default_factory=Markup)
    new: Markup = field(default_factory=Markup)
    skipped: int = 0


def _similar(a: str, b: str) -> bool:
    if not a.strip() or not b.strip():
        return False
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.4


def diff_rows(old_text: str, new_text: str, context: int = 3) -> list[Row]:
    """Rows for a side-by-side view (``change`` rows carry both sides, word-level marked).
    Unchanged runs longer than the context are folded into one ``skip`` row."""
    a = normalise(old_text).splitlines()
    b = normalise(new_text).splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=len(a) + len(b) > 4000)
    rows: list[Row] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows.extend(Row("equal", i + 1, j1 + (i - i1) + 1, escape(a[i]), escape(b[j1 + i - i1]))
                        for i in range(i1, i2))
        elif op == "delete":
            rows.extend(Row("delete", i + 1, None, escape(a[i])) for i in range(i1, i2))
        elif op == "insert":
            rows.extend(Row("insert", None, j + 1, new=escape(b[j])) for j in range(j1, j2))
        else:  # replace: pair lines up in order; a pair that shares little is a delete + insert
            n = max(i2 - i1, j2 - j1)
            for k in range(n):
                i, j = i1 + k, j1 + k
                if i < i2 and j < j2:
                    if _similar(a[i], b[j]):
                        old, new = _words(a[i], b[j])
                        rows.append(Row("change", i + 1, j + 1, old, new))
                    else:
                        rows.append(Row("change", i + 1, j + 1, Markup("<del>{}</del>").format(a[i]),
                                        Markup("<ins>{}</ins>").format(b[j])))
                elif i < i2:
                    rows.append(Row("delete", i + 1, None, escape(a[i])))
                else:
                    rows.append(Row("insert", None, j + 1, new=escape(b[j])))
    return _fold(rows, context)


def _fold(rows: list[Row], context: int) -> list[Row]:
    if context < 0:
        return rows
    changed = [i for i, r in enumerate(rows) if r.kind != "equal"]
    if not changed:
        return []
    keep = [False] * len(rows)
    for i in changed:
        for k in range(max(0, i - context), min(len(rows), i + context + 1)):
            keep[k] = True
    out: list[Row] = []
    skipped = 0
    for i, row in enumerate(rows):
        if keep[i]:
            if skipped:
                out.append(Row("skip", skipped=skipped))
                skipped = 0
            out.append(row)
        else:
            skipped += 1
    if skipped:
        out.append(Row("skip", skipped=skipped))
    return out


def inline_rows(rows: list[Row]) -> list[Row]:
    """The same diff as one column: a changed line becomes its old (delete) and new (insert)
    versions, one under the other, keeping the word-level marks."""
    out: list[Row] = []
    pending_new: list[Row] = []
    for row in rows:
        if row.kind == "change":
            out.append(Row("delete", row.old_no, None, row.old))
            pending_new.append(Row("insert", None, row.new_no, new=row.new))
            continue
        if row.kind == "delete" and pending_new:  # the rest of a replaced block's old lines
            out.append(row)
            continue
        out.extend(pending_new)
        pending_new = []
        out.append(row)
    out.extend(pending_new)
    return out


def stats(rows: list[Row]) -> tuple[int, int]:
    """(lines added, lines removed)."""
    added = sum(1 for r in rows if r.kind in ("insert", "change"))
    removed = sum(1 for r in rows if r.kind in ("delete", "change"))
    return added, removed
