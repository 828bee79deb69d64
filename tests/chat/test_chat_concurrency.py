"""Sequence numbers under concurrency: many senders at once get 1..N with no gap and no repeat,
and the same client id sent from two places at once is stored once (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading

from sqlalchemy import select

from collab.db import write_intent
from collab.extensions import db


def test_parallel_senders_get_distinct_contiguous_seqs(app, make_user, make_community, room_of):
    from collab.accounts.models import User
    from collab.chat import services
    from collab.chat.models import ChatMessage, ChatRoom

    people = [make_user(f"p{i}") for i in range(6)]
    c = make_community(people[0], members=people[1:])
    room = room_of(c)
    errors, acks = [], []
    lock = threading.Lock()
    start = threading.Barrier(len(people) * 2)

    def send(person, client_ids):
        try:
            with app.test_request_context("/"):
                start.wait(timeout=20)
                for client_id in client_ids:
                    with write_intent():
                        m, created = services.post_message(db.session.get(User, person.id),
                                                           db.session.get(ChatRoom, room), f"{person.username} {client_id}",
                                                           client_id)
                        db.session.commit()
                        with lock:
                            acks.append((person.username, client_id, m.seq))
                db.session.remove()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(repr(e))

    # Each person runs two threads sending the same ten client ids: retries racing each other.
    threads = [threading.Thread(target=send, args=(p, [f"{p.username}-{k}" for k in range(10)]))
               for p in people for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    with app.app_context():
        rows = db.session.execute(select(ChatMessage.seq, ChatMessage.client_id)
                                  .where(ChatMessage.room_id == room).order_by(ChatMessage.seq)).all()
        last = db.session.get(ChatRoom, room).last_seq
    assert [s for s, _ in rows] == list(range(1, 61)) and last == 60
    assert len({c for _, c in rows}) == 60
    # Both racing copies of a send were acknowledged with the one stored seq.
    by_id = {}
    for user, client_id, seq in acks:
        by_id.setdefault(client_id, set()).add(seq)
    assert len(acks) == 120 and all(len(s) == 1 for s in by_id.values())


def test_parallel_socket_senders_are_all_stored(app, make_user, make_community, room_of, sio, stored):
    """Through the namespace, as a server's threads run them: every send is acknowledged with a
    distinct seq (no 'database is locked' from a reader upgrading to a writer)."""
    from tests.chat.conftest import call

    people = [make_user(f"s{i}") for i in range(6)]
    c = make_community(people[0], members=people[1:])
    room = room_of(c)
    sockets = [sio(p) for p in people]
    acks, errors = [], []
    start = threading.Barrier(len(sockets))

    def run(sc, name):
        try:
            start.wait(timeout=20)
            for k in range(15):
                acks.append(call(sc, "send", room=room, body=f"{name} {k}", client_id=f"{name}-{k}"))
        except Exception as e:  # pragma: no cover
            errors.append(repr(e))

    threads = [threading.Thread(target=run, args=(sc, p.username)) for sc, p in zip(sockets, people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert [a.get("error") for a in acks if not a.get("ok")] == []
    assert sorted(a["seq"] for a in acks) == list(range(1, 91))
    assert len(stored(room)) == 90
