"""A digest's "Stop these emails" link (and its one-click List-Unsubscribe) stops every kind the
digest is about, not only the first one listed; a one-kind link keeps working as before."""
from __future__ import annotations

from collab import activity
from collab.accounts.models import User
from collab.activity import mail
from collab.activity.models import NotificationPreference
from collab.extensions import db
from communities.models import Community
from tests.activity.test_mail import smtp  # noqa: F401  (the local SMTP server fixture)


def _tell(app, ana, bob, place, kind, title):
    with app.app_context():
        activity.notify([bob.id], kind, actor=db.session.get(User, ana.id), key=f"wiki_page:{title}",
                        community=db.session.get(Community, place.id), title=title, url="/c/place/")
        db.session.commit()


def _first_digest(app, smtp, make_user, make_community, kinds, **bob):  # noqa: F811
    """Bob takes ``kinds`` by digest and hears of a mention and a comment: (ana, bob, place, the digest)."""
    controller, sink = smtp
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, BASE_URL="http://collab.test")
    ana, bob = make_user("ana"), make_user("bob", **bob)
    place = make_community(ana, "Place", members=[bob])
    with app.app_context():
        for kind in kinds:
            db.session.add(NotificationPreference(user_id=bob.id, kind=kind, channel="digest"))
        db.session.commit()
    _tell(app, ana, bob, place, "mention", "One")
    _tell(app, ana, bob, place, "comment", "Two")
    with app.app_context():
        assert mail.send_digests() == 1
    (_, msg), = sink.messages
    return ana, bob, place, msg


def test_stop_these_emails_in_a_digest_stops_each_of_its_kinds(app, smtp, make_user, make_community):  # noqa: F811
    _, sink = smtp
    ana, bob, place, msg = _first_digest(app, smtp, make_user, make_community, ("mention", "comment", "reply"))
    body = msg.get_payload(decode=True).decode()
    stop = body.split("Stop these emails: ", 1)[1].split()[0]
    link = msg["List-Unsubscribe"].strip("<>")
    assert stop == link
    anonymous = app.test_client()
    page = anonymous.get(link.replace("http://collab.test", "")).get_data(as_text=True)
    assert "Comments on my posts and Someone mentions me" in page
    assert anonymous.post(link.replace("http://collab.test", ""),
                          data={"List-Unsubscribe": "One-Click"}).status_code == 204
    with app.app_context():
        assert {k: activity.channel_of(bob.id, k) for k in ("mention", "comment", "reply")} == {
            "mention": "off", "comment": "off", "reply": "digest"}  # the digest was not about replies
    _tell(app, ana, bob, place, "mention", "Three")
    _tell(app, ana, bob, place, "comment", "Four")
    _tell(app, ana, bob, place, "reply", "Five")
    with app.app_context():
        assert mail.send_digests() == 1
    (_, again) = sink.messages[-1]
    body = again.get_payload(decode=True).decode()
    assert "Five" in body and "Three" not in body and "Four" not in body


def test_the_kinds_read_as_a_list_in_the_readers_language(app, smtp, make_user, make_community):  # noqa: F811
    msg = _first_digest(app, smtp, make_user, make_community, ("mention", "comment"), locale="zh_Hans")[3]
    body = msg.get_payload(decode=True).decode()
    assert "（评论我的帖子和有人提到我）" in body or "(评论我的帖子和有人提到我)" in body, body
    path = msg["List-Unsubscribe"].strip("<>").replace("http://collab.test", "")
    page = app.test_client().get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "评论我的帖子和有人提到我" in page and "评论我的帖子, 有人提到我" not in page
    page = app.test_client().get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Comments on my posts and Someone mentions me" in page
