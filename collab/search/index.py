"""The Whoosh index under instance/: schema, opening with recovery, per-thread searchers."""
from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from .analysis import MixedAnalyzer, SpellingAnalyzer

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"


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


class SearchIndex:
    """One index folder. Opening recovers from a missing or broken index by starting a new one
    (and reporting ``needs_rebuild`` so the indexer refills it from the database)."""

    def __init__(self, path: str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._ix = None
        self._local = threading.local()
        self._searchers: list = []
        self.needs_rebuild = False
        self.problem: str | None = None

    @property
    def ix(self):
        if self._ix is None:
            with self._lock:
                if self._ix is None:
                    self._ix = self._open()
        return self._ix

    def _open(self):
        self.path.mkdir(parents=True, exist_ok=True)
        version_file = self.path / "collab-schema"
        try:
            if whoosh_index.exists_in(str(self.path)):
                if version_file.exists() and version_file.read_text().strip() == SCHEMA_VERSION:
                    ix = whoosh_index.open_dir(str(self.path))
                    with ix.searcher() as s:  # touch it: a corrupt TOC or segment raises here
                        s.doc_count()
                    return ix
                self.problem = "the index was made by another version of collab"
            else:
                self.problem = "there was no search index"
        except Exception as e:  # corrupted files, truncated segments, permissions ...
            self.problem = f"the search index could not be opened ({type(e).__name__}: {e})"
            log.error("search index at %s is broken: %s; starting a new one and rebuilding", self.path, e)
            broken = self.path.with_name(f"{self.path.name}.broken-{int(time.time())}")
            try:
                os.replace(self.path, broken)
            except OSError:
                shutil.rmtree(self.path, ignore_errors=True)
            self.path.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(self.path), make_schema())
        version_file.write_text(SCHEMA_VERSION)
        self.needs_rebuild = True
        return ix

    def close(self) -> None:
        """Close every searcher this index handed out and forget the open index."""
        with self._lock:
            for s in self._searchers:
                try:
                    s.close()
                except Exception:
                    pass
            self._searchers.clear()
            self._ix = None
            self._local = threading.local()

    def searcher(self):
        """A searcher for this thread, refreshed to the newest committed generation."""
        s = getattr(self._local, "searcher", None)
        if s is None:
            fresh = self.ix.searcher()
        else:
            try:
                current = s.up_to_date()
            except Exception:
                current = False
            # A new searcher rather than refresh(): refresh shares segment readers with the old
            # searcher, which then could not be closed safely.
            fresh = s if current else self.ix.searcher()
            if fresh is not s:
                self._forget(s)
        if fresh is not s:
            with self._lock:
                self._searchers.append(fresh)
        self._local.searcher = fresh
        return fresh

    def _forget(self, s) -> None:
        with self._lock:
            if s in self._searchers:
                self._searchers.remove(s)
        try:
            s.close()
        except Exception:
            pass

    def writer(self, timeout: float = 30.0):
        # compound=False: Whoosh cannot read term vectors (the tag facet) out of compound segments.
        return self.ix.writer(timeout=timeout, compound=False)

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    def size_on_disk(self) -> int:
        return sum(f.stat().st_size for f in self.path.glob("*") if f.is_file())
