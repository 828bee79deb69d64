"""Chat figures: live delivery through real sockets, and history loading in a very long room.

    .venv/bin/python bench/chat_bench.py delivery [--sockets 1000] [--rooms 50] [--rate 100]
                                                  [--seconds 30] [--servers 1|2] [--redis URL]
                                                  [--worker gevent|gthread]
    .venv/bin/python bench/chat_bench.py history [--messages 1000000] [--samples 300]

delivery: generates people and communities (bench/datagen.py) into a temporary instance, gives
each of --rooms public communities its chat room with every socket's person a member, starts
``collab serve --worker W`` (one process, or --servers 2 on the same database sharing rooms through Redis at
--redis, sockets split evenly), and connects --sockets python-socketio clients from --procs other
processes (asyncio AsyncClients, one event loop per process; --clients threads for the threaded
client), spread evenly over the rooms; sending starts once every socket has joined. One socket per room in turn sends, --rate messages per
second in all. Each message carries its send time; each receiving socket records the delay.
Prints the delivery latency median and p99 (send to receipt, every recipient), send->ack, messages delivered
per second, lost and duplicated deliveries (against the room's socket count), and each server
process's RSS and CPU.

history: fills one room with --messages messages (bulk insert, seq 1..N), then times loading the
last 50 (the room page's first screen: queries.before, keyset on (room_id, seq)) and a page deep
in the history, in process, --samples times each; prints median and p99.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

USER_AGENT = "collab-chat-bench/1"


def percentile(ordered: list[float], p: float) -> float:
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k]


# ---------------------------------------------------------------- data


def prepare(instance: Path, sockets: int, rooms: int) -> list[dict]:
    """People, communities, rooms and memberships; returns one entry per socket: cookie, room."""
    import datagen

    datagen.generate(argparse.Namespace(instance=str(instance), users=max(sockets + sockets // 20 + 50, 200),  # some are deactivated
                                        communities=max(rooms * 2, 60), seed=1, force=True))
    from flask import session
    from flask_login import login_user
    from sqlalchemy import select

    from collab.accounts.models import User
    from collab.app import create_app
    from collab.chat import services
    from collab.extensions import db
    from communities.models import MEMBER, PUBLIC, Community, Membership

    app = create_app()
    plan = []
    with app.app_context():
        people = db.session.scalars(select(User).where(User.is_deactivated.is_(False), User.is_admin.is_(False))
                                    .order_by(User.id).limit(sockets)).all()
        communities = db.session.scalars(select(Community).where(Community.access == PUBLIC,
                                                                 Community.is_archived.is_(False))
                                         .order_by(Community.id).limit(rooms)).all()
        if len(people) < sockets or len(communities) < rooms:
            sys.exit("not enough people or public communities generated")
        room_ids = []
        for c in communities:
            if not c.has_tool("chat"):
                c.tools = ",".join(sorted(c.enabled_tools | {"chat"}))
            room_ids.append((services.default_room(c).id, c.id))
        db.session.commit()
        members = set(db.session.execute(select(Membership.community_id, Membership.user_id)).all())
        for i, person in enumerate(people):
            room_id, community_id = room_ids[i % rooms]
            if (community_id, person.id) not in members:
                db.session.add(Membership(community_id=community_id, user_id=person.id, role=MEMBER))
            plan.append({"user_id": person.id, "room": room_id})
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        for entry in plan:
            with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                          headers={"User-Agent": USER_AGENT}):
                login_user(db.session.get(User, entry["user_id"]))
                entry["cookie"] = f"{app.config['SESSION_COOKIE_NAME']}={serializer.dumps(dict(session))}"
        db.session.remove()
        db.engine.dispose()
    return plan


# ---------------------------------------------------------------- client processes


def client_process(conn, urls: list[str], entries: list[dict], room_sizes: dict, rate: float) -> None:
    """Connect these sockets, join, send this process's share of the rate, record deliveries."""
    import socketio

    latencies: list[float] = []
    seen: dict[tuple[int, str], int] = {}
    lock = threading.Lock()
    clients = []
    errors = []
    refusals: dict[str, int] = {}

    def make(entry, url):
        c = socketio.Client(reconnection=False)

        def on_message(m, entry=entry):
            now = time.time()
            try:
                sent = float(m["body"].split(" ", 2)[1])
            except (KeyError, IndexError, ValueError):
                return
            with lock:
                key = (id(entry), m["client_id"])
                seen[key] = seen.get(key, 0) + 1
                latencies.append(now - sent)

        def on_error(e):
            with lock:
                refusals[e.get("error", "?")] = refusals.get(e.get("error", "?"), 0) + 1

        c.on("new_message", on_message, namespace="/chat")
        c.on("chat_error", on_error, namespace="/chat")
        c.connect(url, headers={"Cookie": entry["cookie"], "User-Agent": USER_AGENT}, namespaces=["/chat"],
                  transports=["websocket"], wait_timeout=30)
        ack = c.call("join", {"room": entry["room"]}, namespace="/chat", timeout=30)
        if not ack or not ack.get("ok"):
            raise RuntimeError(f"join failed: {ack}")
        return c

    for i, entry in enumerate(entries):
        try:
            clients.append((entry, make(entry, urls[i % len(urls)])))
        except Exception as e:  # noqa: BLE001 - counted and reported
            errors.append(repr(e))
    conn.send({"connected": len(clients), "errors": errors[:5]})
    quiet_collector()
    start_at, end_at = conn.recv()  # once every process has connected
    # One sender per room among this process's sockets, in turn.
    senders = {}
    for entry, c in clients:
        senders.setdefault(entry["room"], (entry, c))
    senders = list(senders.values())
    sent: list[tuple[int, str]] = []  # (room, client_id)
    failures = 0
    while time.time() < start_at:
        time.sleep(0.01)
    n = 0
    interval = 1.0 / rate if rate > 0 else None
    next_at = start_at
    while interval and time.time() < end_at and senders:
        entry, c = senders[n % len(senders)]
        client_id = f"{os.getpid()}-{n}"
        body = f"bench {time.time():.6f} message {n}"
        try:
            c.emit("send", {"room": entry["room"], "body": body, "client_id": client_id}, namespace="/chat")
            sent.append((entry["room"], client_id))
        except Exception:  # noqa: BLE001
            failures += 1
        n += 1
        next_at += interval
        delay = next_at - time.time()
        if delay > 0:
            time.sleep(delay)
    time.sleep(3)  # let the last deliveries arrive
    with lock:
        result = {
            "latencies": latencies, "sent": sent, "failures": failures, "refusals": refusals,
            "received": sum(seen.values()), "unique": len(seen),
            "duplicates": sum(v - 1 for v in seen.values() if v > 1),
        }
    conn.send(result)
    for _entry, c in clients:
        try:
            c.disconnect()
        except Exception:  # noqa: BLE001
            pass


