"""Facet counts (collab.search.facets: per-segment code arrays and tag tables, counted with numpy)
are exact: for a few documents of a larger segment and for most of one, over several segments,
for documents without tags and with several, for site-wide documents (no community: ""), and a
deleted document is never counted, even by the tables its segment kept from before the deletion."""
from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from collab.extensions import db
from collab.search import facets, segcache

COLUMNS, MULTI = ("type", "community", "author"), ("tags",)
FILLER = 60  # "otterword" topics in Otters: most of the first segment


def filler_tags(i: int) -> str:
    return ("python, rust", "python", "")[i % 3]  # two tags, one, none


@pytest.fixture
def board(app, make_user, make_community, index_now):
    """Two batches (two index segments): people, two communities and FILLER + 2 topics; then a
    topic and a few more in Badgers, and a reply."""
    from collab.accounts.models import User
    from communities.models import Community
    from forums import services
    from forums.models import Forum, ForumTopic

    owner, ann, bob = make_user("owner"), make_user("ann"), make_user("bob")
    carol = make_user("carol", expertise="zanzibar, Python")  # a person: community "", tags lowercased
    reader = make_user("reader")
    otters = make_community(owner, name="Otters", tags="rivers", members=[ann, bob])
    badgers = make_community(owner, name="Badgers", members=[ann, bob])

    def call(fn):
        with app.test_request_context("/", method="POST"):
            out = fn()
            db.session.commit()
            return out

    def forum(community):
        return call(lambda: services.create_forum(db.session.get(Community, community.id),
                                                  db.session.get(User, owner.id), name="General").id)

    def topic(forum_id, user, title, body, tags=""):
        return call(lambda: services.create_topic(db.session.get(Forum, forum_id), db.session.get(User, user.id),
                                                  title=title, body=body, tags=tags).id)

    f_otters, f_badgers = forum(otters), forum(badgers)
    fillers = []
    for i in range(FILLER):
        author = ann if i % 2 == 0 else bob
        fillers.append((topic(f_otters, author, f"Otterword note {i}", "otterword filler text", filler_tags(i)),
                        author))
    z1 = topic(f_otters, ann, "Zanzibar trip", "Plans for zanzibar.", "python, rust, ops")
    topic(f_otters, bob, "Zanzibar map", "A map of zanzibar.")
    index_now()
    topic(f_badgers, ann, "Zanzibar spices", "Spices of zanzibar.", "ops")
    for i in range(5):
        topic(f_badgers, bob, f"Badger otterword {i}", "otterword badger text", "rust")
    call(lambda: services.reply(db.session.get(ForumTopic, z1), db.session.get(User, bob.id), body="Zanzibar again."))
    index_now()
    return {"owner": owner, "ann": ann, "bob": bob, "carol": carol, "reader": reader, "otters": otters,
            "badgers": badgers, "fillers": fillers, "call": call}


@pytest.fixture
def recorded(monkeypatch):
    """The Counters collab.search.service gets from facets.facet_counts, one dict per computed page."""
    calls = []
    real = facets.facet_counts

    def spy(*args, **kw):
        out = real(*args, **kw)
        calls.append({name: Counter(found) for name, found in out.items()})
        return out

    monkeypatch.setattr(facets, "facet_counts", spy)
    return calls


def shown(body: str) -> dict[str, dict[str, int]]:
    """The facets of a results page: {section title: {label: count}}."""
    out = {}
    for title, rows in re.findall(r'<h2 class="h3">([^<]+)</h2>\s*<ul class="list">(.*?)</ul>', body, re.S):
        out[title] = {label: int(n) for label, n in
                      re.findall(r'>([^<>]+)</a> <span class="muted">(\d+)</span>', rows)}
    return out


def searcher_of(app):
    from collab.search.service import get_index

    with app.app_context():
        return get_index().searcher()


