"""The interface tools use to record activity and tell people: who gets told, by which channel,
live pushes only for what was committed, and retraction."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from collab import activity
from collab.accounts.models import User
from collab.activity.models import Event, Notification, NotificationPreference
from collab.extensions import db, socketio
from communities.models import Community


def test_notify_reaches_only_people_who_can_read_the_place(app, make_user, make_community):
    owner, member, outsider, admin, gone = (make_user(n) for n in ("own", "mem", "out", "adm", "gone"))
    with app.app_context():
        db.session.get(User, admin.id).is_admin = True
        db.session.get(User, gone.id).is_deactivated = True
        db.session.commit()
    secret = make_community(owner, "Secret", access="restricted", members=[member])
    with app.app_context():
        c = db.session.get(Community, secret.id)
        made = activity.notify([owner, member, outsider.id, admin, gone], "reply",
                               actor=db.session.get(User, owner.id), key="thing:1", community=c,
                               title="Plans", url="/c/secret/x")
        told = {n.user_id for n in made}
        db.session.commit()
        got = set(db.session.scalars(select(Notification.user_id)))
    # the actor is not told about their own act; outsiders and deactivated people are skipped
    assert told == got == {member.id, admin.id}


def test_preferences_pick_the_channel_and_off_means_nothing(app, make_user, make_community):
    ana, bob, cy = make_user("ana"), make_user("bob"), make_user("cy")
    place = make_community(ana, "Open")
    with app.app_context():
        db.session.add_all([NotificationPreference(user_id=bob.id, kind="mention", channel="email"),
                            NotificationPreference(user_id=cy.id, kind="mention", channel="off")])
        db.session.commit()
        activity.notify_mentions("Hi @bob, @CY and @nobody and @ana", actor=db.session.get(User, ana.id),
                                 key="post:3", community=db.session.get(Community, place.id),
                                 title="Hello", url="/x")
        db.session.commit()
        rows = db.session.execute(select(Notification.user_id, Notification.kind, Notification.mail)).all()
    assert rows == [(bob.id, "mention", "now")]


def test_edit_notifies_only_newly_mentioned_people(app, make_user, make_community):
    ana, bob, cy = make_user("ana"), make_user("bob"), make_user("cy")
    place = make_community(ana, "Open")
    with app.app_context():
        made = activity.notify_mentions("@bob and @cy", previous="hello @bob", actor=db.session.get(User, ana.id),
                                        key="post:3", community=db.session.get(Community, place.id),
                                        title="Hello", url="/x")
        assert [n.user_id for n in made] == [cy.id]


def test_bell_is_pushed_after_commit_never_after_rollback(app, make_user, make_community, client_for):
    ana, bob = make_user("ana"), make_user("bob")
    place = make_community(ana, "Open")
    sock = socketio.test_client(app, namespace="/notify", flask_test_client=client_for(bob))
    assert sock.is_connected("/notify")
    with app.app_context():
        args = dict(actor=db.session.get(User, ana.id), key="post:9", community=db.session.get(Community, place.id),
                    title="Rolled back", url="/x")
        activity.notify([bob.id], "reply", **args)
        db.session.rollback()
        assert sock.get_received("/notify") == []
        activity.notify([bob.id], "reply", **{**args, "title": "Kept"})
        db.session.commit()
    received = sock.get_received("/notify")
    assert [(m["name"], m["args"][0]["title"], m["args"][0]["actor"]) for m in received] == [
        ("notification", "Kept", "Ana")]


def test_retract_removes_events_and_notifications_of_a_thing_and_its_parts(app, make_user, make_community):
    ana, bob = make_user("ana"), make_user("bob")
    place = make_community(ana, "Open")
    with app.app_context():
        a, c = db.session.get(User, ana.id), db.session.get(Community, place.id)
        activity.record(a, "created", "topic:1", community=c, title="T", url="/t/1")
        activity.record(a, "replied", "post:5", group="topic:1", community=c, title="T", url="/t/1#p5")
        activity.record(a, "created", "topic:2", community=c, title="U", url="/t/2")
        activity.notify([bob], "topic_reply", actor=a, key="post:5", group="topic:1", community=c,
                        title="T", url="/t")
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
        activity.retract("topic:1")
        db.session.commit()
        assert db.session.scalars(select(Event.key)).all() == ["topic:2"]
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_unknown_verbs_kinds_and_keys_are_programming_errors(app, make_user):
    ana = make_user("ana")
    with app.app_context():
        a = db.session.get(User, ana.id)
        with pytest.raises(ValueError):
            activity.record(a, "danced", "x:1", community=None, title="", url="/")
        with pytest.raises(ValueError):
            activity.record(a, "created", "nokey", community=None, title="", url="/")
        with pytest.raises(ValueError):
            activity.notify([1], "gossip", actor=a, key="x:1", community=None, title="", url="/")
