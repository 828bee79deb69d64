"""Insights: figures on a small known data set, daily and weekly grouping, CSV, empty cases, the
access matrix, and page views that are counted without a write on the request path."""
from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select, update

from collab import analytics
from collab.activity.models import Event
from collab.analytics.models import DailySalt, VisitorToken
from collab.db import utcnow
from collab.extensions import db
from tests.forums.conftest import forums  # noqa: F401  (the forums helper fixture)
from tests.helpers import text


@pytest.fixture
def people(make_user, admin_user):
    return {"owner": make_user("owner"), "moderator": make_user("moder"), "member": make_user("member"),
            "other": make_user("other"), "outsider": make_user("outsider"), "admin": admin_user}


@pytest.fixture
def community(make_community, people):
    return make_community(people["owner"], name="Help Desk", access="public",
                          members=[people["member"], people["other"]], moderators=[people["moderator"]])


def at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), timezone.utc)


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def dataset(app, people, community, forums, client_for, monkeypatch):  # noqa: F811
    """Two questions (one answered after 1 h and accepted after 3 h, two days ago; one open,
    yesterday), a discussion, four views by two readers on two days, two searches that found
    nothing; everything rolled up."""
    from forums import services
    from forums.models import ForumPost, ForumTopic

    today = utcnow().date()
    d2, d1 = today - timedelta(days=2), today - timedelta(days=1)
    f = forums.forum(community, people["owner"])
    q1 = forums.topic(f, people["member"], title="How do I rotate keys?", question=True)
    r1 = forums.reply(q1, people["other"], body="Use the vault.")
    with app.test_request_context("/", method="POST"):
        from collab.accounts.models import User

        topic = db.session.get(ForumTopic, q1)
        services.accept(topic, db.session.get(ForumPost, r1), db.session.get(User, people["member"].id))
        services.toggle_like(db.session.get(ForumPost, r1), db.session.get(User, people["member"].id))
        db.session.commit()
    q2 = forums.topic(f, people["other"], title="Why is the build red?", question=True)
    d = forums.topic(f, people["member"], title="Team lunch ideas")
    with app.app_context():  # move everything to known times
        db.session.execute(update(ForumTopic).where(ForumTopic.id == q1).values(
            created_at=at(d2, 10), first_reply_at=at(d2, 11), answered_at=at(d2, 13)))
        db.session.execute(update(ForumTopic).where(ForumTopic.id == q2).values(created_at=at(d1, 9)))
        db.session.execute(update(ForumTopic).where(ForumTopic.id == d).values(created_at=at(d1, 10)))
        for key, when in ((f"forum_topic:{q1}", at(d2, 10)), (f"forum_post:{r1}", at(d2, 11)),
                          (f"forum_answer:{q1}", at(d2, 13)), (f"forum_topic:{q2}", at(d1, 9)),
                          (f"forum_topic:{d}", at(d1, 10))):
            db.session.execute(update(Event).where(Event.key == key).values(created_at=when))
        db.session.execute(update(Event).where(Event.verb == "liked").values(created_at=at(d2, 14)))
        db.session.commit()
    member, other, owner = client_for(people["member"]), client_for(people["other"]), client_for(people["owner"])
    base = f"/c/{community.slug}/forums/t/"
    monkeypatch.setattr("collab.analytics.recorder.utcnow", lambda: at(d2, 15))
    member.get(base + str(q1))
    other.get(base + str(q1))
    page = text(member.get(base + str(q1)))
    assert "3 views" in page  # shown at once, from the buffer
    with app.app_context():
        assert db.session.get(ForumTopic, q1).view_count == 0  # nothing written by the views
    monkeypatch.setattr("collab.analytics.recorder.utcnow", lambda: at(d1, 15))
    owner.get(base + str(q2))
    monkeypatch.undo()
    member.get(f"/search?q=Kubernetes++Quota&community={community.id}")
    member.get(f"/search?q=kubernetes quota&community={community.id}")
    member.get("/search?q=zzqx-nowhere")
    assert analytics.flush(app) == 4
    analytics.roll_up(app, now=utcnow() + timedelta(minutes=1))
    return {"today": today, "d2": d2, "d1": d1, "q1": q1, "q2": q2, "r1": r1, "base": base, "forum": f}