def test_a_few_documents_of_a_larger_segment_and_a_small_one(app, board, find, recorded):
    segcache.clear()  # tables built by this search, not left by another test
    titles, body = find(board["reader"], "zanzibar")
    assert len(titles) == 5
    otters, badgers = str(board["otters"].id), str(board["badgers"].id)
    assert recorded[-1] == {
        "type": Counter({"forums": 4, "person": 1}),
        "community": Counter({otters: 3, badgers: 1, "": 1}),  # carol's profile is site-wide
        "author": Counter({"ann": 2, "bob": 2, "carol": 1}),
        # Z1 has three tags, Z2 and the reply none, Z3 one, carol two ("Python" lowercased).
        "tags": Counter({"python": 2, "ops": 2, "rust": 1, "zanzibar": 1}),
    }
    facets_shown = shown(body)
    assert facets_shown["Tag"] == {"python": 2, "ops": 2, "rust": 1, "zanzibar": 1}
    assert facets_shown["Community"] == {"Otters": 3, "Badgers": 1}
    assert facets_shown["Author"] == {"Ann": 2, "Bob": 2, "Carol": 1}
    # What this covers: three matches of a 70-document segment (counted from those documents'
    # rows), two of a small one (counted from the tags' postings).
    leaves = segcache._leaves(searcher_of(app))
    assert [n for _leaf, _offset, n in leaves][0] > facets.SMALL * 3 and len(leaves) == 2


def test_most_of_a_segment_and_deleted_documents(app, board, find, recorded, index_now):
    from collab.accounts.models import User
    from forums import services
    from forums.models import ForumPost, ForumTopic

    segcache.clear()
    find(board["reader"], "otterword")
    expected = {
        "type": Counter({"forums": FILLER + 5}),
        "community": Counter({str(board["otters"].id): FILLER, str(board["badgers"].id): 5}),
        "author": Counter({"ann": FILLER // 2, "bob": FILLER // 2 + 5}),
        "tags": Counter({"python": 2 * FILLER // 3, "rust": FILLER // 3 + 5}),
    }
    assert recorded[-1] == expected
    # Deleting two tagged topics (ann's "python, rust", bob's "python") marks their documents
    # deleted in the segment, whose tables (kept from the search above) still hold them.
    for topic_id, author in board["fillers"][:2]:
        def delete(topic_id=topic_id, author=author):
            topic = db.session.get(ForumTopic, topic_id)
            services.delete_post(db.session.get(ForumPost, topic.first_post_id), db.session.get(User, author.id))
        board["call"](delete)
    index_now()
    searcher = searcher_of(app)
    assert searcher.reader().has_deletions()
    titles, body = find(board["reader"], "otterword")
    expected["type"]["forums"] -= 2
    expected["community"][str(board["otters"].id)] -= 2
    expected["author"].subtract({"ann": 1, "bob": 1})
    expected["tags"].subtract({"python": 2, "rust": 1})
    assert recorded[-1] == expected
    assert shown(body)["Tag"] == {"python": 2 * FILLER // 3 - 2, "rust": FILLER // 3 + 4}
    assert shown(body)["Author"] == {"Bob": FILLER // 2 + 4, "Ann": FILLER // 2 - 1}


def expected_counts(searcher, docnums) -> dict[str, Counter]:
    """The facets of ``docnums`` from their stored fields (what the index was given)."""
    out = {name: Counter() for name in COLUMNS + MULTI}
    for d in docnums:
        fields = searcher.stored_fields(d)
        for name in COLUMNS:
            out[name][fields.get(name) or ""] += 1
        out["tags"].update({t.strip().lower() for t in (fields.get("tags") or "").split(",") if t.strip()})
    return out


@pytest.mark.parametrize("kept", [False, True])
def test_every_size_of_selection_matches_the_stored_fields(app, board, monkeypatch, kept):
    """Random sets of live documents, from one to all: the counts equal those of the stored
    fields, whichever way each segment counts them (a few rows, every tag's postings, the
    documents left out); kept counts (KEEP_FACETS) come back the same, whatever a caller did to
    the Counters it was given."""
    if kept:
        monkeypatch.setattr(facets, "KEEP_FACETS", 0)
    segcache.clear()
    searcher = searcher_of(app)
    live = [d for d in range(searcher.doc_count_all()) if not searcher.reader().is_deleted(d)]
    rng = random.Random(5)
    assert expected_counts(searcher, live)["community"][""] >= 6  # the people: site-wide
    for size in (1, 2, 3, 5, 8, len(live) // 4, len(live) // 2 + 1, len(live) - 3, len(live)):
        docs = rng.sample(live, size)
        bits = sum(1 << d for d in docs)
        want = expected_counts(searcher, docs)
        for matched in (bits, segcache.BitMask(bits, searcher.doc_count_all())):
            got = facets.facet_counts(searcher, matched, COLUMNS, MULTI)
            assert got == want, size
            assert all(type(n) is int and n > 0 for found in got.values() for n in found.values())
            for found in got.values():
                found["spoiled"] = 99
                found.clear()
