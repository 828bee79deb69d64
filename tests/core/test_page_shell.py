"""The page shell every page shares: the top bar (a fragment cached per process, keyed on what it
shows) and the navigation's counts (one statement). Changes made behind the server's back (as
another server process would make them) must show on the next page, and nothing may pass from
one person's page to another's."""
from __future__ import annotations

import re

from sqlalchemy import update

from collab.extensions import db
from tests.conftest import csrf_token
from tests.helpers import text


def _menu_name(page: str) -> str:
    return re.search(r'<span class="menu-name">([^<]*)</span>', page).group(1)


def _badge(page: str, testid: str) -> str | None:
    m = re.search(r'<span class="badge" data-testid="%s"[^>]*?( hidden)?>(\d+)</span>' % testid, page)
    if m is None:
        return None
    return None if m.group(1) else m.group(2)


def test_each_person_gets_their_own_top_bar(app, make_user, client_for):
    ana, bo = make_user("ana", display_name="Ana Lima"), make_user("bo", display_name="Bo Chen")
    web_ana, web_bo = client_for(ana), client_for(bo)
    for _ in range(2):  # the second round is served from the fragment cache
        page_ana, page_bo = text(web_ana.get("/c/")), text(web_bo.get("/c/"))
        assert _menu_name(page_ana) == "Ana Lima" and _menu_name(page_bo) == "Bo Chen"
        assert "/u/ana" in page_ana and "/u/bo" not in page_ana
        assert "/u/bo" in page_bo and "/u/ana" not in page_bo
    # The section marked current follows the page, not the first page cached.
    assert re.search(r'href="/c/" aria-current="page"', text(web_ana.get("/c/")))
    home = text(web_ana.get("/"))
    assert re.search(r'href="/" aria-current="page"', home) and not re.search(r'href="/c/" aria-current', home)


def test_top_bar_follows_changes_made_elsewhere(app, make_user, client_for):
    from collab.accounts.models import User

    ana = make_user("ana", display_name="Ana Lima")
    web = client_for(ana)
    page = text(web.get("/c/"))
    assert _menu_name(page) == "Ana Lima" and "/admin/" not in page
    with app.app_context():  # another process renames her and makes her an admin
        db.session.execute(update(User).where(User.id == ana.id).values(display_name="Ana Souza", is_admin=True))
        db.session.commit()
    page = text(web.get("/c/"))
    assert _menu_name(page) == "Ana Souza" and 'href="/admin/"' in page
    with app.app_context():
        db.session.execute(update(User).where(User.id == ana.id).values(is_admin=False))
        db.session.commit()
    assert 'href="/admin/"' not in text(web.get("/c/"))


def test_top_bar_language_follows_the_person(app, make_user, client_for):
    from collab.accounts.models import User

    ana = make_user("ana")
    web = client_for(ana)
    assert ">Communities<" in text(web.get("/c/"))
    with app.app_context():
        db.session.execute(update(User).where(User.id == ana.id).values(locale="zh_Hans"))
        db.session.commit()
    page = text(web.get("/c/"))
    assert ">Communities<" not in page and ">社区<" in page


