"""Type-ahead suggests items, not documents: a forum topic and its replies, or the messages of one
chat room, are one row; the rows are still filled up to the limit with other items and still
only what the person may read."""
from __future__ import annotations

from collab.extensions import db


def _suggest(client, q):
    return [(s["title"], s["type"]) for s in client.get("/search/suggest", query_string={"q": q}).get_json()["suggestions"]]


def test_one_row_per_topic_and_per_room(app, make_user, make_community, client_for, index_now):
    from blogs import services as blogs
    from collab.accounts.models import User
    from collab.chat import services as chat
    from communities.models import Community
    from forums import services as forums

    owner, reader, outsider = make_user("owner"), make_user("reader"), make_user("outsider")
    c = make_community(owner, name="产品设计 Product Design", access="restricted", members=[reader])
    with app.test_request_context("/", method="POST"):
        community, me = db.session.get(Community, c.id), db.session.get(User, owner.id)
        forum = forums.create_forum(community, me, name="General")
        topic = forums.create_topic(forum, me, title="Kafka consumer lag alerts", body="first")
        for n in range(3):
            forums.reply(topic, me, body=f"reply {n}")
        for n in range(10):  # more distinct items than one row limit, each after the topic
            forums.create_topic(forum, me, title=f"Kafka partition {n}", body="other")
        post = blogs.create_post(blogs.Blog(community=community), me, blogs.PostInput(
            title="产品复盘 review", body="notes", action="publish"))
        db.session.commit()
        for n in range(2):
            blogs.add_comment(blogs.Blog(community=community), post, me, f"comment {n}")
        db.session.commit()
        room = chat.default_room(db.session.get(Community, c.id))
        room_id = room.id
    for n in range(6):
        with app.test_request_context("/", method="POST"):
            chat.post_message(db.session.get(User, owner.id), db.session.get(chat.ChatRoom, room_id),
                              f"产品 message {n}", f"client-{n}")
    index_now()
    client = client_for(reader)

    rows = _suggest(client, "kaf")
    assert rows[0] == ("Kafka consumer lag alerts", "forums")
    assert len(rows) == 8 and len(set(rows)) == 8, rows  # one row per topic, still eight rows

    rows = _suggest(client, "产品")
    assert rows.count(("#general · 产品设计 Product Design", "chat")) == 1, rows
    assert ("产品设计 Product Design", "community") in rows
    assert [t for t, _kind in rows].count("产品复盘 review") == 1, rows  # the post, not also its comments

    assert _suggest(client_for(outsider), "kaf") == []  # a restricted community's topics stay hidden
