"""A big segment's postings of the text fields as flat arrays on disk, read without Whoosh.

Whoosh stores each block of a posting list as one pickle holding the block's ids, weights and
every posting's positions: reading a term's documents means unpickling all of it, about 2 µs a
posting in pure Python. Over 200,000 documents a search of words nobody searched for before
spent most of its time there (a common word has tens of thousands of postings: 40–120 ms).

A segment never changes once written, so its postings can be laid out once more, for reading
in bulk: per segment, next to Whoosh's own files in the index folder,

- ``<segment>.cp_ids.npy``: the document numbers of every kept posting list, one after another
  (int32), and ``<segment>.cp_weights.npy`` their weights (float32, as Whoosh stores them);
- ``<segment>.cp_index.npy``: per kept term, (offset of its posting list in Whoosh's postings
  file, start, end) into those arrays, sorted by offset (int64). Whoosh's term info gives the
  offset, so a term is found with one binary search.

The files are memory-mapped: the operating system keeps the hot parts in its page cache, shared
by every process, across restarts. Their names follow Whoosh's segment files, so
collab.search.index's clean-up deletes them with their segment. Only segments of at least
``MIN_DOCS`` documents get them (a smaller segment is cheap to read through Whoosh), and only
posting lists of at least ``MIN_POSTINGS`` documents are kept. ``lay_out`` makes them, in a
process of its own (collab.search.postings_build: minutes of pure Python that would
otherwise hold the serving process's interpreter lock): the indexer after its commits and merges
(collab.search.indexer.keep_postings), ``collab reindex`` after a rebuild. A segment without them
(not built yet, or a file that does not read back right) is read through Whoosh, as before:
the arrays hold exactly what collab.search.vecscore.postings reads there.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from pathlib import Path

import numpy as np
from whoosh.reading import TermNotFound

log = logging.getLogger(__name__)

FIELDS = ("title", "body")
MIN_DOCS = 10_000
MIN_POSTINGS = 64
RECHECK_SECONDS = 10.0  # how often a segment without arrays is looked at again

_lock = threading.Lock()
_open: dict[tuple[str, str], tuple[object, float]] = {}  # (folder, segment id) -> (_Store or None, when seen)


def _names(segment_id: str) -> dict[str, str]:
    return {part: f"{segment_id}.cp_{part}.npy" for part in ("ids", "weights", "positions", "index")}


class _Store:
    def __init__(self, index: np.ndarray, ids: np.ndarray, weights: np.ndarray, positions: np.ndarray):
        self.keys = np.ascontiguousarray(index[:, 0])
        self.index = index
        self.ids = ids
        self.weights = weights
        self.positions = positions

    def _row(self, offset: int):
        i = int(np.searchsorted(self.keys, offset))
        if i >= len(self.keys) or int(self.keys[i]) != offset:
            return None
        return self.index[i]

    def get(self, offset: int) -> tuple[np.ndarray, np.ndarray] | None:
        row = self._row(offset)
        if row is None:
            return None
        start, end = int(row[1]), int(row[2])
        return self.ids[start:end].astype(np.int64), self.weights[start:end].astype(np.float64)

    def get_positions(self, offset: int, boost: float):
        """(ids, starts, positions): posting i's positions are positions[starts[i]:starts[i + 1]]."""
        row = self._row(offset)
        if row is None or int(row[3]) < 0:
            return None
        start, end, pstart, pend = (int(x) for x in row[1:])
        counts = np.rint(self.weights[start:end] / np.float32(boost)).astype(np.int64)
        starts = np.concatenate(([0], np.cumsum(counts)))
        if int(starts[-1]) != pend - pstart:
            return None
        return self.ids[start:end].astype(np.int64), starts, self.positions[pstart:pend].astype(np.int64)


def _folder_and_id(reader) -> tuple[str, str] | None:
    storage = reader.storage() if hasattr(reader, "storage") else None
    folder = getattr(storage, "folder", None)
    segment = reader.segment() if hasattr(reader, "segment") else None
    if folder is None or segment is None or segment.is_compound():
        return None
    return str(folder), segment.segment_id()


def _load(folder: str, segment_id: str):
    names = _names(segment_id)
    paths = {part: os.path.join(folder, name) for part, name in names.items()}
    if not os.path.exists(paths["index"]):  # written last: the others are complete when it is there
        return None
    try:
        index = np.load(paths["index"], mmap_mode="r")
        ids = np.load(paths["ids"], mmap_mode="r")
        weights = np.load(paths["weights"], mmap_mode="r")
        positions = np.load(paths["positions"], mmap_mode="r")
        ok = (index.ndim == 2 and index.shape[1] == 5 and index.dtype == np.int64 and ids.dtype == np.int32
              and weights.dtype == np.float32 and ids.shape == weights.shape and positions.dtype == np.int32
              and (len(index) == 0 or (int(index[:, 2].max()) <= len(ids) and int(index[:, 1].min()) >= 0
                                       and int(index[:, 4].max()) <= len(positions))))
        if not ok:
            raise ValueError("inconsistent shapes")
        return _Store(np.asarray(index), ids, weights, positions)
    except (OSError, ValueError, EOFError) as e:
        log.warning("search: kept postings of segment %s unreadable (%s); reading through Whoosh", segment_id, e)
        return None


