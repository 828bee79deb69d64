"""The query language as people write it: author: by full name as well as username, a field the
language does not know (title:staging) searched as the words after it, and a trailing * as
"starts with"; each says what it did rather than finding nothing in silence."""
from __future__ import annotations

import pytest

from collab.extensions import db

NOT_A_FILTER = "is not a filter; the words after it were searched"
NOBODY = "Nobody is called"


@pytest.fixture
def forum(app, make_user, make_community, index_now):
    from collab.accounts.models import User
    from communities.models import Community
    from forums import services as forums

    wang = make_user("wangfang", display_name="王芳")
    ana = make_user("ana", display_name="Ana Lima")
    c = make_community(wang, name="Platform", members=[ana])
    with app.test_request_context("/", method="POST"):
        community = db.session.get(Community, c.id)
        general = forums.create_forum(community, db.session.get(User, wang.id), name="General")
        forums.create_topic(general, db.session.get(User, wang.id), title="设计评审 checklist",
                            body="新产品的设计评审清单")
        forums.create_topic(general, db.session.get(User, ana.id), title="Staging deploys",
                            body="How we roll out to the staging cluster.")
        db.session.commit()
    index_now()
    return make_user("reader")


def test_author_takes_a_full_name_or_says_nobody_is_called_that(forum, find):
    assert find(forum, "author:王芳 设计")[0] == ["设计评审 checklist"]
    assert find(forum, "author:wangfang 设计")[0] == ["设计评审 checklist"]
    assert "Staging deploys" in find(forum, 'author:"Ana Lima"')[0]  # and her profile
    assert find(forum, 'author:"ana lima" staging')[0] == ["Staging deploys"]
    assert find(forum, '-author:"Ana Lima" type:forums')[0] == ["设计评审 checklist"]
    titles, body = find(forum, "author:李雷 设计")
    assert titles == [] and NOBODY in body and "李雷" in body


def test_an_unknown_field_searches_the_words_after_it(forum, find):
    for q in ("title:staging", "foo:staging"):
        titles, body = find(forum, q)
        assert titles == ["Staging deploys"], q
        assert NOT_A_FILTER in body and f"{q.split(':')[0]}:" in body
    titles, body = find(forum, "10:30")  # a time is words, not a field
    assert NOT_A_FILTER not in body


def test_a_trailing_star_finds_words_that_start_so(forum, find):
    for q in ("stag*", "Stagi*", "st* deploys"):
        titles, body = find(forum, q)
        assert titles == ["Staging deploys"], q
        assert "Did you mean" not in body
    assert find(forum, "stagx*")[0] == []
    titles, body = find(forum, "s*")  # one letter: the word "s"
    assert "Did you mean" not in body
