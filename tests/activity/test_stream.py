"""The home stream, community stream and profile activity, through the pages people open."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from collab import activity
from collab.accounts.models import Follow, User
from collab.activity import stream
from collab.activity.models import Event
from collab.extensions import db
from communities.models import Community
from tests.helpers import text


def _record(app, actor, verb, key, community=None, title="Thing", group=None, url="/x"):
    with app.app_context():
        c = db.session.get(Community, community.id) if community is not None else None
        ev = activity.record(db.session.get(User, actor.id), verb, key, community=c, title=title, url=url, group=group)
        db.session.commit()
        return ev.id


def _lines(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r'<p class="stream-line">(.*?)</p>', html, re.S)]


def test_home_shows_my_communities_and_people_i_follow_never_what_i_may_not_read(app, make_user, make_community, client_for):
    me, ana, bob, cy = (make_user(n) for n in ("me", "ana", "bob", "cy"))
    mine = make_community(ana, "Mine", members=[me])
    other = make_community(bob, "Other")                        # public, I am not in it
    secret = make_community(bob, "Secret", access="restricted")  # I may not read it
    _record(app, ana, "created", "wiki_page:1", mine, "In my community")
    _record(app, bob, "created", "wiki_page:2", other, "Bob in a public place")
    _record(app, bob, "created", "wiki_page:3", secret, "Bob in secret")
    _record(app, bob, "published", "blog_post:4", None, "Bob personal post")
    _record(app, cy, "created", "wiki_page:5", other, "Cy not followed")
    c = client_for(me)
    before = text(c.get("/"))
    assert "In my community" in before and "Bob in a public place" not in before
    assert c.post("/u/bob/follow").status_code == 302
    html = text(c.get("/"))
    assert "In my community" in html and "Bob in a public place" in html and "Bob personal post" in html
    assert "Bob in secret" not in html and "Cy not followed" not in html
    # filters: by community and by the key's type
    only = text(c.get(f"/?community={mine.id}"))
    assert "In my community" in only and "Bob in a public place" not in only
    posts = text(c.get("/?type=blog_post"))
    assert "Bob personal post" in posts and "In my community" not in posts
    assert "Bob personal post" not in text(c.get("/?type=wiki_page"))


def test_same_verb_on_the_same_thing_groups_into_one_line(app, make_user, make_community, client_for):
    me, ana, bob, cy, dee = (make_user(n) for n in ("me", "ana", "bob", "cy", "dee"))
    place = make_community(ana, "Place", members=[me, bob, cy, dee])
    for i, who in enumerate((ana, bob, cy, dee)):
        _record(app, who, "replied", f"forum_post:{i}", place, "Lunch plans", group="forum_topic:9")
    lines = _lines(text(client_for(me).get("/")))
    assert "Dee and 3 others replied to Lunch plans" in lines
    assert sum("Lunch plans" in line for line in lines) == 1


def test_keyset_paging_walks_every_event_once_with_an_older_link(app, make_user, make_community, client_for):
    me, ana = make_user("me"), make_user("ana")
    place = make_community(ana, "Busy", members=[me])
    with app.app_context():
        c, a = db.session.get(Community, place.id), db.session.get(User, ana.id)
        for i in range(95):
            activity.record(a, "created", f"wiki_page:{i}", community=c, title=f"Page number {i}", url=f"/p/{i}")
        db.session.commit()
    client = client_for(me)
    seen, url = [], "/"
    while url:
        html = text(client.get(url))
        seen += re.findall(r"Page number (\d+)", html)
        more = re.search(r'href="([^"]+)" data-stream-more', html)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert [int(n) for n in seen] == list(range(94, -1, -1))


def test_leaving_a_restricted_community_hides_its_events_at_once(app, make_user, make_community, client_for):
    me, ana = make_user("me"), make_user("ana")
    secret = make_community(ana, "Secret", access="restricted", members=[me])
    _record(app, ana, "created", "wiki_page:1", secret, "Secret plans")
    c = client_for(me)
    assert c.post("/u/ana/follow").status_code == 302
    assert "Secret plans" in text(c.get("/"))
    assert c.post(f"/c/{secret.slug}/leave").status_code == 302
    html = text(c.get("/"))
    assert "Secret plans" not in html
    assert "Secret plans" not in text(c.get("/u/ana"))


def test_community_home_and_profile_show_their_streams(app, make_user, make_community, client_for):
    me, ana = make_user("me"), make_user("ana")
    place = make_community(ana, "Place")
    secret = make_community(ana, "Hidden", access="restricted")
    _record(app, ana, "created", "wiki_page:1", place, "Visible page")
    _record(app, ana, "created", "wiki_page:2", secret, "Hidden page")
    c = client_for(me)
    home = text(c.get(f"/c/{place.slug}/"))
    assert "Visible page" in home and "Recent activity" in home
    profile = text(c.get("/u/ana"))
    assert "Visible page" in profile and "Hidden page" not in profile
    assert "Hidden page" in text(client_for(ana).get("/u/ana"))


def test_joining_shows_in_the_community_stream_and_leaving_removes_it(app, make_user, make_community, client_for):
    me, ana = make_user("me", display_name="Mei"), make_user("ana")
    place = make_community(ana, "Open house")
    c = client_for(me)
    assert c.post(f"/c/{place.slug}/join").status_code == 302
    assert "Mei joined Open house" in _lines(text(c.get(f"/c/{place.slug}/")))
    c.post(f"/c/{place.slug}/leave")
    assert "Mei joined" not in text(c.get(f"/c/{place.slug}/"))


def test_bad_paging_and_filter_values_are_ignored(app, make_user, client_for):
    me = make_user("me")
    c = client_for(me)
    for q in ("?before=abc", "?before=-3", "?type=../../x", "?community=999999", "?type=" + "x" * 500):
        assert c.get("/" + q).status_code == 200


def test_paging_merges_communities_and_followed_people_each_event_once(app, make_user, make_community, client_for):
    """A followed person acting in one of my communities is one event, not two; pages interleave
    every source newest first, skip what I may not read, and the community filter keeps its own."""
    me, ana, bob = make_user("me"), make_user("ana"), make_user("bob")
    mine = make_community(ana, "Mine", members=[me, bob])
    club = make_community(ana, "Club", access="restricted", members=[me, bob])
    public = make_community(ana, "Elsewhere")
    secret = make_community(ana, "Secret", access="restricted", members=[bob])
    expected = []
    with app.app_context():
        places = {k: db.session.get(Community, c.id) for k, c in
                  (("mine", mine), ("club", club), ("public", public), ("secret", secret))}
        people = {"ana": db.session.get(User, ana.id), "bob": db.session.get(User, bob.id)}
        for i in range(70):
            who = "bob" if i % 3 else "ana"          # I follow bob, not ana
            where = ("mine", "club", "public", "secret", None)[i % 5]
            activity.record(people[who], "created", f"wiki_page:{i}", community=places[where] if where else None,
                            title=f"Event number {i}", url=f"/e/{i}")
            if where in ("mine", "club") or (who == "bob" and where != "secret"):
                expected.append(i)
        db.session.commit()
    c = client_for(me)
    assert c.post("/u/bob/follow").status_code == 302

    def walk(url):
        seen = []
        while url:
            html = text(c.get(url))
            page = [int(n) for n in re.findall(r"Event number (\d+)<", html)]
            more = re.search(r'href="([^"]+)" data-stream-more', html)
            url = more.group(1).replace("&amp;", "&") if more else None
            assert url is None or len(page) == stream.PAGE_EVENTS   # a full page while there is more
            seen += page
        return seen

    assert walk("/") == expected[::-1]
    in_mine = [i for i in expected if i % 5 == 0]
    assert walk(f"/?community={mine.id}") == in_mine[::-1]


def test_followed_person_busy_out_of_sight_still_fills_each_page(app, make_user, make_community):
    """Someone I follow does hundreds of things in a place I may not read: pages still come out
    full, exact and in order (the stream looks further, batch after batch, then lets the database
    skip the rest)."""
    me, bob = make_user("me"), make_user("bob")
    secret = make_community(bob, "Secret", access="restricted")
    mine = make_community(bob, "Mine", members=[me])
    visible = []
    with app.app_context():
        start = db.session.scalar(select(func.max(Event.id))) or 0    # (joining makes events too)
        b = db.session.get(User, bob.id)
        places = {"secret": db.session.get(Community, secret.id), "mine": db.session.get(Community, mine.id)}
        for i in range(420):
            where = "mine" if i < 4 or i > 410 else ("secret" if 10 <= i <= 400 else None)
            ev = activity.record(b, "created", f"wiki_page:{i}", community=places.get(where), title=f"E{i}", url="/e")
            db.session.flush()
            if where != "secret":
                visible.append(ev.id)
        db.session.add(Follow(follower_id=me.id, followed_id=bob.id))
        db.session.commit()
        reader = db.session.get(User, me.id)
        for limit in (3, 7):
            seen, before = [], None
            while True:
                ids = stream.home_event_ids(reader, before=before, limit=limit)
                seen += ids
                if len(ids) < limit:
                    break
                before = ids[-1]
            assert [i for i in seen if i > start] == visible[::-1]


def test_stream_lines_escape_names_and_titles_in_each_language(app, make_user, make_community, client_for):
    me = make_user("me")
    zh = make_user("zh", locale="zh_Hans")
    ana, bob, cy = make_user("ana", display_name="<b>Ana</b>"), make_user("bob"), make_user("cy")
    place = make_community(ana, "Place", members=[me, zh, bob, cy])
    for who in (ana, bob):
        _record(app, who, "replied", f"forum_post:{who.id}", place, "<script>x</script> plans", group="forum_topic:1")
    for who in (ana, bob, cy):
        _record(app, who, "commented", f"blog_comment:{who.id}", place, "Essay", group="blog_post:2")
    _record(app, cy, "liked", "blog_post:3", place, "Song")
    html = client_for(me).get("/").get_data(as_text=True)
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt; plans" in html
    assert "<b>Ana</b>" not in html and "&lt;b&gt;Ana&lt;/b&gt;" in html
    lines = _lines(text(client_for(me).get("/")))
    assert "Bob and &lt;b&gt;Ana&lt;/b&gt; replied to &lt;script&gt;x&lt;/script&gt; plans" in lines
    assert "Cy and 2 others commented on Essay" in lines and "Cy liked Song" in lines
    lines = _lines(text(client_for(zh).get("/")))
    assert "Bob 和 &lt;b&gt;Ana&lt;/b&gt; 回复了 &lt;script&gt;x&lt;/script&gt; plans" in lines
    assert any(line.startswith("Cy 等 2 人") and "Essay" in line for line in lines)


def test_cached_stream_lines_and_community_list_follow_time_names_and_counts(app, make_user, make_community, client_for):
    """The home page keeps rendered stream lines and the "My communities" list per process: what
    they show must still change with the clock, a new name, a new member or the reader's language."""
    from datetime import timedelta

    from collab import timefmt

    me, zh, ana = make_user("me"), make_user("zh", locale="zh_Hans"), make_user("ana", display_name="Ana Lima")
    place = make_community(ana, "Harbour", members=[me, zh])
    _record(app, ana, "created", "wiki_page:1", place, "Tide tables")
    client = client_for(me)

    def when(html):
        return re.search(r'<p class="muted small"><time datetime="[^"]+" title="[^"]+">([^<]+)</time>', html).group(1)

    def members(html):
        return re.search(r'Harbour</a> <span class="tag access-public">Public</span>\s*<span class="muted nowrap">([^<]+)<',
                         html).group(1)

    first = text(client.get("/"))
    assert "Ana Lima created Tide tables" in _lines(first)
    assert when(first) in ("now", "in 0 minutes", "1 minute ago") and members(first) == "3 members"
    real_now = timefmt.utcnow
    timefmt.utcnow = lambda: real_now() + timedelta(hours=3)
    try:
        assert when(text(client.get("/"))) == "3 hours ago"
    finally:
        timefmt.utcnow = real_now
    with app.app_context():
        db.session.get(User, ana.id).display_name = "Ana Souza"
        db.session.commit()
    make_user("bo")
    assert client_for(make_user("cy")).post(f"/c/{place.slug}/join").status_code == 302
    again = text(client.get("/"))
    assert "Ana Souza created Tide tables" in _lines(again) and "Ana Lima" not in again
    assert members(again) == "4 members"
    chinese = client_for(zh).get("/").get_data(as_text=True)
    assert "Ana Souza 创建了 Tide tables" in _lines(chinese) and "4 名成员" in chinese


def test_a_join_line_names_the_community_once(app, make_user, make_community, client_for):
    """'Mei joined Open house' is not followed by '· Open house' under it; a page's line still
    says where it happened."""
    me, ana = make_user("me", display_name="Mei"), make_user("ana")
    place = make_community(ana, "Open house", members=[me])
    c = client_for(me)
    assert c.post(f"/c/{place.slug}/leave").status_code == 302
    assert c.post(f"/c/{place.slug}/join").status_code == 302
    _record(app, ana, "created", "wiki_page:1", place, "Lunch menu")
    items = re.findall(r'<li class="stream-item".*?</li>', c.get("/").get_data(as_text=True), re.S)
    joined = next(i for i in items if "joined" in i)
    page = next(i for i in items if "Lunch menu" in i)
    assert joined.count("Open house") == 1, joined
    assert page.count("Open house") == 1 and "Lunch menu" in page