_swept = 0.0


def _sweep(now: float) -> None:
    """Forget (unmap) the arrays of segments merged away since: their files are deleted, and an
    open map would keep the disk space and a file handle in every process that searched them."""
    global _swept
    _swept = now
    with _lock:
        held = [(where, hit[0]) for where, hit in _open.items() if hit[0] is not None]
    gone = [where for where, _store in held if not has_arrays(*where)]
    if gone:
        with _lock:
            for where in gone:
                _open.pop(where, None)


def store_for(reader) -> _Store | None:
    where = _folder_and_id(reader)
    if where is None or reader.doc_count_all() < MIN_DOCS:
        return None
    now = time.monotonic()
    if now - _swept >= RECHECK_SECONDS:
        _sweep(now)
    with _lock:
        hit = _open.get(where)
    if hit is not None and (hit[0] is not None or now - hit[1] < RECHECK_SECONDS):
        return hit[0]
    store = _load(*where)
    with _lock:
        _open[where] = (store, now)
        if len(_open) > 256:  # merged-away segments: forget the oldest
            for key in list(_open)[:128]:
                _open.pop(key, None)
    return store


def _offset(reader, fieldname: str, btext: bytes):
    """(the segment's arrays, the term's posting list offset), or None."""
    if fieldname not in FIELDS:
        return None
    store = store_for(reader)
    if store is None:
        return None
    try:
        info = reader.term_info(fieldname, btext)
    except (KeyError, TermNotFound):
        return None
    if info.is_inlined():
        return None
    return store, info.extent()[0]