def test_sign_out_form_carries_a_working_token(app, make_user, client_for):
    ana = make_user("ana")
    web = client_for(ana)
    text(web.get("/c/"))  # fill the cache
    page = text(web.get("/c/"))
    token = re.search(r'action="/logout" method="post">\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                      page).group(1)
    assert "\x00" not in page and token == csrf_token(page)
    assert web.post("/logout", data={"csrf_token": token}).status_code == 302
    assert web.get("/c/").status_code == 302  # signed out: sent to the sign-in page


def test_bell_and_invitation_counts_are_current(app, make_user, make_community, client_for):
    from collab import activity
    from collab.accounts.models import User
    from communities import services
    from communities.models import Community

    ana, bo = make_user("ana"), make_user("bo")
    place = make_community(bo, name="Secret", access="restricted")
    web = client_for(ana)
    page = text(web.get("/c/"))
    assert _badge(page, "notification-count") is None and _badge(page, "invitation-count") is None
    with app.test_request_context("/"):
        community = db.session.get(Community, place.id)
        services.invite(community, db.session.get(User, bo.id), db.session.get(User, ana.id))
        db.session.commit()
    page = text(web.get("/c/"))
    assert _badge(page, "invitation-count") == "1"
    before = int(_badge(page, "notification-count") or 0)  # whatever the invitation itself told her
    with app.test_request_context("/"):
        activity.notify([db.session.get(User, ana.id)], "mention", actor=db.session.get(User, bo.id),
                        key="test:1", community=None, title="Hello", url="/")
        db.session.commit()
    page = text(web.get("/c/"))
    assert _badge(page, "notification-count") == str(before + 1)
    assert _badge(text(client_for(bo).get("/c/")), "notification-count") is None  # not bo's
    web.post("/notifications/read-all", data={"csrf_token": csrf_token(page)})
    assert _badge(text(web.get("/c/")), "notification-count") is None


def test_chat_unread_stops_counting_a_room_the_person_may_no_longer_read(app, make_user, make_community,
                                                                         client_for):
    from collab.accounts.models import User
    from collab.chat import services as chat
    from communities import services
    from communities.models import Community

    ana, bo = make_user("ana"), make_user("bo")
    place = make_community(ana, name="Secret", access="restricted", members=[bo])
    with app.test_request_context("/"):
        community = db.session.get(Community, place.id)
        room = chat.default_room(community)
        chat._set_read_ids(bo.id, room.id, 0)
        for body in ("one", "two"):
            chat.post_message(db.session.get(User, ana.id), room, body, f"c-{body}")
        db.session.commit()
    web = client_for(bo)
    assert "data-chat-unread>2<" in text(web.get("/c/"))
    with app.test_request_context("/"):
        services.remove_member(db.session.get(Community, place.id), db.session.get(User, bo.id))
        db.session.commit()
    page = text(web.get("/c/"))
    assert "data-chat-unread hidden>0<" in page


def test_relative_times_in_english_and_chinese(app, make_user, make_community, client_for):
    from datetime import timedelta

    from collab import activity
    from collab.accounts.models import User
    from collab.activity.models import Event
    from collab.db import utcnow
    from communities.models import Community

    ana = make_user("ana")
    zh = make_user("zhang", locale="zh_Hans")
    place = make_community(ana, name="Makers")
    with app.test_request_context("/"):
        activity.record(db.session.get(User, ana.id), "created", "test:7", community=db.session.get(Community, place.id),
                        title="Roadmap", url="/")
        db.session.flush()
        db.session.execute(update(Event).values(created_at=utcnow() - timedelta(minutes=3, seconds=10)))
        db.session.commit()
    en_page = text(client_for(ana).get(f"/c/{place.slug}/"))
    zh_page = text(client_for(zh).get(f"/c/{place.slug}/"))
    assert re.search(r'<time datetime="[^"]+" title="[^"]+">3 minutes ago</time>', en_page)
    assert re.search(r'<time datetime="[^"]+" title="\d{4}年\d{1,2}月\d{1,2}日 [^"]+">3分钟前</time>', zh_page)


def test_community_home_shows_new_description_and_tags_and_hides_on_access_change(app, make_user, make_community,
                                                                                    client_for):
    from communities import services
    from communities.models import Community

    ana, bo = make_user("ana"), make_user("bo")
    place = make_community(ana, name="Makers", description="We **build** robots.", tags="robots")
    web = client_for(bo)
    for _ in range(2):
        page = text(web.get(f"/c/{place.slug}/"))
        assert "<strong>build</strong>" in page and ">robots</a>" in page

    def change(**fields):
        with app.test_request_context("/"):  # as another server process would
            c = db.session.get(Community, place.id)
            args = dict(name=c.name, slug=c.slug, description=c.description, tags=c.tags, access_level=c.access,
                        tools=sorted(c.enabled_tools))
            args.update(fields)
            services.update_community(c, **args)
            db.session.commit()

    change(tags="robots, 机器人")
    page = text(web.get(f"/c/{place.slug}/"))
    assert ">robots</a>" in page and ">机器人</a>" in page
    change(description="We *fly* drones.")
    page = text(web.get(f"/c/{place.slug}/"))
    assert "<em>fly</em>" in page and "robots." not in page
    change(access_level="restricted")
    assert web.get(f"/c/{place.slug}/").status_code == 404  # bo is not a member
    assert "<em>fly</em>" in text(client_for(ana).get(f"/c/{place.slug}/"))
