"""When a blog post leaves (deleted, back to a draft, hidden by a moderator) or a like is taken
back, what the streams and notifications said about it goes too; showing a comment again on a post
that is not live does not bring the post's title back."""
from __future__ import annotations

import re

import pytest

from tests.api.conftest import api_as, token_for  # noqa: F401  (shared fixtures)
from tests.blogs.conftest import blog_url, post_id, write
from tests.helpers import text
from tests.moderation.conftest import resolve


def plain(response) -> str:
    return re.sub(r"<[^>]+>", "", text(response))


def _comment(client, base, pid, body, **extra) -> int:
    r = client.post(base + f"{pid}/comments", data={"body": body, **extra})
    assert r.status_code == 302, r.status_code
    return int(r.headers["Location"].rsplit("comment-", 1)[1])


def _back_to_draft(client, base, pid, title):
    r = client.post(base + f"{pid}/edit", data={"title": title, "body": "Numbers", "summary": "", "tags": "",
                                                 "publish_at": "", "action": "draft"})
    assert r.status_code == 302, r.status_code


@pytest.mark.parametrize("how", ["delete", "draft", "hide"])
def test_comment_reply_and_mention_notifications_go_with_the_post(community, people, client_for, api_as, how):
    author, commenter, replier = (client_for(people[k]) for k in ("member", "owner", "other"))
    base = blog_url(community)
    pid = post_id(write(author, base, title="Reorg names", body="Numbers"))
    cid = _comment(commenter, base, pid, "First")                              # tells the author
    _comment(replier, base, pid, "Answer, cc @outsider", parent_id=str(cid))  # a reply and a mention
    readers = {"member": people["member"], "owner": people["owner"], "outsider": people["outsider"]}
    for who in readers.values():
        assert "Reorg names" in plain(client_for(who).get("/notifications")), who.username
    if how == "delete":
        assert author.post(base + f"{pid}/delete").status_code == 302
    elif how == "draft":
        _back_to_draft(author, base, pid, "Reorg names")
    else:
        assert resolve(client_for(people["moderator"]), f"blog_post:{pid}", "hide").status_code == 302
    assert client_for(people["outsider"]).get(base + f"{pid}").status_code == 404
    for name, who in readers.items():
        kinds = sorted(n["kind"] for n in api_as(who).get("/notifications").json["items"]
                       if "Reorg names" in n["title"])
        told = ["moderation"] if how == "hide" and name == "member" else []  # "your post was hidden"
        assert kinds == told, (name, kinds)
        if not told:
            c = client_for(who)
            assert "Reorg names" not in plain(c.get("/notifications")), name
            assert c.get("/notifications/count").json["unread"] == 0, name


def test_showing_a_comment_again_keeps_a_drafts_title_out_of_the_streams(community, people, client_for):
    author, commenter, outsider = (client_for(people[k]) for k in ("member", "other", "outsider"))
    moderator = client_for(people["moderator"])
    base = blog_url(community)
    pid = post_id(write(author, base, title="Merger with Acme", body="Numbers"))
    cid = _comment(commenter, base, pid, "Nice")
    assert resolve(moderator, f"blog_comment:{cid}", "hide").status_code == 302
    _back_to_draft(author, base, pid, "Merger with Acme")
    assert "Merger with Acme" not in plain(outsider.get(f"/c/{community.slug}/"))
    assert resolve(moderator, f"blog_comment:{cid}", "unhide").status_code == 302
    for page in (f"/c/{community.slug}/", "/u/other", "/"):
        assert "Merger with Acme" not in plain(outsider.get(page)), page
    # On a live post the comment's line comes back as before.
    pid2 = post_id(write(author, base, title="Open numbers", body="Numbers"))
    cid2 = _comment(commenter, base, pid2, "Fine")
    assert resolve(moderator, f"blog_comment:{cid2}", "hide").status_code == 302
    assert "commented on Open numbers" not in re.sub(r"\s+", " ", plain(outsider.get("/u/other")))
    assert resolve(moderator, f"blog_comment:{cid2}", "unhide").status_code == 302
    assert "commented on Open numbers" in re.sub(r"\s+", " ", plain(outsider.get("/u/other")))


