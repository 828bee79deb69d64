"""Around the pages: comments, watching, tags (and tag search), view counts, the wiki setting that
keeps editing to owners and moderators, page locks, and the small fixes (single translatable
titles, a context for the ambiguous "Created")."""
from __future__ import annotations

import re

from tests.conftest import csrf_token
from tests.helpers import assert_no_active_content, text
from tests.wiki.conftest import url


def _token(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


def test_comments_post_edit_delete_and_moderators_remove(community, people, client_for, wiki):
    wiki.create(community, people["owner"], "Runbook", body="Steps.")
    member, other, mod = (client_for(people[k]) for k in ("member", "other", "moderator"))
    page = text(member.get(url(community, "runbook")))
    assert "0 comments" in page
    r = member.post(url(community, "runbook", "comments"),
                    data={"body": "Step **two** is unclear <script>alert(1)</script>", "token": _token(page)})
    assert r.status_code == 302 and "#comment-" in r.headers["Location"]
    # The same form sent twice (a double click) makes one comment.
    member.post(url(community, "runbook", "comments"), data={"body": "Step **two** is unclear", "token": _token(page)})
    page = text(member.get(url(community, "runbook")))
    assert page.count('class="wiki-comment"') == 1 and "1 comment" in page
    section = page.split('id="comments"')[1]
    assert "<strong>two</strong>" in section and "<script>alert" not in section
    assert_no_active_content(section)
    cid = int(re.search(r'id="comment-(\d+)"', page).group(1))

    # Only the author edits; others see no edit link and get 403.
    assert other.get(url(community, "runbook", f"comments/{cid}/edit")).status_code == 403
    assert mod.get(url(community, "runbook", f"comments/{cid}/edit")).status_code == 403
    assert f"comments/{cid}/edit" not in text(other.get(url(community, "runbook")))
    r = member.post(url(community, "runbook", f"comments/{cid}/edit"), data={"body": ""})
    assert r.status_code == 200 and "Write something before you send the comment." in text(r)
    r = member.post(url(community, "runbook", f"comments/{cid}/edit"), data={"body": "Step two is clear now."},
                    follow_redirects=True)
    assert "Step two is clear now." in text(r) and "edited" in text(r)

    # An empty comment is refused, and the page says why.
    r = other.post(url(community, "runbook", "comments"), data={"body": "   "})
    assert r.status_code == 400 and "Write something before you send the comment." in text(r)
    # Another member may not delete it; a moderator removes it.
    assert other.post(url(community, "runbook", f"comments/{cid}/delete")).status_code == 403
    assert "Remove" in text(mod.get(url(community, "runbook")))
    assert mod.post(url(community, "runbook", f"comments/{cid}/delete")).status_code == 302
    assert "Step two is clear" not in text(member.get(url(community, "runbook")))
    # Outsiders of a public community read comments but cannot post.
    outsider = client_for(people["outsider"])
    assert outsider.post(url(community, "runbook", "comments"), data={"body": "hi"}).status_code == 403
    assert "Post comment" not in text(outsider.get(url(community, "runbook")))


def test_own_comment_deleted_by_its_author(community, people, client_for, wiki):
    wiki.create(community, people["owner"], "Runbook", body="Steps.")
    member = client_for(people["member"])
    member.post(url(community, "runbook", "comments"), data={"body": "mine"})
    cid = int(re.search(r'id="comment-(\d+)"', text(member.get(url(community, "runbook")))).group(1))
    assert member.post(url(community, "runbook", f"comments/{cid}/delete")).status_code == 302
    assert 'id="comment-' not in text(member.get(url(community, "runbook")))


def test_watch_and_unwatch(community, people, client_for, wiki):
    wiki.create(community, people["owner"], "Runbook")
    outsider = client_for(people["outsider"])  # readers of a public community watch too
    assert "Stop watching" not in text(outsider.get(url(community, "runbook")))
    r = outsider.post(url(community, "runbook", "watch"), data={"on": "1"}, follow_redirects=True)
    assert "You are watching this page" in text(r) and "Stop watching" in text(r)
    r = outsider.post(url(community, "runbook", "watch"), data={"on": "0"}, follow_redirects=True)
    assert "You stopped watching this page." in text(r) and "Stop watching" not in text(r)


def test_tags_shown_filtered_and_searchable(community, people, client_for, wiki, index_now, find):
    member = client_for(people["member"])
    r = member.post(url(community, "-/new"), data={"title": "Deploys", "parent": "", "body": "How we ship.",
                                                   "tags": "Ops, how-to，运维"})
    assert r.status_code == 302
    member.post(url(community, "-/new"), data={"title": "Oncall", "parent": "", "body": "Pager.", "tags": "ops"})
    member.post(url(community, "-/new"), data={"title": "Lunch", "parent": "", "body": "Food."})
    page = text(member.get(url(community, "deploys")))
    for t in ("ops", "how-to", "运维"):
        assert f">{t}</a>" in page
    cloud = text(member.get(url(community, "-/tags")))
    assert "ops <span class=\"muted\">2</span>" in cloud
    tagged = text(member.get(url(community, "-/tags/ops"))).split('class="list wiki-tagged"')[1]
    assert "Deploys" in tagged and "Oncall" in tagged and "Lunch" not in tagged
    assert "Deploys" in text(member.get(url(community, "-/tags/运维"))).split('class="list wiki-tagged"')[1]
    index_now()
    assert set(find(people["member"], "tag:ops")[0]) == {"Deploys", "Oncall"}
    # Changing only the tags saves them (and the search document follows).
    edit = text(member.get(url(community, "oncall", "edit")))
    assert 'value="ops"' in edit
    r = member.post(url(community, "oncall", "edit"), data={"body": "Pager.", "base_revision": "1", "tags": "pager"},
                    follow_redirects=True)
    assert "The tags are saved; the text did not change." in text(r)
    index_now()
    assert find(people["member"], "tag:ops")[0] == ["Deploys"]
    assert find(people["member"], "tag:pager")[0] == ["Oncall"]
    # Too many tags: a clear message, the text kept.
    many = ", ".join(f"t{n}" for n in range(25))
    r = member.post(url(community, "oncall", "edit"), data={"body": "Pager, edited.", "base_revision": "1",
                                                             "tags": many})
    assert "at most 20 tags" in text(r) and "Pager, edited." in text(r)


def test_view_counts(community, people, client_for, wiki):
    wiki.create(community, people["owner"], "Runbook")
    a, b = client_for(people["member"]), client_for(people["other"])
    assert "1 view" in text(a.get(url(community, "runbook")))
    b.get(url(community, "runbook"))
    assert "3 views" in text(a.get(url(community, "runbook")))
    # The history, the editor and other pages do not count.
    a.get(url(community, "runbook", "history"))
    a.get(url(community, "runbook", "edit"))
    assert "4 views" in text(b.get(url(community, "runbook")))
    # The page pulled in as an image or a frame by some content, or prefetched, is nobody reading it.
    a.get(url(community, "runbook"), headers={"Sec-Fetch-Dest": "image"})
    a.get(url(community, "runbook"), headers={"Sec-Fetch-Dest": "iframe"})
    a.get(url(community, "runbook"), headers={"Sec-Fetch-Dest": "document", "Sec-Purpose": "prefetch"})
    assert "5 views" in text(b.get(url(community, "runbook"), headers={"Sec-Fetch-Dest": "document"}))


def test_owners_restrict_editing_to_owners_and_moderators(community, people, client_for, wiki):
    wiki.create(community, people["owner"], "Runbook", body="v1")
    owner, member, mod = client_for(people["owner"]), client_for(people["member"]), client_for(people["moderator"])
    assert mod.get(url(community, "-/settings")).status_code == 403
    assert "Wiki settings" in text(owner.get(url(community, "runbook")))
    assert "Wiki settings" not in text(mod.get(url(community, "runbook")))
    r = owner.post(url(community, "-/settings"), data={"edit_restricted": "y"}, follow_redirects=True)
    assert "The wiki settings are saved." in text(r) and "checked" in text(r)
    assert member.get(url(community, "runbook", "edit")).status_code == 403
    assert member.post(url(community, "-/new"), data={"title": "X", "parent": ""}).status_code == 403
    page = text(member.get(url(community, "runbook")))
    assert "/-/edit" not in page and "Post comment" in page  # members still comment
    assert mod.post(url(community, "runbook", "edit"), data={"body": "v2", "base_revision": "1"}).status_code == 302
    owner.post(url(community, "-/settings"), data={})
    assert member.get(url(community, "runbook", "edit")).status_code == 200


def test_moderators_lock_a_page(community, people, client_for, wiki):
    wiki.create(community, people["owner"], "Runbook", body="v1")
    member, mod = client_for(people["member"]), client_for(people["moderator"])
    base = 1
    assert member.get(url(community, "runbook", "edit")).status_code == 200  # a member opens the editor ...
    assert member.post(url(community, "runbook", "lock"), data={"locked": "1"}).status_code == 403
    r = mod.post(url(community, "runbook", "lock"), data={"locked": "1"}, follow_redirects=True)
    assert "The page is locked" in text(r) and "Unlock" in text(r)
    page = text(member.get(url(community, "runbook")))
    assert "Locked" in page and "/-/edit" not in page
    # ... and saves after the lock: refused.
    assert member.post(url(community, "runbook", "edit"), data={"body": "v2", "base_revision": base}).status_code == 403
    assert member.post(url(community, "runbook", "rename"), data={"title": "New"}).status_code == 403
    assert member.post(url(community, "runbook", "revisions/1/restore")).status_code == 403
    assert mod.post(url(community, "runbook", "edit"), data={"body": "v2", "base_revision": base}).status_code == 302
    mod.post(url(community, "runbook", "lock"), data={"locked": "0"})
    assert member.post(url(community, "runbook", "edit"), data={"body": "v3", "base_revision": 2}).status_code == 302


def test_a_lock_taken_while_editing_stops_the_save_with_the_text_kept(community, people, wiki, app):
    import pytest

    from collab.extensions import db
    from wiki import social
    from wiki.models import WikiPage
    from wiki.services import WikiError

    page = wiki.create(community, people["owner"], "Runbook", body="v1")
    with app.test_request_context("/", method="POST"):
        social.set_locked(db.session.get(WikiPage, page), None, True)
        db.session.commit()
    with pytest.raises(WikiError, match="locked this page while you were editing"):
        wiki.save(page, people["member"], "v2", base=1)
    assert wiki.save(page, people["moderator"], "v2", base=1)[0] == 2


def test_titles_are_one_translatable_string_and_created_has_a_context(community, people, client_for, wiki, app):
    wiki.create(community, people["owner"], "Runbook", body="v1")
    zh = client_for(people["member"])
    h = {"Accept-Language": "zh-CN"}
    edit = text(zh.get(url(community, "runbook", "edit"), headers=h))
    title = re.search(r"<title>(.*?)</title>", edit, re.S).group(1)
    assert "Runbook" in title and "Edit:" not in title and "编辑" in title
    history = text(zh.get(url(community, "runbook", "history"), headers=h))
    assert "Created" not in history.split("<main")[1] and "创建" in history


def test_preview_of_an_oversized_body_says_why(community, people, client_for, wiki):
    from wiki.models import BODY_MAX

    member = client_for(people["member"])
    token = csrf_token(text(member.get(url(community, "-/new"))))
    r = member.post(url(community, "-/preview"), data={"body": "x" * (BODY_MAX + 1)}, headers={"X-CSRFToken": token})
    assert r.status_code == 413 and "too long to preview" in r.get_json()["error"]