def quiet_collector() -> None:
    """No garbage collection in a client process while it measures: a full collection of a
    process holding hundreds of sockets stops it for a few hundred milliseconds, and every message
    that arrives meanwhile would be counted late, as if the server had been slow. The run is short
    enough for the process to keep its garbage."""
    import gc

    gc.collect()
    gc.freeze()
    gc.disable()


def async_client_process(conn, urls: list[str], entries: list[dict], room_sizes: dict, rate: float) -> None:
    """The same as client_process with asyncio: python-socketio's AsyncClient over aiohttp, every
    socket of this process on one event loop (no thread per socket), the receive time taken first
    thing in the handler. Sends carry an ack callback, so the send -> ack time is measured too."""
    import asyncio

    import socketio

    latencies: list[float] = []
    acks: list[float] = []
    acked_at: list[tuple[float, float]] = []  # (sent at, send -> ack), for the timeline
    seen: dict[tuple[int, str], int] = {}
    errors: list[str] = []
    refusals: dict[str, int] = {}

    async def make(i, entry, url, gate):
        c = socketio.AsyncClient(reconnection=False)

        def on_message(m, i=i):
            now = time.time()
            try:
                sent = float(m["body"].split(" ", 2)[1])
            except (KeyError, IndexError, ValueError, TypeError):
                return
            key = (i, m["client_id"])
            seen[key] = seen.get(key, 0) + 1
            latencies.append(now - sent)

        def on_error(e):
            code = e.get("error", "?") if isinstance(e, dict) else "?"
            refusals[code] = refusals.get(code, 0) + 1

        c.on("new_message", on_message, namespace="/chat")
        c.on("chat_error", on_error, namespace="/chat")
        async with gate:  # a few handshakes at a time: the server's accept queue stays short
            await c.connect(url, headers={"Cookie": entry["cookie"], "User-Agent": USER_AGENT},
                            namespaces=["/chat"], transports=["websocket"], wait_timeout=60)
            ack = await c.call("join", {"room": entry["room"]}, namespace="/chat", timeout=60)
        if not ack or not ack.get("ok"):
            raise RuntimeError(f"join failed: {ack}")
        return c

    async def main():
        gate = asyncio.Semaphore(20)
        made = await asyncio.gather(*(make(i, e, urls[i % len(urls)], gate) for i, e in enumerate(entries)),
                                    return_exceptions=True)
        clients = []
        for entry, c in zip(entries, made, strict=True):
            if isinstance(c, BaseException):
                errors.append(repr(c))
            else:
                clients.append((entry, c))
        conn.send({"connected": len(clients), "errors": errors[:5]})
        quiet_collector()
        start_at, end_at = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        senders = {}
        for entry, c in clients:
            senders.setdefault(entry["room"], (entry, c))
        senders = list(senders.values())
        sent: list[tuple[int, str]] = []
        failures = 0
        await asyncio.sleep(max(0.0, start_at - time.time()))
        n = 0
        interval = 1.0 / rate if rate > 0 else None
        next_at = start_at
        while interval and time.time() < end_at and senders:
            entry, c = senders[n % len(senders)]
            client_id = f"{os.getpid()}-{n}"
            t = time.time()
            body = f"bench {t:.6f} message {n}"

            def acked(*_a, t=t):
                acks.append(time.time() - t)
                acked_at.append((t, acks[-1]))

            try:
                await c.emit("send", {"room": entry["room"], "body": body, "client_id": client_id},
                             namespace="/chat", callback=acked)
                sent.append((entry["room"], client_id))
            except Exception:  # noqa: BLE001 - counted
                failures += 1
            n += 1
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.time()))
        await asyncio.sleep(3)  # the last deliveries
        conn.send({"latencies": latencies, "acks": acks, "acked_at": acked_at, "sent": sent, "failures": failures,
                   "refusals": refusals, "received": sum(seen.values()), "unique": len(seen),
                   "duplicates": sum(v - 1 for v in seen.values() if v > 1)})
        await asyncio.gather(*(c.disconnect() for _e, c in clients), return_exceptions=True)

    asyncio.run(main())


