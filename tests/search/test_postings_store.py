"""Big segments' postings laid out as flat arrays (collab.search.postings_store): they hold exactly
what Whoosh's blocks hold, searches answer the same with them, a damaged file is ignored, they go
with their segment, and the indexer and ``collab reindex`` make them."""
from __future__ import annotations

import logging
import random

import numpy as np
import pytest
from whoosh import query as Q
from whoosh.matching import FilterMatcher
from whoosh.writing import SegmentWriter

from collab.search import postings_store, segcache, vecscore
from collab.search.index import SearchIndex, _clean_files
from collab.search.indexer import keep_postings
from collab.search.query import parse, text_query

WORDS = ("team release review code canary lighthouse sprint planning budget roadmap python rust "
         "design 数据 会议 社交媒体 分析").split()


@pytest.fixture
def small_segments(monkeypatch):
    """Every segment and term counts as big (the real thresholds are for 10,000 documents)."""
    monkeypatch.setattr(postings_store, "MIN_DOCS", 1)
    monkeypatch.setattr(postings_store, "MIN_POSTINGS", 2)
    postings_store._open.clear()
    segcache.clear()
    yield
    postings_store._open.clear()
    segcache.clear()


def _build_index(path, segments=3, per_segment=250):
    rng = random.Random(11)
    index = SearchIndex(str(path))
    index.ensure()
    n = 0
    original = SegmentWriter._merge_segments
    SegmentWriter._merge_segments = lambda self, *a: list(self.segments)  # keep several segments
    try:
        for _ in range(segments):
            w = index.writer()
            for _ in range(per_segment):
                n += 1
                body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 60)))
                w.add_document(id=f"d:{n}", type=rng.choice(["wiki", "forum", "blog"]),
                               community=str(rng.randint(1, 6)), scope=f"community:{rng.randint(1, 6)}",
                               title=" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5))), body=body,
                               spell="", author=rng.choice(["ann", "bob", "cy"]), tags="", url="/")
            for _ in range(30):
                w.delete_by_term("id", f"d:{rng.randint(1, n)}")
            w.commit()
    finally:
        SegmentWriter._merge_segments = original
    return index


def _files(folder):
    """The arrays' files (not a build's temporary ones)."""
    return sorted(p.name for p in folder.iterdir() if ".cp_" in p.name and not p.name.startswith("."))


def test_the_arrays_hold_exactly_whooshs_postings_and_searches_answer_the_same(tmp_path, small_segments,
                                                                                monkeypatch):
    index = _build_index(tmp_path / "index")
    plain = {}
    s = index.searcher()
    queries = ["team", "release review", '"code review"', "数据", "社交媒体 分析", "design -roadmap", "budget OR canary"]
    # Phrases of every slop the query parser makes, the same word twice included.
    phrases = [Q.Phrase(f, words, slop=slop) for f in postings_store.FIELDS for slop in (1, 2, 4)
               for words in (["code", "review"], ["社交", "交媒", "媒体"], ["design", "design"], ["数据", "会议"])]
    plain_phrases = [sum(1 << d for d in p.docs(s)) for p in phrases]
    mask = Q.Or([Q.Term("scope", "community:2"), Q.Term("scope", "community:5")])
    for raw in queries:
        q = text_query(parse(raw))
        plain[raw] = [(hit.docnum, round(hit.score, 9)) for hit in s.search(q, limit=None, mask=mask)]
    assert keep_postings(index) == 3
    assert len(_files(tmp_path / "index")) == 12  # ids, weights, positions and index per segment

    s = index.searcher()
    checked = 0
    for reader, _offset in s.reader().leaf_readers():
        for field in postings_store.FIELDS:
            for btext in reader.lexicon(field):
                kept = postings_store.lookup(reader, field, btext)
                ids, weights = vecscore.whoosh_postings(reader, field, btext)
                if len(ids) >= postings_store.MIN_POSTINGS:
                    assert kept is not None, (field, btext)
                    assert np.array_equal(kept[0], ids) and np.array_equal(kept[1], weights)
                    assert kept[0].dtype == np.int64 and kept[1].dtype == np.float64
                    # Each posting's positions, as Whoosh decodes them one by one.
                    kept_ids, starts, positions = postings_store.lookup_positions(reader, field, btext)
                    m = reader.postings(field, btext)
                    while isinstance(m, FilterMatcher):  # deleted documents are in the arrays too
                        m = m.child
                    m.reset()
                    for i, d in enumerate(kept_ids.tolist()):
                        assert m.id() == d
                        assert positions[starts[i]:starts[i + 1]].tolist() == m.value_as("positions")
                        m.next()
                    checked += 1
    assert checked > 40

    # Searches read the arrays now (Whoosh's blocks are never opened for the text fields) and
    # rank, count and page exactly as Whoosh does.
    def no_blocks(reader, fieldname, btext):
        raise AssertionError(f"read through Whoosh: {fieldname} {btext!r}")

    monkeypatch.setattr(vecscore, "whoosh_postings", no_blocks)
    monkeypatch.setattr(postings_store, "MIN_POSTINGS", 1)  # (only for the check above)
    for raw in ["team", "release review", "数据", "design -roadmap", "budget OR canary", '"code review"', "社交媒体 分析"]:
        q = text_query(parse(raw))
        restrict = segcache.mask_docs(s, mask)
        results, matched = segcache.search(s, q, limit=40, restrict=restrict)
        assert [(hit.docnum, round(hit.score, 9)) for hit in results] == plain[raw][:40], raw
        assert len(matched) == len(plain[raw])
    assert [segcache.query_docs(s, p) for p in phrases] == plain_phrases

    def no_positions(*args):
        raise AssertionError("positions read through Whoosh")

    monkeypatch.setattr(vecscore, "_position_keys", no_positions)
    segcache.clear()
    assert [segcache.query_docs(s, p) for p in phrases] == plain_phrases
    index.close()


