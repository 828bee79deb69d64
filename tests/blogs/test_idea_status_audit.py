"""Idea statuses and withdrawals by the campaign's owners and moderators: a refused status comment
is shown again with its error, and acting on someone else's idea is in the audit log."""
from __future__ import annotations

from tests.blogs.conftest import blog_url
from tests.blogs.test_ideas import idea_id, open_campaign, submit
from tests.helpers import text


def test_a_refused_status_comment_is_shown_again_with_its_error(community, people, client_for):
    owner, member = client_for(people["owner"]), client_for(people["member"])
    cid = open_campaign(owner, community)
    iid = idea_id(submit(member, community, cid))
    url = blog_url(community, f"ideas/idea/{iid}/status")
    r = owner.post(url, data={"status": "accepted", "comment": "We will start in May, thanks\x07"})
    page = text(r)
    assert r.status_code == 400
    assert "We will start in May, thanks" in page and "Choose a status." not in page
    assert "Remove the control characters from this field." in page and "The status is changed" not in page
    r = owner.post(url, data={"status": "declined", "comment": "Too long " + "x" * 200_000})
    page = text(r)
    assert r.status_code == 400 and "Too long xxx" in page and "Choose a status." not in page
    # Nothing was changed, and a valid status still works.
    assert "Declined" not in text(owner.get(blog_url(community, f"ideas/idea/{iid}"))).split("Change the status")[0]
    r = owner.post(url, data={"status": "bogus", "comment": "Kept"})
    assert r.status_code == 400 and "Choose a status." in text(r) and "Kept</textarea>" in text(r)
    r = owner.post(url, data={"status": "accepted", "comment": "We start in May"}, follow_redirects=True)
    assert "The status is changed; the author is notified." in text(r)


def test_withdrawing_someone_elses_idea_and_changing_statuses_are_audited(community, people, client_for):
    owner, member, mod = (client_for(people[k]) for k in ("owner", "member", "moderator"))
    cid = open_campaign(owner, community)
    mine = idea_id(submit(member, community, cid, title="Withdrawn by me"))
    theirs = idea_id(submit(member, community, cid, title="Withdrawn by a moderator"))
    judged = idea_id(submit(member, community, cid, title="Judged by the owner"))
    assert member.post(blog_url(community, f"ideas/idea/{mine}/delete")).status_code == 302
    assert mod.post(blog_url(community, f"ideas/idea/{theirs}/delete")).status_code == 302
    assert owner.post(blog_url(community, f"ideas/idea/{judged}/status"),
                      data={"status": "accepted", "comment": "Yes"}).status_code == 302
    assert owner.post(blog_url(community, f"ideas/idea/{judged}/status"),
                      data={"status": "accepted", "comment": "Yes, in May"}).status_code == 302

    log = text(owner.get(f"/c/{community.slug}/settings/log")).split("table-wrap", 1)[1]
    assert log.count("Idea withdrawn by a moderator") == 1 and "Withdrawn by a moderator" in log
    assert "Withdrawn by me" not in log
    assert log.count("Idea status changed") == 1 and "Judged by the owner" in log