def test_figures_on_a_known_data_set(app, people, community, client_for, dataset):
    owner = client_for(people["owner"])
    url = f"/c/{community.slug}/insights"
    page = text(owner.get(url + "?days=7"))
    assert 'data-testid="total-views">4<' in page
    assert "3 visitors" in page
    assert 'data-testid="total-active">2<' in page  # member and other
    assert "3 new members" in page  # member, other, moderator joined today
    assert 'data-testid="total-posts">4<' in page  # two questions, a discussion, a reply
    assert 'data-testid="questions">2<' in page and "50% answered" in page
    assert 'data-testid="first-reply">1.0 h<' in page and "accepted answer: 3.0 h" in page
    assert "Why is the build red?" in page.split('data-testid="unanswered"')[1]  # the open one
    viewed = page.split('data-testid="most-viewed"')[1].split("</section>")[0]
    assert viewed.index("How do I rotate keys?") < viewed.index("Why is the build red?")
    assert "How do I rotate keys?" in page.split('data-testid="most-liked"')[1].split("</section>")[0]
    searches = page.split('data-testid="no-results"')[1].split("</section>")[0]
    assert "kubernetes quota</td><td class=\"num\">2<" in searches  # normalised, counted, nobody named
    assert "zzqx-nowhere" not in page  # a site-wide search belongs to the site's page
    contributors = page.split('data-testid="contributors"')[1].split("</section>")[0]
    assert contributors.index("Member") < contributors.index("Other")
    assert "<svg" in page and "Views and visitors" in page

    # The daily series, as CSV.
    rows = {r["period_start"]: r for r in csv_rows(owner.get(url + ".csv?days=7&table=series"))}
    assert len(rows) == 7
    d2, d1 = dataset["d2"].isoformat(), dataset["d1"].isoformat()
    assert (rows[d2]["views"], rows[d2]["visitors"], rows[d2]["active_members"], rows[d2]["posts_forums"]) == \
        ("3", "2", "2", "2")
    assert (rows[d1]["views"], rows[d1]["visitors"], rows[d1]["posts_forums"], rows[d1]["likes"]) == ("1", "1", "2", "0")
    assert rows[d2]["likes"] == "1"
    assert rows[dataset["today"].isoformat()]["new_members"] == "3"
    people_rows = csv_rows(owner.get(url + ".csv?days=7&table=contributors"))
    assert [(r["username"], r["posts"], r["actions"]) for r in people_rows] == \
        [("member", "2", "4"), ("other", "2", "2")]  # member: asked, accepted, liked, discussed
    assert [r["query"] for r in csv_rows(owner.get(url + ".csv?days=7&table=searches"))] == ["kubernetes quota"]
    assert [r["title"] for r in csv_rows(owner.get(url + ".csv?days=7&table=unanswered"))] == ["Why is the build red?"]
    assert owner.get(url + ".csv?table=secrets").status_code == 404

    # Weekly: the same totals, one row per week (Mondays).
    weekly = csv_rows(owner.get(url + f".csv?from={(dataset['today'] - timedelta(days=20)).isoformat()}"
                                      f"&to={dataset['today'].isoformat()}&group=week&table=series"))
    assert all(datetime.fromisoformat(r["period_start"]).weekday() == 0 for r in weekly)
    assert 3 <= len(weekly) <= 4
    assert sum(int(r["views"]) for r in weekly) == 4 and sum(int(r["posts"]) for r in weekly) == 4
    assert "by week" in text(owner.get(url + "?days=7&group=week"))

    # The site's page has the site-wide search and the same content.
    admin = client_for(people["admin"])
    site = text(admin.get("/admin/analytics?days=30"))
    assert 'data-testid="total-views">4<' in site and "zzqx-nowhere" in site and "kubernetes quota" in site

    # The tools' own counters grew in the batched flush.
    assert ">3</td>" in text(owner.get(f"/c/{community.slug}/forums/f/{dataset['forum']}"))
    assert "4 views" in text(owner.get(dataset["base"] + str(dataset["q1"])))  # 3 written, this one pending
    assert ">3</td>" in text(owner.get(f"/c/{community.slug}/forums/f/{dataset['forum']}"))


def test_visitors_are_anonymous_tokens_forgotten_with_the_day(app, dataset):
    with app.app_context():
        old = db.session.scalars(select(VisitorToken.day).where(VisitorToken.day < dataset["today"] - timedelta(days=1))).all()
        assert old == []  # finished days are counted, their tokens deleted
        assert db.session.scalars(select(DailySalt.day).where(DailySalt.day < dataset["today"] - timedelta(days=1))).all() == []
        for token in db.session.scalars(select(VisitorToken.token)):
            assert not token.isdigit() and len(token) == 32