def test_a_damaged_file_is_ignored_and_searching_goes_on_through_whoosh(tmp_path, small_segments, caplog):
    index = _build_index(tmp_path / "index", segments=1)
    q = text_query(parse("team"))
    expected = [hit.docnum for hit in index.searcher().search(q, limit=20)]
    keep_postings(index)
    ids_file = next(p for p in (tmp_path / "index").iterdir() if p.name.endswith(".cp_ids.npy"))
    ids_file.write_bytes(ids_file.read_bytes()[:200])  # cut short
    postings_store._open.clear()
    with caplog.at_level(logging.WARNING, logger="collab.search.postings_store"):
        s = index.searcher()
        reader = s.reader().leaf_readers()[0][0]
        assert postings_store.store_for(reader) is None
        results, _matched = segcache.search(s, q, limit=20)
    assert [hit.docnum for hit in results] == expected
    assert "unreadable" in caplog.text
    index.close()


def test_the_arrays_go_with_their_segment(tmp_path, small_segments):
    index = _build_index(tmp_path / "index", segments=2)
    keep_postings(index)
    folder = tmp_path / "index"
    before = _files(folder)
    assert len(before) == 8
    w = index.writer()
    w.commit(optimize=True)  # one segment replaces both
    ix = index.ix
    _clean_files(ix.storage, ix.indexname, ix.latest_generation(), ix._segments(), grace=0)
    assert _files(folder) == []  # Whoosh's own clean-up took them with their segments
    assert keep_postings(index) == 1 and len(_files(folder)) == 4
    assert keep_postings(index) == 0  # nothing left to do
    index.close()


