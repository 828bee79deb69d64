"""The Whoosh index under instance/: schema, opening with recovery, per-thread searchers.

Failure model. The folder may vanish (deleted by hand, a restore, a bad cleanup job) or be damaged
(disk full, a crash on a filesystem without ordered writes) while processes run, and several
processes (web servers, ``collab indexer``, commands) open the same folder. So:

* Opening checks the index (table of contents, every segment's files) and, when it is missing,
  made by another schema version or broken, moves a broken folder aside, starts an empty index
  and leaves a *rebuild mark* file in the folder: every process sees that the index must be refilled
  from the database, and the one indexer does it (``indexer.rebuild``) and removes the mark.
* Every searcher and writer first checks, with one ``stat``, that the folder is still the one it
  opened (the ``collab-schema`` file's inode); a replaced or vanished folder is reopened (and
  repaired) before use. ``recover()`` does the same after an unexpected error.
* Creating, replacing or moving the folder happens under a lock file *beside* the folder (it must
  outlive the folder), and every decision is re-checked under it, so two processes never both
  start a new index.
* Whoosh's writer lock is an ``fcntl.flock`` on ``MAIN_WRITELOCK``: the kernel releases it when the
  holder dies, even by SIGKILL, so a killed indexer never leaves the index locked.
* A commit does not delete the files of the generation it replaces at once (Whoosh does): a
  searcher opened on that generation, in this process or another, opens most of its segment files
  only when a search first needs them (stored fields, lengths, sort columns), and would find them
  gone ("'NoneType' object is not subscriptable" from Whoosh, or a FileNotFoundError). Files stop
  being used GRACE_SECONDS after the generation that referenced them was replaced, and a later
  commit deletes them then (``_clean_files``).
"""
from __future__ import annotations

import gc
import logging
import os
import shutil
import threading
import weakref
import time
import traceback
import types
import warnings
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import TOC
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.query import Term
from whoosh.util.filelock import FileLock, try_for
from whoosh.writing import LockError

from .analysis import MixedAnalyzer, SpellingAnalyzer

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
VERSION_FILE = "collab-schema"
REBUILD_MARK = "collab-rebuild-needed"
KEEP_BROKEN = 2  # broken folders kept beside the index for a post-mortem; older ones are deleted
# How long the files of a replaced index generation stay on disk for the searchers still reading it
# (a search takes well under a second; a searcher is refreshed before every search).
GRACE_SECONDS = 60.0


def make_schema() -> Schema:
    mixed = MixedAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        type=ID(stored=True, sortable=True),
        community=ID(stored=True, sortable=True),  # community id, "" for site-wide documents
        scope=ID(),  # "site", "community:<id>" or "user:<id>": who may read it (see query.mask_for)
        title=TEXT(analyzer=mixed, stored=True, field_boost=3.0, phrase=True),
        body=TEXT(analyzer=mixed, stored=True, phrase=True),
        spell=TEXT(analyzer=SpellingAnalyzer(), phrase=False),
        author=ID(stored=True, sortable=True),
        tags=KEYWORD(stored=True, lowercase=True, commas=True, scorable=True),
        created=DATETIME(stored=True, sortable=True),
        updated=DATETIME(stored=True, sortable=True),
        url=STORED(),
    )


def check_index(ix) -> int:
    """Read a little of every part of every segment; raises when something is damaged.

    Cheap (a constant amount of work per segment plus the sort columns), so it runs at every
    open. It catches a damaged table of contents, term index, postings, stored fields, field
    lengths and sort columns, whole or truncated; damage in the middle of a large postings file
    can still hide until a search reads it (``recover`` then looks again).
    """
    with ix.searcher() as s:
        count = s.doc_count()
        for reader, _offset in s.reader().leaf_readers():
            total = reader.doc_count_all()
            if not total:
                continue
            for docnum in sorted({0, total - 1}):
                if reader.is_deleted(docnum):
                    continue
                stored = reader.stored_fields(docnum)
                for name in ("title", "body"):
                    text = (stored.get(name) or "")[:1000]
                    has_tokens = any(True for _ in ix.schema[name].analyzer(text))
                    if has_tokens and not reader.doc_field_length(docnum, name):
                        raise ValueError(f"the {name} lengths of segment {reader.segment()} are damaged")
                if stored.get("id"):
                    list(reader.postings("id", stored["id"]).all_ids())
            for name in ("title", "body"):
                first = next(iter(reader.lexicon(name)), None)
                if first is not None:
                    list(reader.postings(name, first).all_ids())
                    for hit in s.search(Term(name, first), limit=1):  # scoring reads the lengths
                        hit.fields()
            for name in ("type", "community", "author", "created"):
                if reader.has_column(name):
                    column = reader.column_reader(name)
                    column[0]
                    column[total - 1]
    return count