def test_taking_a_like_back_takes_its_line_out_of_the_streams(community, people, client_for):
    author, liker = client_for(people["member"]), client_for(people["other"])
    base = blog_url(community)
    pid = post_id(write(author, base, title="Quarterly numbers", body="Numbers"))
    assert liker.post(base + f"{pid}/like").status_code == 302
    line = "liked Quarterly numbers"
    assert line in re.sub(r"\s+", " ", plain(author.get(f"/c/{community.slug}/")))
    assert liker.post(base + f"{pid}/like", data={"undo": "1"}).status_code == 302
    for page in (f"/c/{community.slug}/", "/u/other", "/"):
        assert line not in re.sub(r"\s+", " ", plain(author.get(page))), page
    # Liking again tells it once more.
    assert liker.post(base + f"{pid}/like").status_code == 302
    assert line in re.sub(r"\s+", " ", plain(author.get(f"/c/{community.slug}/")))


def test_restoring_a_deleted_post_brings_back_its_lines_and_its_comments_and_likes(community, people,
                                                                                  client_for):
    author, commenter, liker = (client_for(people[k]) for k in ("member", "other", "owner"))
    base = blog_url(community)
    pid = post_id(write(author, base, title="Budget plan", body="Numbers"))
    _comment(commenter, base, pid, "Looks right")
    assert liker.post(base + f"{pid}/like").status_code == 302
    lines = ("published Budget plan", "commented on Budget plan", "liked Budget plan")
    pages = ((client_for(people["outsider"]), f"/c/{community.slug}/"), (liker, "/"))

    def shown(client, page):
        said = re.sub(r"\s+", " ", plain(client.get(page)))
        return [line for line in lines if line in said]

    assert all(shown(c, page) == list(lines) for c, page in pages)
    assert author.post(base + f"{pid}/delete").status_code == 302
    assert all(shown(c, page) == [] for c, page in pages)
    assert author.post(base + f"{pid}/restore").status_code == 302
    for c, page in pages:
        assert shown(c, page) == list(lines), page
    assert "commented on Budget plan" in re.sub(r"\s+", " ", plain(liker.get("/u/other")))
    # Hidden by a moderator and shown again: the same lines come back.
    moderator = client_for(people["moderator"])
    assert resolve(moderator, f"blog_post:{pid}", "hide").status_code == 302
    assert all(shown(c, page) == [] for c, page in pages)
    assert resolve(moderator, f"blog_post:{pid}", "unhide").status_code == 302
    assert all(shown(c, page) == list(lines) for c, page in pages)


def test_restoring_a_post_twice_shows_its_lines_once(community, people, client_for):
    """A second restore (a double click, the restore button of a second tab) finds the post live:
    its lines, its comments' and its likes' are in the streams once, not twice."""
    author, commenter, liker = (client_for(people[k]) for k in ("member", "other", "owner"))
    base = blog_url(community)
    pid = post_id(write(author, base, title="Travel policy", body="Numbers"))
    _comment(commenter, base, pid, "Agreed")
    assert liker.post(base + f"{pid}/like").status_code == 302
    assert author.post(base + f"{pid}/delete").status_code == 302
    assert author.post(base + f"{pid}/restore").status_code == 302
    assert author.post(base + f"{pid}/restore").status_code == 302
    said = re.sub(r"\s+", " ", plain(client_for(people["outsider"]).get(f"/c/{community.slug}/")))
    for line in ("published Travel policy", "commented on Travel policy", "liked Travel policy"):
        assert said.count(line) == 1, (line, said.count(line))
    assert "2 times" not in said  # a line told twice reads "... · 2 times"