def lookup(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """The term's (ids int64, weights float64) from the segment's arrays, or None when they do
    not hold it (the caller reads Whoosh's postings)."""
    found = _offset(reader, fieldname, btext)
    return found[0].get(found[1]) if found is not None else None


def lookup_positions(reader, fieldname: str, btext: bytes):
    """The term's (ids, starts, positions) from the segment's arrays (see ``_Store.get_positions``),
    or None."""
    found = _offset(reader, fieldname, btext)
    if found is None:
        return None
    return found[0].get_positions(found[1], reader.schema[fieldname].format.field_boost)


def build(reader, read_postings, min_postings: int | None = None) -> bool:
    """Write the arrays of one segment. ``read_postings(reader, field, btext)`` reads a term
    through Whoosh as (ids, weights, counts of positions, positions), the last two None when
    it has no positions. False when there is nothing to keep or the segment is not in a folder."""
    min_postings = MIN_POSTINGS if min_postings is None else min_postings
    where = _folder_and_id(reader)
    if where is None:
        return False
    folder, segment_id = where
    terms = []  # (offset, field, btext, doc frequency, positions)
    for field in FIELDS:
        if field not in reader.indexed_field_names():
            continue
        boost = reader.schema[field].format.field_boost
        for btext in reader.lexicon(field):
            info = reader.term_info(field, btext)
            if not info.is_inlined() and info.doc_frequency() >= min_postings:
                terms.append((info.extent()[0], field, btext, info.doc_frequency(), round(info.weight() / boost)))
    if not terms:
        return False
    total = sum(t[3] for t in terms)
    total_positions = sum(t[4] for t in terms)
    names = _names(segment_id)
    tag = f".cp-{os.getpid()}-{uuid.uuid4().hex}-"
    tmp = {part: os.path.join(folder, tag + name) for part, name in names.items()}
    try:
        ids = np.lib.format.open_memmap(tmp["ids"], mode="w+", dtype=np.int32, shape=(total,))
        weights = np.lib.format.open_memmap(tmp["weights"], mode="w+", dtype=np.float32, shape=(total,))
        positions = np.lib.format.open_memmap(tmp["positions"], mode="w+", dtype=np.int32,
                                              shape=(max(1, total_positions),))
        index = np.zeros((len(terms), 5), dtype=np.int64)
        at = pat = 0
        for i, (offset, field, btext, _df, _npos) in enumerate(terms):
            got_ids, got_weights, counts, got_positions = read_postings(reader, field, btext)
            n = len(got_ids)
            if at + n > total:
                raise ValueError("more postings than the term infos say")
            ids[at:at + n] = got_ids
            weights[at:at + n] = got_weights
            pstart = pend = -1
            boost = reader.schema[field].format.field_boost
            if counts is not None and pat + len(got_positions) <= len(positions) \
                    and np.array_equal(counts, np.rint(weights[at:at + n] / np.float32(boost)).astype(np.int64)) \
                    and (len(got_positions) == 0 or int(got_positions.max()) < 2 ** 31):
                pstart, pend = pat, pat + len(got_positions)
                positions[pstart:pend] = got_positions
                pat = pend
            index[i] = (offset, at, at + n, pstart, pend)
            at += n
        index = index[np.argsort(index[:, 0], kind="stable")]
        for array in (ids, weights, positions):
            array.flush()
        del ids, weights, positions
        np.save(tmp["index"], index)
        for part in ("ids", "weights", "positions", "index"):  # the index last: the others are complete
            os.replace(tmp[part], os.path.join(folder, names[part]))
    finally:
        for path in tmp.values():
            if os.path.exists(path):
                os.unlink(path)
    return True


# Exit codes of the build process (``lay_out``, collab.search.postings_build).
_BUILT, _NOTHING, _GONE, _TERMINATED = 0, 3, 4, 143

# The build process's start: the collab package is importable from where this file is even
# when it is not installed (appended, so nothing here shadows the standard library).
_CHILD = ("import sys; sys.path.append({root!r}); from collab.search.postings_build import run; "
          "run(sys.argv[1:])")


class Stopped(Exception):
    """The builds were stopped (the indexer is stopping): not a failure of the segment."""


class Builds:
    """The build processes of one indexer: ``stop`` terminates those running and refuses new ones."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running: set = set()
        self.stopped = False

    def start(self, args: list[str]):
        import subprocess
        import sys

        root = str(Path(__file__).resolve().parents[2])
        with self._lock:
            if self.stopped:
                raise Stopped()
            # stdin stays open while this process lives: the build ends itself when it closes.
            proc = subprocess.Popen([sys.executable, "-c", _CHILD.format(root=root), *args],
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self._running.add(proc)
        return proc

    def finished(self, proc) -> None:
        with self._lock:
            self._running.discard(proc)

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            running = list(self._running)
        for proc in running:
            try:
                proc.terminate()
            except OSError:
                pass


def _wait(proc) -> bytes:
    err = proc.stderr.read()
    proc.wait()
    return err


def lay_out(reader, builds: Builds | None = None) -> bool:
    """``build`` the segment's arrays in a process of its own, waiting (cooperatively under
    gevent) for it: reading every posting through Whoosh is pure Python, minutes for a big
    segment, and in this process it would hold the interpreter's lock all that time, slowing
    every request. True when they were written; False when there was nothing to keep.
    FileNotFoundError when the segment was merged away meanwhile; ``Stopped`` when ``builds``
    was stopped; RuntimeError when the build failed (its error output in the message)."""
    import sys

    where = _folder_and_id(reader)
    if where is None:
        return False
    builds = builds or Builds()
    proc = builds.start([os.path.abspath(where[0]), where[1], str(MIN_POSTINGS)])
    try:
        monkey = sys.modules.get("gevent.monkey")
        if monkey is not None and monkey.is_module_patched("socket") and not monkey.is_module_patched("subprocess"):
            from collab.concurrency import offload

            err = offload(_wait, proc)  # a plain wait would stop the hub
        else:
            err = _wait(proc)
    finally:
        builds.finished(proc)
        for pipe in (proc.stdin, proc.stderr):
            try:
                pipe.close()
            except OSError:
                pass
    if proc.returncode not in (_BUILT, _NOTHING) and (builds.stopped or proc.returncode in (_TERMINATED, -15)):
        raise Stopped()  # stopped with its server (a service manager stopping both, say): not a failure
    if proc.returncode == _GONE:
        raise FileNotFoundError(where[1])
    if proc.returncode not in (_BUILT, _NOTHING):
        tail = err.decode("utf-8", "replace").strip()[-2000:]
        raise RuntimeError(f"the build process ended with code {proc.returncode}: {tail}")
    return proc.returncode == _BUILT


def forget(reader) -> None:
    """Look for the segment's arrays again on the next search (after ``lay_out``)."""
    where = _folder_and_id(reader)
    with _lock:
        _open.pop(where, None)


def remove_abandoned(folder) -> int:
    """Delete the temporary files of builds whose process is gone (killed in the middle: its
    own clean-up never ran). Whoosh's clean-up leaves names starting with "." alone."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if not name.startswith(".cp-"):
            continue
        try:
            pid = int(name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            try:
                os.unlink(os.path.join(folder, name))
                removed += 1
            except OSError:
                pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: it exists
        return True
    return True


def big_segments(ix) -> list:
    """The segments of the Whoosh index ``ix`` that should have arrays."""
    return [seg for seg in ix._segments() if seg.doc_count_all() >= MIN_DOCS]


def has_arrays(folder, segment_id: str) -> bool:
    return Path(folder, _names(segment_id)["index"]).exists()


def missing(searcher) -> list:
    """The segment readers of ``searcher`` that should have arrays and have none."""
    out = []
    for reader, _offset in searcher.reader().leaf_readers():
        where = _folder_and_id(reader)
        if where is not None and reader.doc_count_all() >= MIN_DOCS and not has_arrays(*where):
            out.append(reader)
    return out
