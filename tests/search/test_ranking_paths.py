"""The fast search paths (collab.search.segcache) give what Whoosh's plain search gives: the same
ranking, the same exact count and the same facets, over several segments with deleted documents,
for words, OR, phrases (also Chinese), exclusions, filters and masks, whether the ranking comes from
vecscore (whole postings lists) or from Whoosh's collector (the fallback)."""
from __future__ import annotations

import random
from collections import Counter

import pytest
from whoosh import query as Q
from whoosh.writing import SegmentWriter

from collab.search import facets as facet_module
from collab.search import segcache
from collab.search.index import SearchIndex
from collab.search.indexer import merge_plan
from collab.search.query import parse, text_query

WORDS = ("team release review code canary lighthouse sprint planning budget roadmap python rust "
         "design 数据 会议 社交媒体 分析").split()


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    rng = random.Random(7)
    index = SearchIndex(str(tmp_path_factory.mktemp("ranking") / "index"))
    index.ensure()
    n = 0
    original = SegmentWriter._merge_segments
    SegmentWriter._merge_segments = lambda self, *a: list(self.segments)  # keep several segments
    try:
        for batch in range(4):
            w = index.writer()
            for _ in range(300):
                n += 1
                body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 60)))
                if rng.random() < 0.2:
                    body += " code review"
                w.add_document(id=f"d:{n}", type=rng.choice(["wiki", "forum", "blog"]),
                               community=str(rng.randint(1, 6)), scope=f"community:{rng.randint(1, 6)}",
                               title=" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5))), body=body,
                               spell="", author=rng.choice(["ann", "bob", "cy"]),
                               tags=",".join(rng.sample(["python", "rust", "ops"], rng.randint(0, 2))), url="/")
            for _ in range(40):  # deletions in the earlier segments
                w.delete_by_term("id", f"d:{rng.randint(1, n)}")
            w.commit()
    finally:
        SegmentWriter._merge_segments = original
    s = index.searcher()
    assert len(s.reader().leaf_readers()) == 4 and s.reader().has_deletions()
    yield s
    index.close()


QUERIES = ["team", "release review", "canary OR lighthouse", '"code review"', "数据", "社交媒体", "会议 -python",
           "design -roadmap", "budget sprint", "nothingmatcheshere"]


@pytest.mark.parametrize("raw", QUERIES)
@pytest.mark.parametrize("vectors", [True, False])  # vecscore, or Whoosh's collector (its fallback)
@pytest.mark.parametrize("filtered", [False, True])
@pytest.mark.parametrize("ranked", [200, 41])  # kept rankings long enough, or too short for some segments
def test_same_ranking_count_and_facets_as_plain_whoosh(searcher, raw, vectors, filtered, ranked, monkeypatch):
    if not vectors:
        monkeypatch.setattr(segcache, "_ranked_by_vectors", lambda *a, **k: None)
    monkeypatch.setattr(segcache, "RANKED", ranked)
    monkeypatch.setattr(facet_module, "KEEP_FACETS", 0)  # keep every facet count, to read it back
    segcache.clear()
    q = text_query(parse(raw))
    mask_q = Q.Or([Q.Term("scope", "community:2"), Q.Term("scope", "community:5")])
    filter_q = Q.And([Q.Term("type", "wiki"), Q.Or([Q.Term("community", "1"), Q.Term("community", "3")])]) \
        if filtered else None
    plain = searcher.search(q, limit=None, filter=filter_q, mask=mask_q)
    expected = [(hit.docnum, hit.score) for hit in plain]
    docs = [hit.fields() for hit in plain]
    # The first search ranks; the second takes its page from the rankings the first kept.
    for _ in range(2):
        restrict = segcache.mask_docs(searcher, mask_q)
        allow = segcache.mask_docs(searcher, filter_q)
        results, matched = segcache.search(searcher, q, limit=40, allow=allow, restrict=restrict)
        got = [(hit.docnum, hit.score) for hit in results]
        assert [d for d, _ in got] == [d for d, _ in expected[:40]]
        assert [round(s, 9) for _, s in got] == [round(s, 9) for _, s in expected[:40]]
        assert len(matched) == len(expected)
        facets = facet_module.facet_counts(searcher, matched, ("type", "community", "author"), ("tags",))
        assert facets["type"] == Counter(d["type"] for d in docs)
        assert facets["community"] == Counter(d["community"] for d in docs)
        assert facets["author"] == Counter(d["author"] for d in docs)
        assert facets["tags"] == Counter(t for d in docs for t in d["tags"].split(",") if t)


