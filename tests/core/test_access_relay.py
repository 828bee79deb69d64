"""Access changes reach every server process: with a Redis message queue, the process that
committed publishes them, and each other process calls its own listeners (wiki co-editing and
chat re-check the sockets they hold). Two apps on one database stand for two processes."""
from __future__ import annotations

import time
import uuid

import pytest
from flask import current_app

from collab import access_events
from collab.extensions import db
from tests.conftest import REDIS_URL, need, redis_ok


CHANNEL = f"collab-test-{uuid.uuid4().hex}"


@pytest.mark.app_config(SOCKETIO_MESSAGE_QUEUE=REDIS_URL, SOCKETIO_CHANNEL=CHANNEL)
def test_leaving_in_one_process_is_heard_by_the_other(app, make_app, make_user, make_community):
    need("Redis", redis_ok(), "set COLLAB_TEST_REDIS_URL")
    a, channel = app, CHANNEL
    b = make_app(SOCKETIO_MESSAGE_QUEUE=REDIS_URL, SOCKETIO_CHANNEL=channel,
                 SQLALCHEMY_DATABASE_URI=a.config["SQLALCHEMY_DATABASE_URI"])
    heard = []

    def listener(community_id, user_ids):
        heard.append(("a" if current_app._get_current_object() is a else "b", community_id, user_ids))

    access_events.on_access_changed(listener)
    try:
        for app in (a, b):
            assert app.extensions["collab_access_relay"].ready.wait(5)
        with a.app_context():
            from communities import services
            from communities.models import Community

            owner, member = make_user("owner"), make_user("member")
            community = make_community(owner, name="Ops")
            services.join(db.session.get(Community, community.id), member)
            db.session.commit()
            heard.clear()
            services.leave(db.session.get(Community, community.id), member)
            db.session.commit()
            ids = (community.id, member.id)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(heard) < 2:
            time.sleep(0.02)
        time.sleep(0.3)  # nothing more arrives: the committing process does not hear itself twice
        assert sorted(heard) == [("a", ids[0], {ids[1]}), ("b", ids[0], {ids[1]})]
    finally:
        access_events._listeners.remove(listener)


def test_without_a_message_queue_nothing_is_relayed(app):
    assert "collab_access_relay" not in app.extensions


def _second_process(a, make_app, channel: str, register) -> list:
    """A second app on ``a``'s database and Redis channel (another process), both relays ready;
    ``register(listener)`` adds a listener that notes which process heard what (the list)."""
    need("Redis", redis_ok(), "set COLLAB_TEST_REDIS_URL")
    b = make_app(SOCKETIO_MESSAGE_QUEUE=REDIS_URL, SOCKETIO_CHANNEL=channel,
                 SQLALCHEMY_DATABASE_URI=a.config["SQLALCHEMY_DATABASE_URI"])
    heard = []

    def listener(what):
        heard.append(("a" if current_app._get_current_object() is a else "b", what))

    register(listener)
    for one in (a, b):
        assert one.extensions["collab_access_relay"].ready.wait(5)
    return heard


def _both_heard(heard: list) -> list:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(heard) < 2:
        time.sleep(0.02)
    time.sleep(0.3)
    return sorted(heard)


@pytest.mark.app_config(SOCKETIO_MESSAGE_QUEUE=REDIS_URL, SOCKETIO_CHANNEL=CHANNEL + "-ended")
def test_ended_sessions_are_heard_by_the_other_process(app, make_app, make_user):
    """Deactivating someone in one process ends their sockets in every process: each hears it."""
    heard = _second_process(app, make_app, CHANNEL + "-ended", access_events.on_sessions_ended)
    try:
        with app.app_context():
            from collab.accounts import services
            from collab.accounts.models import User

            person = make_user("leaver")
            services.set_deactivated(db.session.get(User, person.id), True)
            db.session.commit()
        assert _both_heard(heard) == [("a", {person.id}), ("b", {person.id})]
    finally:
        access_events._ended_listeners.pop()


@pytest.mark.app_config(SOCKETIO_MESSAGE_QUEUE=REDIS_URL, SOCKETIO_CHANNEL=CHANNEL + "-signout")
def test_a_sign_out_is_heard_by_the_other_process(app, make_app, make_user, login):
    """Signing out in a browser ends its sockets in every process: each process hears the sign-in
    that ended, and only that one."""
    heard = _second_process(app, make_app, CHANNEL + "-signout", access_events.on_sign_in_ended)
    try:
        browser = login(make_user("leaver"), c=app.test_client())
        other_browser = login(make_user("stayer"), c=app.test_client())
        with browser.session_transaction() as s:
            token = s["_signin"]
        with other_browser.session_transaction() as s:
            assert s["_signin"] != token
        assert browser.post("/logout").status_code == 302
        assert _both_heard(heard) == [("a", {token}), ("b", {token})]
    finally:
        access_events._sign_in_listeners.pop()