def test_reindex_and_the_indexer_thread_lay_out_big_segments(app, make_user, make_community, monkeypatch):
    import time

    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from collab.cli import main
    from collab.search.indexer import IndexerThread

    monkeypatch.setattr(postings_store, "MIN_DOCS", 3)
    monkeypatch.setattr(postings_store, "MIN_POSTINGS", 2)
    owner = make_user("owner")
    for i in range(4):
        make_community(owner, name=f"Canary team {i}", access="public")
    index = app.extensions["collab_search"]
    result = CliRunner().invoke(main, ["reindex"], obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "big segments laid out: 1" in result.output
    assert len(_files(index.path)) == 4
    status = CliRunner().invoke(main, ["search-status"], obj=ScriptInfo(create_app=lambda: app))
    assert "Big segments with their postings laid out: 1 of 1" in status.output

    # A segment the indexer writes or merges gets its arrays from the indexer's own loop.
    w = index.writer()
    w.commit(optimize=True)
    ix = index.ix
    _clean_files(ix.storage, ix.indexname, ix.latest_generation(), ix._segments(), grace=0)
    assert _files(index.path) == []
    thread = IndexerThread(app, index, poll=0.05).start()
    try:
        deadline = time.monotonic() + 30  # a build process starts in a few seconds on a busy machine
        while not _files(index.path) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        thread.stop()
    assert len(_files(index.path)) == 4


def test_what_a_killed_build_left_is_removed_and_merged_away_arrays_are_unmapped(tmp_path, small_segments,
                                                                                 monkeypatch):
    import os
    import subprocess

    index = _build_index(tmp_path / "index", segments=2)
    folder = tmp_path / "index"
    dead = subprocess.Popen(["true"])  # a process that has ended: its build is abandoned
    dead.wait()
    left = folder / f".cp-{dead.pid}-0123abcd-MAIN_x.cp_ids.npy"
    mine = folder / f".cp-{os.getpid()}-0123abcd-MAIN_y.cp_ids.npy"  # a build under way in this process
    left.write_bytes(b"x" * 100)
    mine.write_bytes(b"x" * 100)
    keep_postings(index)
    assert not left.exists() and mine.exists()
    mine.unlink()

    s = index.searcher()
    assert all(postings_store.store_for(r) is not None for r, _o in s.reader().leaf_readers())
    index.writer().commit(optimize=True)
    ix = index.ix
    _clean_files(ix.storage, ix.indexname, ix.latest_generation(), ix._segments(), grace=0)
    monkeypatch.setattr(postings_store, "RECHECK_SECONDS", 0.0)
    s = index.searcher()
    postings_store.store_for(s.reader().leaf_readers()[0][0])  # any look sweeps
    assert all(store is None or postings_store.has_arrays(*where) for where, (store, _t) in postings_store._open.items())
    with open("/proc/self/maps") as maps:
        assert ".cp_" not in maps.read()  # nothing deleted stays mapped
    index.close()


def test_a_failed_lay_out_waits_before_it_is_tried_again(tmp_path, small_segments, monkeypatch, caplog):
    from collab.search import indexer

    index = _build_index(tmp_path / "index", segments=1)
    calls = []

    def full_disk(*args):
        calls.append(1)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(postings_store, "lay_out", full_disk)
    monkeypatch.setattr(indexer, "_lay_out_failed", {})
    assert keep_postings(index) == 0 and keep_postings(index) == 0
    assert len(calls) == 1 and "could not be laid out" in caplog.text
    index.close()


def test_the_outbox_is_drained_while_a_segment_is_laid_out(app, make_user, make_community, monkeypatch):
    import threading
    import time

    from collab.search import service
    from collab.search.indexer import IndexerThread

    monkeypatch.setattr(postings_store, "MIN_DOCS", 1)
    release, started = threading.Event(), threading.Event()
    real_lay_out = postings_store.lay_out

    def slow_lay_out(*args):
        started.set()
        release.wait(20)
        return real_lay_out(*args)

    monkeypatch.setattr(postings_store, "lay_out", slow_lay_out)
    owner = make_user("owner")
    make_community(owner, name="Canary team", access="public")
    index = app.extensions["collab_search"]
    thread = IndexerThread(app, index, poll=0.05).start()
    try:
        assert started.wait(10)  # the first segment is being laid out ...
        make_community(owner, name="Lighthouse crew", access="public")
        deadline = time.monotonic() + 10
        found = 0
        while time.monotonic() < deadline and not found:
            with app.test_request_context("/"):
                found = service.search(owner, "lighthouse").total
            time.sleep(0.05)
        assert found == 1  # ... and meanwhile the new community was indexed
    finally:
        release.set()
        thread.stop()


def test_a_segment_is_laid_out_by_a_process_of_its_own(tmp_path, small_segments, monkeypatch):
    """Reading every posting is minutes of pure Python for a big segment: not in the process
    that answers requests. A segment merged away before its build began is reported as such."""
    index = _build_index(tmp_path / "index", segments=1)

    def not_here(*args, **kwargs):
        raise AssertionError("built in the serving process")

    monkeypatch.setattr(postings_store, "build", not_here)
    assert keep_postings(index) == 1 and len(_files(tmp_path / "index")) == 4
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.startswith(".cp-")]

    s = index.searcher()
    reader = s.reader().leaf_readers()[0][0]
    w = index.writer()
    w.add_document(id="d:new", type="wiki", community="1", scope="community:1", title="canary", body="canary",
                   spell="", author="ann", tags="", url="/")
    w.commit(optimize=True)
    ix = index.ix
    _clean_files(ix.storage, ix.indexname, ix.latest_generation(), ix._segments(), grace=0)
    with pytest.raises(FileNotFoundError):
        postings_store.lay_out(reader)
    s.close()
    index.close()


def test_a_relative_index_folder_is_laid_out_too(tmp_path, small_segments, monkeypatch):
    monkeypatch.chdir(tmp_path)
    index = _build_index("idx", segments=1)
    assert keep_postings(index) == 1 and len(_files(tmp_path / "idx")) == 4
    index.close()


def test_a_build_ends_when_the_server_is_gone_and_a_stopped_indexer_starts_none(tmp_path, small_segments,
                                                                                monkeypatch):
    import threading
    import time

    from collab.search import indexer

    folder = tmp_path / "index"
    index = _build_index(folder, segments=1, per_segment=6000)
    reader = index.searcher().reader().leaf_readers()[0][0]
    builds = postings_store.Builds()
    outcome = []

    def run():
        try:
            outcome.append(postings_store.lay_out(reader, builds))
        except Exception as e:
            outcome.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not [p for p in folder.iterdir() if p.name.startswith(".cp-")] and time.monotonic() < deadline:
        time.sleep(0.01)
    (proc,) = builds._running
    proc.stdin.close()  # what the server's death does to the build's standard input
    thread.join(60)
    assert isinstance(outcome[0], postings_store.Stopped) and proc.returncode == 143
    assert not [p for p in folder.iterdir() if ".cp" in p.name]  # it removed its temporary files

    builds.stop()
    monkeypatch.setattr(indexer, "_lay_out_failed", {})
    assert keep_postings(index, builds) == 0 and indexer._lay_out_failed == {}  # not a failure
    assert _files(folder) == []
    index.close()