# ---------------------------------------------------------------- delivery


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_delivery(args) -> int:
    from load import Server, speed_probe

    work = Path(tempfile.mkdtemp(prefix="collab-chat-bench-"))
    servers = []
    try:
        instance = work / "instance"
        # No indexer (nor mail) thread in this process: the servers run theirs.
        os.environ.update(COLLAB_SEARCH_INDEXER="external", COLLAB_MAIL_SENDER="manual")
        t0 = time.perf_counter()
        plan = prepare(instance, args.sockets, args.rooms)
        print(f"data ready in {time.perf_counter() - t0:.0f} s: {len(plan)} sockets over {args.rooms} rooms")
        os.environ.update(COLLAB_INSTANCE_PATH=str(instance), COLLAB_CHAT_RATE_LIMIT="100000 per 1 second",
                          COLLAB_SEARCH_INDEXER="external",
                          COLLAB_THREADS=str(args.sockets // args.servers + 200), COLLAB_WORKER=args.worker)
        if args.servers > 1:
            if not args.redis:
                sys.exit("--servers 2 needs --redis URL")
            os.environ["SOCKETIO_MESSAGE_QUEUE"] = args.redis
            os.environ["COLLAB_SOCKETIO_CHANNEL"] = f"collab-chat-bench-{os.getpid()}"
        for i in range(args.servers):
            port = _free_port()
            server = Server(instance, port, work / f"server{i}.log")
            servers.append(server)
            server.wait_healthy()
        urls = [f"http://127.0.0.1:{s.port}" for s in servers]
        room_sizes: dict[int, int] = {}
        for e in plan:
            room_sizes[e["room"]] = room_sizes.get(e["room"], 0) + 1
        procs, pipes = [], []
        shares = [plan[i::args.procs] for i in range(args.procs)]
        for share in shares:
            parent, child = mp.Pipe()
            target = async_client_process if args.clients == "async" else client_process
            p = mp.Process(target=target, args=(child, urls, share, room_sizes, args.rate / args.procs))
            p.start()
            procs.append(p)
            pipes.append(parent)
        connected = 0
        for pipe in pipes:
            info = pipe.recv()
            connected += info["connected"]
            if info["errors"]:
                print("connect errors:", info["errors"])
        print(f"{connected} sockets connected and joined; sending for {args.seconds} s; "
              f"speed probe {speed_probe():.1f} ms (lower is faster, see bench/load.py)")
        start_at = time.time() + 2
        end_at = start_at + args.seconds
        for pipe in pipes:
            pipe.send((start_at, end_at))
        cpu0 = [s.worker_cpu() for s in servers]
        while time.time() < start_at:
            time.sleep(0.05)
        # While the clients send, a small probe every half second tells how fast the machine was
        # then (see bench/load.py speed_probe); the timeline prints it beside each interval.
        probes: list[tuple[float, float]] = []
        while not all(pipe.poll() for pipe in pipes):
            t = time.perf_counter()
            sum(range(300_000))
            probes.append((time.time(), (time.perf_counter() - t) * 10_000))  # scaled to the full probe
            time.sleep(0.5)
        results = [pipe.recv() for pipe in pipes]
        probe_after = speed_probe()
        cpu1 = [s.worker_cpu() for s in servers]
        mem = [s.memory() for s in servers]
        for p in procs:
            p.join(30)
        latencies = sorted(x for r in results for x in r["latencies"])
        sent = [s for r in results for s in r["sent"]]
        expected = sum(room_sizes[room] for room, _cid in sent)
        received = sum(r["unique"] for r in results)
        dups = sum(r["duplicates"] for r in results)
        print(f"\nchat delivery: {args.servers} server process(es) ({args.worker} worker), {connected} sockets, {args.rooms} rooms, "
              f"{len(sent) / args.seconds:.1f} messages/s sent for {args.seconds} s")
        print(f"  latency  median {percentile(latencies, 50) * 1000:.1f} ms   p99 {percentile(latencies, 99) * 1000:.1f} ms"
              f"   max {latencies[-1] * 1000 if latencies else float('nan'):.1f} ms")
        acks = sorted(x for r in results for x in r.get("acks", ()))
        if acks:
            print(f"  send->ack median {percentile(acks, 50) * 1000:.1f} ms   p99 {percentile(acks, 99) * 1000:.1f} ms "
                  f"({len(acks)} acks)")
        timeline = sorted(x for r in results for x in r.get("acked_at", ()))
        if timeline and args.timeline:
            print(f"  send->ack by {args.timeline:g} s of sending (messages, median, p99, max in ms; "
                  f"the machine's speed probe then, ms):")
            buckets: dict[int, list[float]] = {}
            for at, took in timeline:
                buckets.setdefault(int((at - start_at) // args.timeline), []).append(took)
            probed: dict[int, list[float]] = {}
            for at, ms in probes:
                probed.setdefault(int((at - start_at) // args.timeline), []).append(ms)
            for b, took in sorted(buckets.items()):
                took.sort()
                speed = sorted(probed.get(b, [float("nan")]))
                print(f"    {b * args.timeline:5.0f} s  {len(took):5d}  {percentile(took, 50) * 1000:8.1f}"
                      f"  {percentile(took, 99) * 1000:8.1f}  {took[-1] * 1000:8.1f}   probe {speed[len(speed) // 2]:5.0f}")
        print(f"  speed probe after the run {probe_after:.1f} ms")
        print(f"  delivered {received} of {expected} expected ({received / args.seconds:.0f}/s), "
              f"lost {expected - received}, duplicated {dups}, send failures {sum(r['failures'] for r in results)}")
        refused: dict[str, int] = {}
        for r in results:
            for k, v in r["refusals"].items():
                refused[k] = refused.get(k, 0) + v
        if refused:
            print(f"  refused by the server: {refused}")
        for i, s in enumerate(servers):
            print(f"  server {i}: worker RSS {mem[i]['worker']:.0f} MiB (peak {mem[i]['worker_peak']:.0f}), "
                  f"CPU {(cpu1[i] - cpu0[i]) / (args.seconds + 3) * 100:.0f} % of one core")
        return 0
    finally:
        for s in servers:
            s.stop(now=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------- history


def run_history(args) -> int:
    work = Path(tempfile.mkdtemp(prefix="collab-chat-history-"))
    try:
        os.environ["COLLAB_INSTANCE_PATH"] = str(work / "instance")
        os.environ["COLLAB_SEARCH_INDEXER"] = "manual"
        from flask_migrate import upgrade
        from sqlalchemy import insert

        from collab.accounts.services import create_user
        from collab.app import create_app
        from collab.chat import queries, services
        from collab.chat.models import ChatMessage, ChatRoom
        from collab.db import utcnow
        from collab.extensions import db
        from communities.services import create_community

        app = create_app()
        with app.app_context():
            upgrade()
            owner = create_user("owner", "owner@example.com", "bench-password-1", display_name="Owner")
            c = create_community(owner, name="Long Room")
            db.session.commit()
            room = services.default_room(c)
            db.session.commit()
            room_id, uid = room.id, owner.id
            t0 = time.perf_counter()
            now = utcnow()
            rng = random.Random(1)
            words = "deploy release database cache 部署 发布 数据库 review merge ticket".split()
            chunk = 20_000
            for start in range(1, args.messages + 1, chunk):
                rows = []
                for seq in range(start, min(start + chunk, args.messages + 1)):
                    body = " ".join(rng.choice(words) for _ in range(8))
                    rows.append({"room_id": room_id, "seq": seq, "sender_id": uid, "client_id": f"g{seq}",
                                 "reply_count": 0, "body": body, "body_html": f"<p>{body}</p>",
                                 "created_at": now, "is_deleted": False})
                db.session.execute(insert(ChatMessage), rows)
                db.session.commit()
            db.session.execute(db.update(ChatRoom).where(ChatRoom.id == room_id).values(last_seq=args.messages))
            db.session.commit()
            print(f"{args.messages} messages inserted in {time.perf_counter() - t0:.0f} s "
                  f"({db.engine.dialect.name})")

        def timed(fn):
            out = []
            for _ in range(args.samples):
                with app.test_request_context("/"):
                    r = db.session.get(ChatRoom, room_id)
                    t = time.perf_counter()
                    fn(r)
                    out.append(time.perf_counter() - t)
                    db.session.remove()
            return sorted(out)

        def last50(r):
            messages, _ = queries.before(r)
            services.dicts(messages)

        def deep(r):
            messages, _ = queries.before(r, rng.randint(100, args.messages))
            services.dicts(messages)

        for label, fn in (("last 50 (room page, join)", last50), ("50 at a random depth (history)", deep)):
            t = timed(fn)
            print(f"  {label}: median {percentile(t, 50) * 1000:.2f} ms   p99 {percentile(t, 99) * 1000:.2f} ms")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    d = sub.add_parser("delivery")
    d.add_argument("--sockets", type=int, default=1000)
    d.add_argument("--rooms", type=int, default=50)
    d.add_argument("--rate", type=float, default=100.0, help="messages per second, all rooms together")
    d.add_argument("--seconds", type=int, default=30)
    d.add_argument("--servers", type=int, default=1, choices=(1, 2))
    d.add_argument("--redis", default=os.environ.get("REDIS_URL"))
    d.add_argument("--worker", choices=("gevent", "gthread"), default=os.environ.get("COLLAB_WORKER", "gevent"),
                   help="the server's gunicorn worker (collab serve --worker)")
    d.add_argument("--procs", type=int, default=4, help="client processes")
    d.add_argument("--clients", choices=("async", "threads"), default="async",
                   help="asyncio clients (AsyncClient over aiohttp, one event loop per process) or "
                        "threaded python-socketio clients (a few threads per socket)")
    d.add_argument("--keep", action="store_true", help="keep the temporary instance")
    d.add_argument("--timeline", type=float, default=0, metavar="SECONDS",
                   help="also print send->ack per this many seconds of sending (finds stalls)")
    h = sub.add_parser("history")
    h.add_argument("--messages", type=int, default=1_000_000)
    h.add_argument("--samples", type=int, default=300)
    h.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    return run_delivery(args) if args.what == "delivery" else run_history(args)


if __name__ == "__main__":
    raise SystemExit(main())
