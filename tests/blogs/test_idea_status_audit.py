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

