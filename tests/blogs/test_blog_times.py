"""A blog post's "updated" line, a comment's time and its "edited" mark read like every other date of
content: a relative time ("3 days ago", "3天前") with the exact local time on hover, not a date and a
clock time. (A community's "Created" line: tests/communities/test_communities.py.)"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from blogs.models import BlogComment, BlogPost
from collab.db import utcnow
from collab.extensions import db
from tests.blogs.conftest import blog_url, post_id, write
from tests.helpers import text

CLOCK = re.compile(r"\d{1,2}:\d{2}")
TIME = r'<time datetime="[^"]+" title="([^"]+)">{}</time>'


def _visible(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_post_updated_and_comment_times_are_relative_with_the_exact_time_on_hover(app, community, people, make_user,
                                                                                    client_for):
    author = client_for(people["member"])
    base = blog_url(community)
    pid = post_id(write(author, base, title="Roadmap"))
    author.post(base + f"{pid}/edit", data={"title": "Roadmap", "body": "v2", "action": "save"})
    r = author.post(base + f"{pid}/comments", data={"body": "Looks good"})
    cid = int(r.headers["Location"].rsplit("comment-", 1)[1])
    author.post(base + f"comments/{cid}/edit", data={"body": "Looks very good"})
    now = utcnow()
    with app.app_context():
        db.session.execute(update(BlogPost).values(published_at=now - timedelta(days=5), edited_at=now - timedelta(days=3)))
        db.session.execute(update(BlogComment).values(created_at=now - timedelta(hours=2, minutes=5),
                                                      edited_at=now - timedelta(hours=1)))
        db.session.commit()
    zh = make_user("zhang", locale="zh_Hans", timezone="Asia/Shanghai")
    for who, updated, comment, hover in ((people["other"], "updated " + TIME.format("3 days ago"), TIME.format("2 hours ago"),
                                          r"\w{3} \d{1,2}, \d{4}, .+"),
                                         (zh, TIME.format("3天前") + "更新", TIME.format("2小时前"), r"\d{4}年\d{1,2}月\d{1,2}日 .+")):
        page = text(client_for(who).get(base + str(pid)))
        meta = re.search(r'<p class="muted small blog-meta">(.*?)</p>', page, re.S).group(1)
        found = re.search(updated, meta)
        assert found and re.fullmatch(hover, found.group(1)), (who.username, meta)
        assert not CLOCK.search(_visible(meta)), meta
        item = page.split(f'id="comment-{cid}"', 1)[1]
        line = re.search(r'<span class="muted"><time.*?</time>(?: · <span title="[^"]+">[^<]+</span>)?</span>', item).group(0)
        found = re.search(comment, line)
        assert found and re.fullmatch(hover, found.group(1)), (who.username, line)
        edited = re.search(r'<span title="([^"]+)">(edited|已编辑)</span>', line)
        assert edited and re.fullmatch(hover, edited.group(1)), line
        assert not CLOCK.search(_visible(line)), line
        # The listing shows the same line as the post.
        listing = text(client_for(who).get(base))
        assert re.search(updated, listing), who.username



def test_a_scheduled_posts_moment_is_exact_and_machine_readable(community, people, client_for):
    """A scheduled post's moment stays absolute (its author needs the moment itself), in a
    ``<time datetime>`` on the post and in the author's list of drafts and scheduled posts."""
    author = client_for(people["member"])
    base = blog_url(community)
    pid = post_id(write(author, base, title="Future news", action="schedule", publish_at="2099-01-01T09:00"))
    moment = r'<time datetime="2099-01-01T09:00:00\+00:00">([^<]+)</time>'
    found = re.search("appears on the blog on " + moment, text(author.get(base + str(pid))))
    assert found and re.fullmatch(r"Jan 1, 2099, 9:00:00\W+AM", found.group(1)), found
    found = re.search("Scheduled " + moment, text(author.get(base)))
    assert found and re.fullmatch(r"1/1/99, 9:00\W+AM", found.group(1)), found