def test_empty_community_and_period_show_zeros(app, people, make_community, client_for):
    empty = make_community(people["owner"], name="Quiet Corner")
    owner = client_for(people["owner"])
    for query in ("", "?days=365", "?days=7&group=week", "?from=2001-01-01&to=2001-01-31"):
        r = owner.get(f"/c/{empty.slug}/insights{query}")
        assert r.status_code == 200, query
        page = text(r)
        assert 'data-testid="total-views">0<' in page and "Nothing in this period" in page
        assert "no questions" in page and "Every search found something." in page
    rows = csv_rows(owner.get(f"/c/{empty.slug}/insights.csv?from=2001-01-01&to=2001-01-07"))
    assert len(rows) == 7 and all(r["views"] == "0" and r["active_members"] == "0" for r in rows)
    # Bad periods: a clear message, the default period instead, never an error page.
    for query, message in (("?from=yesterday", "Dates are written YYYY-MM-DD"),
                           ("?from=2024-05-02&to=2024-05-01", "The period starts after it ends."),
                           ("?from=2001-01-01&to=2024-01-01", "A period is at most 732 days.")):
        r = owner.get(f"/c/{empty.slug}/insights{query}")
        assert r.status_code == 200 and message in text(r), query
    admin = client_for(people["admin"])
    assert admin.get("/admin/analytics?days=7").status_code == 200


@pytest.mark.parametrize("access", ["public", "moderated", "restricted"])
def test_access_matrix(app, people, make_community, client_for, access):
    c = make_community(people["owner"], name=f"Place {access}", access=access, members=[people["member"]],
                       moderators=[people["moderator"]])
    expected = {"owner": 200, "moderator": 200, "admin": 200, "member": 403,
                "outsider": 404 if access == "restricted" else 403}
    for who, status in expected.items():
        client = client_for(people[who])
        for path in (f"/c/{c.slug}/insights", f"/c/{c.slug}/insights.csv?table=viewed"):
            assert client.get(path).status_code == status, (who, path)
    anonymous = client_for(None)
    assert anonymous.get(f"/c/{c.slug}/insights").status_code == 302
    for who in ("owner", "moderator", "member", "outsider"):
        for path in ("/admin/analytics", "/admin/analytics.csv"):
            assert client_for(people[who]).get(path).status_code == 404, (who, path)
    assert client_for(people["admin"]).get("/admin/analytics.csv").status_code == 200
    # Only those who may see the page get the link to it.
    assert "/insights" in text(client_for(people["moderator"]).get(f"/c/{c.slug}/"))
    assert "/insights" not in text(client_for(people["member"]).get(f"/c/{c.slug}/"))


def test_chinese_page(app, people, community, client_for, dataset):
    owner = client_for(people["owner"])
    page = text(owner.get(f"/c/{community.slug}/insights?days=7", headers={"Accept-Language": "zh-CN"}))
    assert "浏览量" in page and "未解决的问题" in page


def test_finished_months_are_summed_and_late_views_still_count(app, people, community, forums, client_for,  # noqa: F811
                                                              monkeypatch):
    from collab.analytics.models import ContentMonthly

    f = forums.forum(community, people["owner"])
    tid = forums.topic(f, people["member"], title="Quarterly planning")
    today = utcnow().date()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=3)
    reader = client_for(people["other"])
    monkeypatch.setattr("collab.analytics.recorder.utcnow", lambda: at(last_month, 9))
    for _ in range(3):
        reader.get(f"/c/{community.slug}/forums/t/{tid}")
    analytics.flush(app)
    analytics.roll_up(app, now=utcnow() + timedelta(minutes=1))
    with app.app_context():
        rows = db.session.execute(select(ContentMonthly.month, ContentMonthly.views)
                                  .where(ContentMonthly.key == f"forum_topic:{tid}")).all()
        assert rows == [(last_month.replace(day=1), 3)]
    reader.get(f"/c/{community.slug}/forums/t/{tid}")  # a view of that month, flushed late
    analytics.flush(app)
    monkeypatch.undo()
    owner = client_for(people["owner"])
    viewed = text(owner.get(f"/c/{community.slug}/insights?days=365")).split('data-testid="most-viewed"')[1]
    assert "Quarterly planning</a></td><td class=\"num\">4<" in viewed
    start = last_month.replace(day=1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    rows = csv_rows(owner.get(f"/c/{community.slug}/insights.csv?from={start}&to={end}&table=viewed"))
    assert [(r["title"], r["views"]) for r in rows] == [("Quarterly planning", "4")]


def test_csv_defuses_formulas(app, people, community, forums, client_for):  # noqa: F811
    """A formula first, or behind a character a spreadsheet may take as its separator (one set
    to ";" splits "x;=..." into a cell starting with "=")."""
    f = forums.forum(community, people["owner"])
    for title in ("=HYPERLINK(\"http://evil\")", "Plans;=HYPERLINK(CHAR(104)) - draft"):
        tid = forums.topic(f, people["member"], title=title)
        client_for(people["other"]).get(f"/c/{community.slug}/forums/t/{tid}")
    analytics.flush(app)
    rows = csv_rows(client_for(people["owner"]).get(f"/c/{community.slug}/insights.csv?table=viewed"))
    assert sorted(r["title"] for r in rows) == ["'=HYPERLINK(\"http://evil\")", "Plans;'=HYPERLINK(CHAR(104)) - draft"]
    assert {r["views"] for r in rows} == {"1"}
