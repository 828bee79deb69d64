"""Chat fixtures: a signed-in Socket.IO test client per person, rooms, and helpers."""
from __future__ import annotations

import itertools

import pytest

from collab.extensions import db, socketio

_ids = itertools.count(1)


def cid() -> str:
    return f"c-{next(_ids)}"


@pytest.fixture
def sio(app, client_for):
    """sio(user) -> a Socket.IO test client on /chat signed in as ``user`` (None: anonymous)."""
    made = []

    def make(user, connect=True):
        flask_client = client_for(user)
        sc = socketio.test_client(app, namespace="/chat", flask_test_client=flask_client)
        made.append(sc)
        return sc

    yield make
    for sc in made:
        if sc.is_connected("/chat"):
            sc.disconnect(namespace="/chat")


def call(sc, event, data=None, **kw):
    """Emit and return the ack."""
    args = [data] if data is not None or not kw else [kw]
    return sc.emit(event, *args, namespace="/chat", callback=True)


def received(sc, name=None):
    got = sc.get_received("/chat")
    return [e["args"][0] for e in got if name is None or e["name"] == name]


@pytest.fixture
def room_of(app):
    """room_of(community) -> the community's default room id (made on first use)."""
    from communities.models import Community

    from collab.chat import services

    def get(community):
        with app.app_context():
            room = services.default_room(db.session.get(Community, community.id))
            db.session.commit()
            return room.id

    return get


@pytest.fixture
def dm(app):
    """dm(a, b, ...) -> id of the direct conversation between those people."""
    from collab.accounts.models import User

    from collab.chat import services

    def make(starter, *others):
        with app.app_context():
            room = services.direct_room(db.session.get(User, starter.id), [db.session.get(User, o.id) for o in others])
            db.session.commit()
            return room.id

    return make


@pytest.fixture
def stored(app):
    """stored(room_id) -> [(seq, body, sender username)] in seq order, straight from the database."""
    from sqlalchemy import select

    from collab.chat.models import ChatMessage

    def get(room_id):
        with app.app_context():
            rows = db.session.scalars(select(ChatMessage).where(ChatMessage.room_id == room_id)
                                      .order_by(ChatMessage.seq)).all()
            return [(m.seq, m.body, m.sender.username if m.sender else None) for m in rows]

    return get