class SearchIndex:
    """One index folder, shared by the threads of a process (see the module docstring)."""

    def __init__(self, path: str):
        self.path = Path(path)
        self._lock = threading.RLock()
        self._ix = None
        self._identity = None  # (inode, mtime) of the version file when this process opened it
        self._epoch = 0  # bumped on every reopen: older per-thread searchers are replaced
        self._local = threading.local()
        # Weak: under the gevent worker "thread-local" is greenlet-local, a request's searcher is
        # dropped with its greenlet, and a plain list would keep every one of them alive.
        self._searchers: weakref.WeakSet = weakref.WeakSet()
        # (type, pk) -> (failures, retry not before): documents whose to_document raised
        self.failures: dict[tuple[str, str], tuple[int, float]] = {}

    # -- the rebuild mark, shared by every process through the folder

    @property
    def _mark(self) -> Path:
        return self.path / REBUILD_MARK

    @property
    def needs_rebuild(self) -> bool:
        return self._mark.exists()

    @property
    def problem(self) -> str | None:
        """Why the index is being rebuilt (None when it is not)."""
        try:
            return self._mark.read_text(encoding="utf-8").strip() or "the search index is being rebuilt"
        except OSError:
            return None

    def mark_for_rebuild(self, reason: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        _write_atomic(self._mark, reason)

    def mark_rebuilt(self, identity=None) -> None:
        """The index was refilled from the database; ``identity``: the folder the rebuild wrote to
        (a folder replaced meanwhile keeps its mark)."""
        if identity is not None and identity != self.current_identity():
            return
        try:
            self._mark.unlink()
        except FileNotFoundError:
            pass

    # -- opening and repairing

    def current_identity(self):
        try:
            st = (self.path / VERSION_FILE).stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    @property
    def ix(self):
        if self._ix is None:
            with self._lock:
                if self._ix is None:
                    self._reopen()
        return self._ix

    def ensure(self) -> None:
        """Reopen (and repair) when the folder was removed or replaced since it was opened."""
        if self._ix is None or self.current_identity() != self._identity:
            with self._lock:
                if self._ix is None or self.current_identity() != self._identity:
                    self._reopen()

    def recover(self, error: BaseException | None = None) -> None:
        """After an unexpected error from Whoosh: look at the index again, repair it if broken."""
        if error is not None:
            log.warning("search index error (%s: %s); checking the index", type(error).__name__, error)
            release_files(error)
        with self._lock:
            self._reopen()

    def _reopen(self) -> None:
        self._ix = self._open()
        self._identity = self.current_identity()
        self._epoch += 1

    def _open(self):
        seen = self.current_identity()
        ix, reason = self._try_open()
        if ix is not None:
            return ix
        # Under the lock: the same verdict, unless another process replaced the folder meanwhile.
        return self._replace(
            reason, still_broken=lambda: (None, reason) if self.current_identity() == seen else self._try_open(),
            recheck=True)

    def condemn(self, error: BaseException) -> None:
        """A search read damaged data that opening did not notice: move the index aside, start
        a new one and mark it for rebuilding (unless another process already replaced it)."""
        opened = self._identity
        reason = _Reason(f"the search index is damaged ({type(error).__name__}: {error})", broken=True)
        release_files(error)
        with self._lock:
            self._ix = self._replace(
                reason, still_broken=lambda: (None, reason) if self.current_identity() == opened else self._try_open())
            self._identity = self.current_identity()
            self._epoch += 1

    def _replace(self, reason, still_broken, recheck: bool = False):
        """Start a new index (moving a broken one aside) under the lock beside the folder,
        unless ``still_broken()``, asked again under the lock, finds a usable index.

        With ``recheck`` the folder is opened once more while holding the index's write lock:
        a reader that opened it while a writer was committing (merged segments being removed,
        a table of contents being replaced) can fail to open a healthy index; only an index that
        cannot be opened while no writer is busy is moved aside."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path.with_name(self.path.name + ".lock")))
        if not try_for(lock.acquire, timeout=30.0, delay=0.05):
            raise LockError(f"another process is repairing the search index at {self.path}")
        try:
            ix, reason = still_broken()
            if ix is not None:
                return ix  # another process repaired it meanwhile
            if reason.broken and self.path.exists():
                # Not while a writer is busy in it (its commit would land in the new folder).
                writelock = FileLock(str(self.path / "MAIN_WRITELOCK"))
                if not try_for(writelock.acquire, timeout=5.0, delay=0.05):
                    raise LockError(f"the search index at {self.path} is being written; it is checked again later")
                try:
                    if recheck:
                        ix, again = self._try_open()
                        if ix is not None:
                            log.info("search index at %s opens again now that no writer is busy (%s)",
                                     self.path, reason)
                            return ix
                        reason = again
                    self._move_aside()
                finally:
                    writelock.release()
            self.path.mkdir(parents=True, exist_ok=True)
            log.warning("search index at %s: %s; starting a new one, to be rebuilt from the database",
                        self.path, reason)
            self.mark_for_rebuild(str(reason))
            # The version file first: a process that sees it without an index waits for this lock.
            _write_atomic(self.path / VERSION_FILE, SCHEMA_VERSION)
            return whoosh_index.create_in(str(self.path), make_schema())
        finally:
            lock.release()

    def _try_open(self):
        """(index, None) when the folder holds a healthy index of this version, else (None, why)."""
        version_file = self.path / VERSION_FILE
        error = ""
        # Whoosh leaves files open when it fails half-way through reading damaged ones; they are
        # closed by the collection below, without a ResourceWarning for each.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            for attempt in range(2):  # a writer cleaning up merged segments can race a reader: retry
                try:
                    if not whoosh_index.exists_in(str(self.path)):
                        return None, _Reason("there was no search index" if not version_file.exists()
                                             else "the search index files were missing")
                    if not version_file.exists() or version_file.read_text().strip() != SCHEMA_VERSION:
                        return None, _Reason("the index was made by another version of collab", broken=True)
                    ix = whoosh_index.open_dir(str(self.path))
                    check_index(ix)
                    return ix, None
                except Exception as e:  # corrupted files, truncated segments, permissions ...
                    error = f"{type(e).__name__}: {e}"
                time.sleep(0.05)
            gc.collect()
        return None, _Reason(f"the search index could not be opened ({error})", broken=True)

    def _move_aside(self) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        broken = self.path.with_name(f"{self.path.name}.broken-{stamp}-{os.getpid()}")
        try:
            os.replace(self.path, broken)
            log.error("moved the broken search index to %s", broken)
        except OSError:
            shutil.rmtree(self.path, ignore_errors=True)
        old = sorted(self.path.parent.glob(f"{self.path.name}.broken-*"), key=lambda p: p.stat().st_mtime)
        for p in old[:-KEEP_BROKEN]:
            shutil.rmtree(p, ignore_errors=True)

    def close(self) -> None:
        """Close every searcher this index handed out and forget the open index."""
        with self._lock:
            for s in list(self._searchers):
                try:
                    s.close()
                except Exception:
                    pass
            self._searchers.clear()
            self._ix = None
            self._identity = None
            self._local = threading.local()

    # -- using it

    def searcher(self):
        """A searcher for this thread, refreshed to the newest committed generation of the
        folder as it is now (reopened and repaired first when it was replaced or removed)."""
        self.ensure()
        s = getattr(self._local, "searcher", None)
        if s is not None:
            try:
                current = self._local.epoch == self._epoch and s.up_to_date()
            except Exception:
                current = False
            if current:
                return s
            # A new searcher rather than refresh(): refresh shares segment readers with the old
            # searcher, which then could not be closed safely.
            self._forget(s)
            self._local.searcher = None
        try:
            fresh = self.ix.searcher()
        except Exception as e:
            self.recover(e)
            fresh = self.ix.searcher()
        with self._lock:
            self._searchers.add(fresh)
        self._local.searcher = fresh
        self._local.epoch = self._epoch
        return fresh

    def _forget(self, s) -> None:
        with self._lock:
            self._searchers.discard(s)
        try:
            s.close()
        except Exception:
            pass

    def writer(self, timeout: float = 30.0):
        """The one writer (Whoosh's lock; raises LockError after ``timeout`` seconds)."""
        self.ensure()
        # compound=False: Whoosh cannot read term vectors (the tag facet) out of compound segments.
        try:
            writer = self.ix.writer(timeout=timeout, compound=False)
        except LockError:
            raise
        except Exception as e:  # the folder vanished or broke since ensure(): repair, try once more
            self.recover(e)
            writer = self.ix.writer(timeout=timeout, compound=False)
        writer._commit_toc = types.MethodType(_commit_toc, writer)
        return writer

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    def doc_ids(self) -> list[str]:
        """The ids of every live document (tests and consistency checks)."""
        s = self.searcher()
        return [fields["id"] for _docnum, fields in s.reader().iter_docs()]

    def size_on_disk(self) -> int:
        return sum(f.stat().st_size for f in self.path.glob("*") if f.is_file())


def _commit_toc(writer, segments) -> None:
    """Whoosh's SegmentWriter._commit_toc, but the files of replaced generations stay for a grace
    period (see the module docstring) instead of being deleted at once."""
    toc = TOC(writer.schema, segments, writer.generation)
    toc.write(writer.storage, writer.indexname)
    _clean_files(writer.storage, writer.indexname, writer.generation, segments)


_toc_cache: dict[tuple, frozenset] = {}


def _toc_segments(storage, indexname: str, gen: int, filename: str) -> frozenset:
    """The segment ids a table of contents names (a written one never changes: cached)."""
    key = (getattr(storage, "folder", id(storage)), filename, storage.file_modified(filename))
    ids = _toc_cache.get(key)
    if ids is None:
        ids = frozenset(s.segment_id() for s in TOC.read(storage, indexname, gen).segments)
        if len(_toc_cache) > 4096:
            _toc_cache.clear()
        _toc_cache[key] = ids
    return ids


def _clean_files(storage, indexname: str, gen: int, segments, grace: float = GRACE_SECONDS) -> None:
    """Delete the index files no searcher can still be using (under the writer lock, at commit).

    A table of contents (generation) older than the current one is kept while the next newer one
    was written less than ``grace`` seconds ago: until then a searcher may have opened it and read
    its segment list. Segment files are deleted when no kept generation names their segment."""
    toc_pattern = TOC._pattern(indexname)
    seg_pattern = TOC._segment_pattern(indexname)
    tocs: dict[int, str] = {}
    seg_files: list[tuple[str, str]] = []
    for filename in storage:
        if filename.startswith("."):
            continue
        m = toc_pattern.match(filename)
        if m:
            tocs[int(m.group(1))] = filename
            continue
        m = seg_pattern.match(filename)
        if m:
            seg_files.append((filename, m.group(1)))
    keep = {s.segment_id() for s in segments}
    delete = []
    now = time.time()
    newer = gen
    for g in sorted((g for g in tocs if g < gen), reverse=True):
        try:
            replaced_at = storage.file_modified(tocs[newer]) if newer in tocs else now
        except OSError:
            replaced_at = now
        if now - replaced_at < grace:
            try:
                keep.update(_toc_segments(storage, indexname, g, tocs[g]))
            except Exception:  # unreadable: nothing can be reading it either
                delete.append(tocs[g])
        else:
            delete.append(tocs[g])
        newer = g
    delete += [filename for filename, segment in seg_files if segment not in keep]
    for filename in delete:
        try:
            storage.delete_file(filename)
        except OSError:
            pass


_DAMAGE_MODULES = ("/whoosh/codec/", "/whoosh/filedb/", "/whoosh/columns.py", "/whoosh/util/numlists.py",
                   "/whoosh/util/varints.py", "/whoosh/system.py")


def looks_damaged(error: BaseException) -> bool:
    """Whether an exception from a search looks like damaged index files (raised while decoding
    them) rather than a mistake in a query: decoding errors, or anything raised inside Whoosh's
    file and codec layers."""
    import pickle
    import struct
    import zlib

    if isinstance(error, FileNotFoundError):
        # Most likely a race, not damage: a merge removed a segment file between reading the
        # table of contents and opening the file. Reopening (recover) fixes that; throwing the
        # whole index away would lose every document the database cannot rebuild quickly.
        return False
    if isinstance(error, (struct.error, EOFError, pickle.UnpicklingError, zlib.error, UnicodeError)):
        return True
    if type(error).__name__ == "FileFormatError":
        return True
    tb = error.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return bool(last) and any(m in last.replace(os.sep, "/") for m in _DAMAGE_MODULES)


def release_files(error: BaseException) -> None:
    """Close the files Whoosh left open when it failed half-way through reading damaged ones
    (they hang off the failed calls' frames): without a ResourceWarning for each, and now rather
    than whenever the garbage collector gets to them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        seen = set()
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            if error.__traceback__ is not None:
                traceback.clear_frames(error.__traceback__)
            error = error.__cause__ or error.__context__
        gc.collect()


class _Reason(str):
    broken = False

    def __new__(cls, text: str, broken: bool = False):
        obj = super().__new__(cls, text)
        obj.broken = broken
        return obj


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
