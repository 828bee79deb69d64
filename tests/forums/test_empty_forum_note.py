"""A forum with no topics says so, and to someone who may post, links to starting the first one;
a reader who may not post is not told to start one."""
from __future__ import annotations

from tests.helpers import text


def test_an_empty_forum_offers_the_first_topic_to_those_who_may_post(community, people, client_for, forums, make_user):
    fid = forums.forum(community, people["owner"])
    address = f"/c/{community.slug}/forums/f/{fid}"
    page = text(client_for(people["member"]).get(address))
    assert f'<p class="card empty">No topics yet. <a href="{address}/new">Start the first one</a></p>' in page
    page = text(client_for(people["outsider"]).get(address))  # a public community: reads, may not post
    assert '<p class="card empty">No topics yet.</p>' in page and "Start the first one" not in page
    zh = make_user("wang", locale="zh_Hans")
    assert '<p class="card empty">还没有主题。</p>' in text(client_for(zh).get(address))