def test_a_kept_ranking_serves_another_persons_mask_and_a_later_page(searcher, monkeypatch):
    """One person's search keeps the rankings; someone who may read less (their mask takes out
    some of the best matches) and a deeper page still get exactly Whoosh's answer."""
    segcache.clear()
    q = text_query(parse("team"))
    segcache.search(searcher, q, limit=20)
    assert any(key[1] == "ranked" for key in segcache._cache.items if isinstance(key, tuple) and len(key) > 1)
    best = [hit.docnum for hit in searcher.search(q, limit=10)]
    mask_q = Q.Term("community", searcher.stored_fields(best[0])["community"])
    for limit in (20, 60):
        results, _matched = segcache.search(searcher, q, limit=limit, restrict=segcache.mask_docs(searcher, mask_q))
        expected = [hit.docnum for hit in searcher.search(q, limit=limit, mask=mask_q)]
        assert [hit.docnum for hit in results] == expected
        assert best[0] not in expected


class _Seg:
    def __init__(self, n, live=None):
        self.n, self.live = n, n if live is None else live

    def doc_count_all(self):
        return self.n

    def doc_count(self):
        return self.live

    def segment_id(self):
        return id(self)


def test_merge_plan_merges_a_full_tier_within_the_budget_and_drops_empty_segments():
    big = [_Seg(200_000), _Seg(5_000)]
    small = [_Seg(3) for _ in range(6)]
    assert set(merge_plan(big + small)) == set(small)
    assert merge_plan(big + small[:5]) == []  # not a full tier yet
    empty = _Seg(40, live=0)
    assert merge_plan(big + [empty]) == [empty]
    mid = [_Seg(200) for _ in range(6)]  # 1,200 documents: more than a commit may merge
    assert merge_plan(big + mid) == []
    assert set(merge_plan(big + mid, float("inf"))) == set(mid)


@pytest.mark.parametrize("raw", QUERIES[:-1])
def test_the_rankings_are_scored_as_whole_postings_lists_not_posting_by_posting(searcher, raw, monkeypatch):
    """Words, OR, phrases (Chinese too) and exclusions are ranked by collab.search.vecscore (numpy over
    whole postings lists): Whoosh's per-posting collector is never asked, and the page is its own."""
    segcache.clear()
    q = text_query(parse(raw))
    expected = [(hit.docnum, round(hit.score, 9)) for hit in searcher.search(q, limit=20)]

    def refuse(*a, **k):
        raise AssertionError("ranked posting by posting")

    monkeypatch.setattr(segcache.collectors, "TopCollector", refuse)
    for ranked in (200, 5):  # from the kept rankings, and ranking the readable matches directly
        monkeypatch.setattr(segcache, "RANKED", ranked)
        segcache.clear()
        results, _matched = segcache.search(searcher, q, limit=20)
        assert [(hit.docnum, round(hit.score, 9)) for hit in results] == expected


@pytest.mark.parametrize("words", [["code", "review"], ["review", "code"], ["team", "release", "review"],
                                   ["数据", "会议"], ["社交", "交媒", "媒体"], ["design", "design"],
                                   ["code", "review", "code"], ["review", "review", "review"]])
@pytest.mark.parametrize("slop", [1, 2, 4])
def test_phrases_match_the_documents_whooshs_phrase_matches(searcher, words, slop):
    """Phrase matches come from the positions of the documents that have every word
    (vecscore.phrase_docs): in every segment, exactly the documents Whoosh's Phrase matches."""
    segcache.clear()
    for field in ("title", "body"):
        q = Q.Phrase(field, words, slop=slop)
        expected = sum(1 << d for d in q.docs(searcher))
        assert segcache.query_docs(searcher, q) == expected
