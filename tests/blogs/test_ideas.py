"""Idea campaigns: opening, submitting, voting once, taking votes back, sorting, statuses; exact
counts under concurrent voting on both databases."""
from __future__ import annotations

import re
import threading

from collab.extensions import db
from tests.blogs.conftest import blog_url
from tests.helpers import text


def open_campaign(client, community, title="Make onboarding better", **extra):
    r = client.post(blog_url(community, "ideas/new"), data={"title": title, "description": "Tell us *how*", **extra})
    assert r.status_code == 302, text(r)[:500]
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def submit(client, community, campaign_id, title="Buddy system", body="Pair newcomers", **extra):
    return client.post(blog_url(community, f"ideas/{campaign_id}/ideas"), data={"title": title, "body": body, **extra})


def idea_id(response) -> int:
    return int(re.search(r"/idea/(\d+)", response.headers["Location"]).group(1))


def votes(client, community, iid) -> int:
    page = text(client.get(blog_url(community, f"ideas/idea/{iid}")))
    return int(re.search(rf'data-testid="votes-{iid}">(\d+)<', page).group(1))


def test_campaign_lifecycle(community, people, client_for):
    owner, member, other = (client_for(people[k]) for k in ("owner", "member", "other"))
    assert member.post(blog_url(community, "ideas/new"), data={"title": "Mine"}).status_code == 403
    cid = open_campaign(owner, community)
    page = text(member.get(blog_url(community, f"ideas/{cid}")))
    assert "Make onboarding better" in page and "<em>how</em>" in page and "Submit an idea" in page
    a = idea_id(submit(member, community, cid, title="Buddy system"))
    b = idea_id(submit(other, community, cid, title="Welcome lunch"))
    # Vote, vote again (refused), take back, vote again.
    r = member.post(blog_url(community, f"ideas/idea/{b}/vote"), follow_redirects=True)
    assert "Your vote is counted." in text(r)
    r = member.post(blog_url(community, f"ideas/idea/{b}/vote"), follow_redirects=True)
    assert "You have already voted for this idea." in text(r)
    other.post(blog_url(community, f"ideas/idea/{b}/vote"))
    assert votes(member, community, b) == 2
    r = member.post(blog_url(community, f"ideas/idea/{b}/vote"), data={"undo": "1"}, follow_redirects=True)
    assert "Your vote is taken back." in text(r)
    r = member.post(blog_url(community, f"ideas/idea/{b}/vote"), data={"undo": "1"}, follow_redirects=True)
    assert "You have not voted for this idea." in text(r)
    assert votes(member, community, b) == 1
    # Sorted by votes by default, by date on request.
    by_votes = text(member.get(blog_url(community, f"ideas/{cid}")))
    assert by_votes.index("Welcome lunch") < by_votes.index("Buddy system")
    newest = text(member.get(blog_url(community, f"ideas/{cid}?sort=new")))
    assert newest.index("Welcome lunch") < newest.index("Buddy system")
    member.post(blog_url(community, f"ideas/idea/{a}/vote"))
    member.post(blog_url(community, f"ideas/idea/{a}/vote"))
    other.post(blog_url(community, f"ideas/idea/{a}/vote"))
    by_votes = text(member.get(blog_url(community, f"ideas/{cid}")))
    assert by_votes.index("Buddy system") < by_votes.index("Welcome lunch")
    # The owner changes a status with a comment; members cannot.
    assert member.post(blog_url(community, f"ideas/idea/{a}/status"),
                       data={"status": "accepted", "comment": "x"}).status_code == 403
    r = owner.post(blog_url(community, f"ideas/idea/{a}/status"),
                   data={"status": "accepted", "comment": "We start in **May**"}, follow_redirects=True)
    page = text(r)
    assert "Accepted" in page and "<strong>May</strong>" in page
    r = owner.post(blog_url(community, f"ideas/idea/{a}/status"), data={"status": "bogus", "comment": ""},
                   follow_redirects=True)
    assert "Choose a status." in text(r)


def test_closed_campaign_and_non_members_are_refused(community, people, client_for):
    owner, member, outsider = (client_for(people[k]) for k in ("owner", "member", "outsider"))
    cid = open_campaign(owner, community)
    iid = idea_id(submit(member, community, cid))
    r = outsider.post(blog_url(community, f"ideas/idea/{iid}/vote"), follow_redirects=True)
    assert "Only members of this community can vote." in text(r)
    assert outsider.post(blog_url(community, f"ideas/{cid}/ideas"), data={"title": "x"}).status_code == 403
    member.post(blog_url(community, f"ideas/idea/{iid}/vote"))
    owner.post(blog_url(community, f"ideas/{cid}/edit"), data={"title": "Make onboarding better", "description": ""})
    assert "Closed" in text(member.get(blog_url(community, "ideas/")))
    r = client_for(people["other"]).post(blog_url(community, f"ideas/idea/{iid}/vote"), follow_redirects=True)
    assert "This campaign is closed; votes can no longer change." in text(r)
    r = member.post(blog_url(community, f"ideas/idea/{iid}/vote"), data={"undo": "1"}, follow_redirects=True)
    assert "This campaign is closed" in text(r)
    assert votes(member, community, iid) == 1
    r = submit(member, community, cid, title="Late idea")
    assert r.status_code == 400 and "This campaign is closed; it takes no new ideas." in text(r)
    assert "Late idea" in text(r)  # what was typed is kept


def test_double_submit_makes_one_idea(app, community, people, client_for):
    from blogs.models import Idea

    owner, member = client_for(people["owner"]), client_for(people["member"])
    cid = open_campaign(owner, community)
    a = submit(member, community, cid, client_token="same")
    b = submit(member, community, cid, client_token="same")
    assert idea_id(a) == idea_id(b)
    with app.app_context():
        assert db.session.query(Idea).count() == 1


def test_concurrent_votes_are_counted_exactly(app, community, people, make_user, make_community, client_for, login):
    from blogs.models import Idea, IdeaVote

    voters = [make_user(f"voter{n}") for n in range(12)]
    c = make_community(people["owner"], name="Voting floor", access="public", members=voters)
    owner = client_for(people["owner"])
    cid = open_campaign(owner, c)
    iid = idea_id(submit(client_for(voters[0]), c, cid))
    clients = [client_for(v) for v in voters]
    barrier = threading.Barrier(len(clients))
    errors = []

    def vote(client, twice):
        try:
            barrier.wait()
            for _ in range(2 if twice else 1):
                r = client.post(blog_url(c, f"ideas/idea/{iid}/vote"))
                assert r.status_code == 303, r.status_code
        except Exception as e:  # noqa: BLE001  (reported below)
            errors.append(e)

    threads = [threading.Thread(target=vote, args=(cl, n % 3 == 0)) for n, cl in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with app.app_context():
        assert db.session.get(Idea, iid).vote_count == len(voters)
        assert db.session.query(IdeaVote).count() == len(voters)
    # And concurrent take-backs.
    barrier = threading.Barrier(7)

    def unvote(client):
        barrier.wait()
        client.post(blog_url(c, f"ideas/idea/{iid}/vote"), data={"undo": "1"})
        client.post(blog_url(c, f"ideas/idea/{iid}/vote"), data={"undo": "1"})

    threads = [threading.Thread(target=unvote, args=(cl,)) for cl in clients[:7]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert db.session.get(Idea, iid).vote_count == len(voters) - 7
