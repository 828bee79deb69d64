"""Writing, publishing, scheduling, editing and deleting posts; index, tags, archive; comments and
likes; announcements; personal blogs."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from collab import analytics
from collab.extensions import db
from tests.blogs.conftest import blog_url, post_id, write
from tests.helpers import text


def test_publish_read_and_list(app, community, people, client_for):
    owner = client_for(people["member"])
    base = blog_url(community)
    r = write(owner, base, title="Lessons from the launch", body="We *learned* a lot.\n\n" + "word " * 450,
              summary="What went well", tags="launch, Lessons, launch")
    assert r.status_code == 302
    pid = post_id(r)
    reader = client_for(people["outsider"])  # a public community: every signed-in person reads
    page = text(reader.get(base + str(pid)))
    assert "Lessons from the launch" in page and "<em>learned</em>" in page
    assert "2 minutes read" in page and "#launch" in page and "#lessons" in page
    listing = text(reader.get(base))
    assert "Lessons from the launch" in listing and "What went well" in listing
    # The view count goes up for readers, not for the author.
    reader.get(base + str(pid))
    owner.get(base + str(pid))
    # An <img src> of the post's address in someone's content fetches it without anyone reading.
    reader.get(base + str(pid), headers={"Sec-Fetch-Dest": "image"})
    assert "3 views" in text(reader.get(base + str(pid)))  # the post's page counts at once
    analytics.flush(app)  # views are written in batches; the listing shows them once written
    assert "3 views" in text(reader.get(base))


def test_drafts_are_the_authors_alone(community, people, client_for):
    author = client_for(people["member"])
    base = blog_url(community)
    pid = post_id(write(author, base, title="Half-baked", action="draft"))
    assert "Draft: only you see this post." in text(author.get(base + str(pid)))
    assert "Your drafts and scheduled posts" in text(author.get(base))
    for who in ("owner", "moderator", "other", "admin"):
        c = client_for(people[who])
        assert c.get(base + str(pid)).status_code == 404, who
        assert "Half-baked" not in text(c.get(base))
    # Publishing it makes it visible.
    r = author.post(base + f"{pid}/edit", data={"title": "Fully baked", "body": "x", "action": "publish"})
    assert r.status_code == 302
    assert "Fully baked" in text(client_for(people["other"]).get(base))


def test_scheduled_post_appears_at_its_time(app, community, people, client_for):
    from blogs.models import BlogPost

    author = client_for(people["member"])
    base = blog_url(community)
    r = write(author, base, title="Future news", action="schedule", publish_at="2099-01-01T09:00")
    pid = post_id(r)
    other = client_for(people["other"])
    assert other.get(base + str(pid)).status_code == 404
    assert "Future news" not in text(other.get(base))
    assert "Scheduled" in text(author.get(base + str(pid)))
    # Time passes: move the publication time into the past.
    with app.app_context():
        post = db.session.get(BlogPost, pid)
        post.published_at = datetime.now(timezone.utc) - timedelta(minutes=1)
        db.session.commit()
    assert "Future news" in text(other.get(base))
    assert other.get(base + str(pid)).status_code == 200
    with app.app_context():
        assert db.session.get(BlogPost, pid).released_at is not None  # search and stream got it


def test_schedule_in_the_past_or_malformed_is_refused_and_keeps_the_text(community, people, client_for):
    author = client_for(people["member"])
    base = blog_url(community)
    r = write(author, base, title="Keep me", body="my long text", action="schedule", publish_at="2001-01-01 10:00")
    page = text(r)
    assert r.status_code == 200 and "The scheduled time is in the past" in page
    assert "Keep me" in page and "my long text" in page
    r = write(author, base, title="Keep me", body="my long text", action="schedule", publish_at="next tuesday")
    assert r.status_code == 200 and "Give the time as year-month-day" in text(r) and "my long text" in text(r)
    r = write(author, base, title="Keep me", action="schedule", publish_at="")
    assert "Give the time as year-month-day" in text(r)
    # The ends of the calendar, where a time zone's offset leaves what a date can hold.
    for far in ("9999-12-31 23:00", "0001-01-01 00:00"):
        r = write(author, base, title="Keep me", body="my long text", action="schedule", publish_at=far)
        assert r.status_code == 200 and "between the years 1971 and 9998" in text(r) and "my long text" in text(r)
    assert author.get(base + "?month=9999-12").status_code in (200, 404)
    r = write(author, base, title="   ", body="text", action="publish")
    assert "Give the post a title." in text(r)
    assert "Keep me" not in text(author.get(base))


def test_double_submit_creates_one_post(app, community, people, client_for):
    from blogs.models import BlogPost

    author = client_for(people["member"])
    base = blog_url(community)
    a = write(author, base, title="Once", client_token="tok-1")
    b = write(author, base, title="Once", client_token="tok-1")
    assert post_id(a) == post_id(b)
    with app.app_context():
        assert db.session.query(BlogPost).count() == 1


def test_edit_marks_updated_and_delete_is_soft(community, people, client_for):
    author = client_for(people["member"])
    base = blog_url(community)
    pid = post_id(write(author, base, title="Original"))
    assert "updated" not in text(author.get(base + str(pid))).split("blog-meta")[1][:300]
    r = author.post(base + f"{pid}/edit", data={"title": "Revised", "body": "new", "action": "save"})
    assert r.status_code == 302
    page = text(client_for(people["other"]).get(base + str(pid)))
    assert "Revised" in page and "blog-updated" in page
    # Others cannot edit or delete; the author can delete, and restore.
    other = client_for(people["other"])
    assert other.post(base + f"{pid}/edit", data={"title": "Hijack", "body": "x", "action": "save"}).status_code == 403
    assert other.post(base + f"{pid}/delete").status_code == 403
    assert author.post(base + f"{pid}/delete").status_code == 302
    assert other.get(base + str(pid)).status_code == 404
    assert "Revised" not in text(other.get(base))
    assert "This post is deleted" in text(author.get(base + str(pid)))
    author.post(base + f"{pid}/restore")
    assert other.get(base + str(pid)).status_code == 200


def test_moderators_delete_others_posts(community, people, client_for):
    pid = post_id(write(client_for(people["member"]), blog_url(community), title="Off topic"))
    mod = client_for(people["moderator"])
    assert mod.post(blog_url(community, f"{pid}/delete")).status_code == 302
    assert client_for(people["other"]).get(blog_url(community, str(pid))).status_code == 404


def test_who_may_post_setting(community, people, client_for):
    base = blog_url(community)
    owner = client_for(people["owner"])
    member = client_for(people["member"])
    assert member.get(base + "new").status_code == 200
    assert owner.post(base + "settings", data={"posting": "moderators"}).status_code == 302
    assert member.get(base + "new").status_code == 403
    assert write(member, base).status_code == 403
    assert "Write a post" not in text(member.get(base))
    assert write(client_for(people["moderator"]), base).status_code == 302
    assert member.post(base + "settings", data={"posting": "members"}).status_code == 403


def test_pagination_tags_and_archive(app, community, people, client_for):
    from blogs.models import BlogPost

    author = client_for(people["member"])
    base = blog_url(community)
    ids = [post_id(write(author, base, title=f"Post number {n}", tags="even" if n % 2 == 0 else "odd"))
           for n in range(12)]
    with app.app_context():  # spread them over two months
        for n, pid in enumerate(ids):
            db.session.get(BlogPost, pid).published_at = datetime(2026, 3 if n < 5 else 4, 10 + n, tzinfo=timezone.utc)
        db.session.commit()
    first = text(author.get(base))
    assert "Post number 11" in first and "Post number 1<" not in first and "Page 1 of 2" in first
    second = text(author.get(base + "?page=2"))
    assert "Post number 0" in second and "Post number 11" not in second
    evens = text(author.get(base + "?tag=even"))
    assert "Post number 4" in evens and "Post number 3" not in evens
    march = text(author.get(base + "?month=2026-03"))
    assert "2026-03" in first and "Post number 4" in march and "Post number 5" not in march
    assert author.get(base + "?month=garbage").status_code == 200


def test_comments_threads_edit_delete_and_moderation(community, people, client_for):
    base = blog_url(community)
    pid = post_id(write(client_for(people["owner"]), base, title="Discuss"))
    member, other, mod = (client_for(people[k]) for k in ("member", "other", "moderator"))
    r = member.post(base + f"{pid}/comments", data={"body": "First thought"})
    assert r.status_code == 302
    cid = int(r.headers["Location"].rsplit("comment-", 1)[1])
    r = other.post(base + f"{pid}/comments", data={"body": "A reply", "parent_id": str(cid)})
    reply = int(r.headers["Location"].rsplit("comment-", 1)[1])
    # A reply to a reply joins the same thread (one level).
    r = member.post(base + f"{pid}/comments", data={"body": "Reply to reply", "parent_id": str(reply)})
    page = text(member.get(base + str(pid)))
    assert page.index("First thought") < page.index("A reply") < page.index("Reply to reply")
    assert page.count('class="blog-replies"') == 1 and "3 comments" in page
    # Empty comments are refused with a message.
    r = member.post(base + f"{pid}/comments", data={"body": "  "})
    assert r.status_code == 400 and "Write something first." in text(r)
    # Only the author edits; the author or a moderator removes.
    assert other.post(base + f"comments/{cid}/edit", data={"body": "hacked"}).status_code == 403
    assert member.post(base + f"comments/{cid}/edit", data={"body": "Second thought"}).status_code == 302
    assert "Second thought" in text(member.get(base + str(pid)))
    assert other.post(base + f"comments/{cid}/delete").status_code == 403
    assert mod.post(base + f"comments/{reply}/delete").status_code == 302
    page = text(member.get(base + str(pid)))
    assert "A reply" not in page and "2 comments" in page
    member.post(base + f"comments/{cid}/delete")
    page = text(member.get(base + str(pid)))
    assert "Second thought" not in page and "Deleted by its author." in page  # its reply keeps it
    # Outsiders (not members) may read but not comment on a public community's post.
    out = client_for(people["outsider"])
    assert out.post(base + f"{pid}/comments", data={"body": "drive-by"}).status_code == 403


def test_likes_count_once(community, people, client_for):
    base = blog_url(community)
    pid = post_id(write(client_for(people["owner"]), base, title="Like me"))
    member = client_for(people["member"])
    member.post(base + f"{pid}/like")
    member.post(base + f"{pid}/like")
    client_for(people["other"]).post(base + f"{pid}/like")
    assert "2 likes" in text(member.get(base + str(pid)))
    member.post(base + f"{pid}/like", data={"undo": "1"})
    member.post(base + f"{pid}/like", data={"undo": "1"})
    assert "1 like" in text(member.get(base + str(pid)))


def test_announcements_and_read_receipts(community, people, client_for):
    base = blog_url(community)
    owner = client_for(people["owner"])
    pid = post_id(write(owner, base, title="New travel policy"))
    assert client_for(people["member"]).post(base + f"{pid}/announce").status_code == 403
    owner.post(base + f"{pid}/announce")
    member = client_for(people["member"])
    assert "Please read and acknowledge it." in text(member.get(base))
    assert "Acknowledge</button>" in text(member.get(base + str(pid)))
    page = text(owner.get(base + str(pid)))
    assert "Acknowledged (0)" in page and "Member" in page.split("Not yet")[1]
    member.post(base + f"{pid}/acknowledge")
    member.post(base + f"{pid}/acknowledge")
    assert "You have acknowledged this announcement." in text(member.get(base + str(pid)))
    assert "Please read and acknowledge it." not in text(member.get(base))
    page = text(owner.get(base + str(pid)))
    assert "Acknowledged (1)" in page and "Member" in page.split("Acknowledged (1)")[1].split("Not yet")[0]
    # Non-members cannot acknowledge.
    assert client_for(people["outsider"]).post(base + f"{pid}/acknowledge").status_code == 403


def test_personal_blog_on_the_profile(people, client_for):
    me = client_for(people["member"])
    base = f"/u/{people['member'].username}/blog/"
    pid = post_id(write(me, base, title="My weekend project", tags="hobby"))
    assert "My weekend project" in text(client_for(people["outsider"]).get(f"/u/{people['member'].username}"))
    other = client_for(people["other"])
    assert "My weekend project" in text(other.get(base))
    assert other.get(base + str(pid)).status_code == 200
    assert other.get(base + "new").status_code == 403
    assert write(other, base).status_code == 403
    assert other.post(base + f"{pid}/comments", data={"body": "Nice!"}).status_code == 302
    assert client_for(None).get(base).status_code == 302  # sign in first
    # A post of another blog is not found under this one.
    assert client_for(people["other"]).get(f"/u/{people['other'].username}/blog/{pid}").status_code == 404


def test_blog_tab_and_tool_switch(community, people, client_for):
    c = client_for(people["member"])
    assert f'href="/c/{community.slug}/blog/"' in text(c.get(f"/c/{community.slug}/"))
    client_for(people["owner"]).post(f"/c/{community.slug}/settings", data={
        "name": community.name, "slug": community.slug, "description": "", "tags": "", "access": "public",
        "tools": ["wiki"]})
    assert c.get(blog_url(community)).status_code == 404
    assert f'/c/{community.slug}/blog/' not in text(c.get(f"/c/{community.slug}/"))


def test_own_comments_are_frozen_in_an_archived_community(app, community, people, client_for):
    from blogs.models import BlogComment
    from communities.models import Community

    base = blog_url(community)
    pid = post_id(write(client_for(people["owner"]), base, title="Closed"))
    member = client_for(people["member"])
    r = member.post(base + f"{pid}/comments", data={"body": "Keep me"})
    cid = int(r.headers["Location"].rsplit("comment-", 1)[1])
    with app.app_context():
        db.session.get(Community, community.id).is_archived = True
        db.session.commit()
    r = member.post(base + f"comments/{cid}/edit", data={"body": "Changed"})
    assert "You may not comment on this post." in text(r)
    member.post(base + f"comments/{cid}/delete")
    with app.app_context():
        comment = db.session.get(BlogComment, cid)
        assert (comment.body, comment.is_deleted) == ("Keep me", False)


def test_an_edit_from_an_older_version_keeps_both_texts(community, people, client_for):
    """The author and a moderator edit the same post at once: the later save is not silently lost
    or silently overwriting; the second editor sees the current version next to their own text."""
    import re

    author, mod = client_for(people["member"]), client_for(people["moderator"])
    base = blog_url(community)
    pid = post_id(write(author, base, title="Plan", body="Step one"))
    stamp_of = lambda page: re.search(r'id="base" name="base" type="hidden" value="([^"]*)"', page).group(1)  # noqa: E731
    mine = stamp_of(text(author.get(base + f"{pid}/edit")))
    theirs = stamp_of(text(mod.get(base + f"{pid}/edit")))
    assert mod.post(base + f"{pid}/edit", data={"title": "Plan", "body": "Step one, checked", "action": "save",
                                                "base": theirs}).status_code == 302
    r = author.post(base + f"{pid}/edit", data={"title": "Plan B", "body": "Step one and two", "action": "save",
                                                "base": mine})
    page = text(r)
    assert r.status_code == 409 and "Someone changed this post after you opened it" in page
    assert "Step one and two" in page and 'value="Plan B"' in page and "Step one, checked" in page
    assert "Step one, checked" in text(author.get(base + str(pid)))  # the moderator's edit stands
    assert author.post(base + f"{pid}/edit", data={"title": "Plan B", "body": "Step one and two", "action": "save",
                                                   "base": stamp_of(page)}).status_code == 302
    assert "Step one and two" in text(author.get(base + str(pid)))


def test_a_chinese_posts_excerpt_joins_its_lines_without_spaces(community, people, client_for):
    """The blog's list shows a post without a summary by its first words: Chinese lines and
    paragraphs join as Chinese is written, with no space after 。; beside Latin words a space stays."""
    member = client_for(people["member"])
    body = "发布流程。\n\n灰度发布先到 10% 的用户，\n再全量。Then we **rest**.\n\nNext paragraph."
    assert write(member, blog_url(community), title="发布说明", body=body).status_code == 302
    page = text(member.get(blog_url(community)))
    assert "发布流程。灰度发布先到 10% 的用户，再全量。Then we rest. Next paragraph." in page
