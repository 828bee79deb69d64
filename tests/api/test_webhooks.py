"""Outgoing webhooks: owners configure them on the community's pages; deliveries are queued with
the activity event, signed, sent by the background sender (never the request), retried with
back-off, logged; private targets are refused unless the admin allows them. Receivers here are
HTTP servers on the loopback address (which is why the tests allow private targets)."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from collab.extensions import db
from tests.forums.conftest import forums  # noqa: F401  (the forums helper fixture)
from tests.helpers import text


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []  # answers to give, in order; then 200
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the sender gave up waiting (a timeout test)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def allow_private(app):
    from collab.settings import set_setting

    def set_to(value="allow"):
        with app.app_context():
            set_setting("webhooks_private_targets", value)
            db.session.commit()

    set_to("allow")
    return set_to


@pytest.fixture
def deliver(app):
    from collab.webhooks.sender import deliver_due

    def run():
        with app.app_context():
            return deliver_due()

    return run


def _deliveries(app):
    from collab.webhooks.models import WebhookDelivery

    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        db.session.expunge_all()
        return rows


def _add_hook(client, slug, url, events=("created", "replied", "published")):
    return client.post(f"/c/{slug}/webhooks/", data={"url": url, "events": list(events), "active": "y"})


def _hook_secret(app):
    from collab.webhooks.models import Webhook

    with app.app_context():
        hook = db.session.scalar(select(Webhook))
        return hook.id, hook.secret


def test_owner_configures_a_hook_and_deliveries_are_signed(app, make_user, make_community, client_for, api_as,
                                                         receiver, allow_private, deliver):
    owner, member = make_user("owner"), make_user("member")
    c = make_community(owner, name="Ops", members=[member])
    owner_page = client_for(owner)
    r = _add_hook(owner_page, c.slug, receiver.url)
    assert r.status_code == 302
    hook_id, secret = _hook_secret(app)
    assert secret in text(owner_page.get(r.headers["Location"]))
    # A member's wiki page (through the API) becomes a delivery, queued with the event, sent by the worker.
    page = api_as(member).post(f"/communities/{c.slug}/wiki/pages", json={"title": "Runbook"}).json
    assert receiver.requests == []  # nothing was sent on the request path
    assert deliver() == 1
    [req] = receiver.requests
    assert req["path"] == "/hook" and req["headers"]["X-Collab-Event"] == "created"
    ts = req["headers"]["X-Collab-Timestamp"]
    expected = hmac.new(secret.encode(), ts.encode() + b"." + req["body"], hashlib.sha256).hexdigest()
    assert req["headers"]["X-Collab-Signature"] == f"sha256={expected}"
    payload = json.loads(req["body"])
    assert payload["event"] == "created" and payload["community"]["slug"] == c.slug
    assert payload["object"]["type"] == "wiki_page" and payload["object"]["id"] == page["id"]
    assert payload["object"]["title"] == "Runbook" and payload["actor"]["username"] == "member"
    assert payload["object"]["url"].startswith("http://localhost/c/ops/wiki/")
    # The log on the hook's page: delivered, the response code, the duration.
    log = text(owner_page.get(f"/c/{c.slug}/webhooks/{hook_id}"))
    assert "Delivered" in log and "<td>200" in log and " ms" in log
    # Events the hook did not ask for are not sent.
    api_as(member).patch(f"/communities/{c.slug}/wiki/pages/{page['id']}", json={"body": "x", "base_revision": 1})
    assert deliver() == 0
    # The test-delivery button.
    owner_page.post(f"/c/{c.slug}/webhooks/{hook_id}/test")
    assert deliver() == 1 and receiver.requests[-1]["headers"]["X-Collab-Event"] == "ping"


def test_only_owners_manage_hooks_and_restricted_content_goes_to_its_own_hooks(
        app, make_user, make_community, client_for, api_as, receiver, allow_private, deliver):
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    open_c = make_community(owner, name="Open", members=[member])
    secret_c = make_community(owner, name="Secret", access="restricted", members=[member])
    assert client_for(member).get(f"/c/{open_c.slug}/webhooks/").status_code == 403
    assert _add_hook(client_for(member), open_c.slug, receiver.url).status_code == 403
    assert client_for(outsider).get(f"/c/{secret_c.slug}/webhooks/").status_code == 404
    assert _add_hook(client_for(owner), open_c.slug, receiver.url).status_code == 302
    api_as(member).post(f"/communities/{secret_c.slug}/wiki/pages", json={"title": "Hidden plans"})
    assert deliver() == 0 and receiver.requests == []
    api_as(member).post(f"/communities/{open_c.slug}/wiki/pages", json={"title": "Public notes"})
    assert deliver() == 1 and json.loads(receiver.requests[0]["body"])["object"]["title"] == "Public notes"


def test_private_targets_are_refused_unless_the_admin_allows_them(app, make_user, make_community, client_for,
                                                                 admin_user, receiver, api_as, deliver):
    from collab.webhooks import services

    owner = make_user("owner")
    c = make_community(owner, name="Ops")
    page = client_for(owner)
    for url in (receiver.url, "http://10.0.0.8/x", "http://169.254.169.254/latest", "http://[::1]:9/x",
                "http://localhost/x"):
        r = _add_hook(page, c.slug, url)
        assert r.status_code == 200 and "refused unless a site administrator" in text(r), url
        assert f'value="{url}"' in text(r)  # what was typed stays in the form
    for bad in ("ftp://example.com/x", "http://[::1/x", "http://[zz]/"):  # the last two failed in the URL parser
        assert "Use an http:// or https:// address." in text(_add_hook(page, c.slug, bad)), bad
    assert services.forbidden_address("::ffff:127.0.0.1") and services.forbidden_address("100.64.0.1")
    assert services.forbidden_address("fe80::1%eth0") and not services.forbidden_address("93.184.216.34")
    # IPv6 forms that carry an IPv4 address (NAT64, 6to4, the old compatible form) reach that address.
    for carried in ("64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "2002:a00:8::1", "::7f00:1"):
        assert services.forbidden_address(carried), carried
    assert not services.forbidden_address("64:ff9b::5db8:d822") and not services.forbidden_address("2002:5db8:d822::1")
    # The admin allows internal targets on the site settings page.
    admin = client_for(admin_user)
    r = admin.post("/admin/settings", data={"registration_mode": "open", "community_creation": "all",
                                            "default_locale": "en", "webhooks_private_targets": "allow"})
    assert r.status_code == 302
    assert _add_hook(page, c.slug, receiver.url).status_code == 302
    # Refused again later: deliveries to the now-forbidden address are not sent (no connection made).
    admin.post("/admin/settings", data={"registration_mode": "open", "community_creation": "all",
                                        "default_locale": "en", "webhooks_private_targets": "refuse"})
    with app.app_context():
        app.extensions["collab_site_settings"]["values"] = None
    api_as(owner).post(f"/communities/{c.slug}/wiki/pages", json={"title": "Anything"})
    deliver()
    [d] = _deliveries(app)
    assert receiver.requests == [] and d.status == "pending" and "refused" in d.error and d.response_code is None


@pytest.mark.app_config(WEBHOOK_RETRY_BASE=60, WEBHOOK_MAX_ATTEMPTS=3)
def test_failures_are_retried_with_back_off_then_given_up(app, make_user, make_community, client_for, api_as,
                                                        receiver, allow_private, deliver):
    from collab.db import utcnow
    from collab.webhooks.models import WebhookDelivery

    owner = make_user("owner")
    c = make_community(owner, name="Ops")
    _add_hook(client_for(owner), c.slug, receiver.url)
    receiver.statuses = [500, 503, 500]
    api_as(owner).post(f"/communities/{c.slug}/wiki/pages", json={"title": "Flaky"})
    delays = []
    for attempt in range(1, 4):
        before = utcnow()
        assert deliver() == 1
        assert deliver() == 0  # not due again yet: backing off
        [d] = _deliveries(app)
        assert d.attempts == attempt and d.response_code in (500, 503)
        if attempt < 3:
            assert d.status == "pending"
            delays.append((d.next_attempt_at - before).total_seconds())
            with app.app_context():  # let time pass
                db.session.get(WebhookDelivery, d.id).next_attempt_at = utcnow()
                db.session.commit()
        else:
            assert d.status == "failed" and d.next_attempt_at is None
    assert 55 <= delays[0] <= 65 and 235 <= delays[1] <= 245  # 60 s, then 4 x 60 s
    assert len(receiver.requests) == 3
    assert "Failed" in text(client_for(owner).get(f"/c/{c.slug}/webhooks/{_hook_secret(app)[0]}"))


def test_two_senders_never_send_one_delivery_twice(app, make_user, make_community, client_for, api_as,
                                                   receiver, allow_private):
    from collab.webhooks.sender import deliver_due

    owner = make_user("owner")
    c = make_community(owner, name="Ops")
    _add_hook(client_for(owner), c.slug, receiver.url)
    api = api_as(owner)
    for i in range(8):
        api.post(f"/communities/{c.slug}/wiki/pages", json={"title": f"Page {i}"})
    receiver.delay = 0.02
    counts = []

    def sender():
        with app.app_context():
            counts.append(deliver_due(limit=2))
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(counts) == 8
    ids = sorted(r["headers"]["X-Collab-Delivery"] for r in receiver.requests)
    assert len(ids) == 8 and len(set(ids)) == 8


@pytest.mark.app_config(WEBHOOK_SENDER="thread", WEBHOOK_TIMEOUT=0.5, WEBHOOK_RETRY_BASE=3600)
def test_slow_targets_do_not_slow_requests(app, make_user, make_community, client_for, api_as, receiver,
                                           allow_private):
    owner = make_user("owner")
    c = make_community(owner, name="Ops")
    _add_hook(client_for(owner), c.slug, receiver.url)
    receiver.delay = 2.0  # longer than the timeout
    api = api_as(owner)
    try:
        started = time.monotonic()
        for i in range(3):
            assert api.post(f"/communities/{c.slug}/wiki/pages", json={"title": f"Slow {i}"}).status_code == 201
        assert time.monotonic() - started < 1.5
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(d.attempts for d in _deliveries(app)):
            time.sleep(0.1)
        rows = _deliveries(app)
        assert len(rows) == 3 and all(d.attempts == 1 and d.status == "pending" for d in rows)
        assert all("timed out" in d.error or "Timeout" in d.error for d in rows), [d.error for d in rows]
    finally:
        app.extensions["collab_webhook_thread"].stop()


def test_a_restored_blog_post_does_not_tell_the_hooks_again(app, make_user, make_community, client_for,
                                                            receiver, allow_private, deliver):
    """Restoring a post (or showing a hidden one again) brings its lines back to the streams; the
    hooks heard of the post, its comments and its likes when they happened and are not told again
    (a chat channel fed by the hook would repeat every old comment)."""
    from tests.blogs.conftest import blog_url, post_id, write

    owner, member = make_user("owner"), make_user("member")
    c = make_community(owner, name="News", members=[member])
    assert _add_hook(client_for(owner), c.slug, receiver.url,
                     events=("published", "commented", "liked")).status_code == 302
    author, base = client_for(member), blog_url(c)
    pid = post_id(write(author, base, title="Launch day", body="We launch"))
    assert client_for(owner).post(base + f"{pid}/comments", data={"body": "Great"}).status_code == 302
    assert client_for(owner).post(base + f"{pid}/like").status_code == 302
    assert deliver() == 3
    assert author.post(base + f"{pid}/delete").status_code == 302
    assert author.post(base + f"{pid}/restore").status_code == 302
    assert "Great" in text(client_for(owner).get(base + str(pid)))
    assert deliver() == 0
    assert sorted(r["headers"]["X-Collab-Event"] for r in receiver.requests) == ["commented", "liked", "published"]


def test_a_forum_reply_shown_again_does_not_tell_the_hooks_again(app, make_user, make_community, client_for,
                                                                 receiver, allow_private, deliver, forums):  # noqa: F811
    """A moderator hides a reply and shows it again: its line comes back to the streams, and the
    hooks, told of the reply when it was posted, are not told again."""
    owner, member = make_user("owner"), make_user("member")
    c = make_community(owner, name="Support", members=[member])
    assert _add_hook(client_for(owner), c.slug, receiver.url, events=("created", "replied")).status_code == 302
    tid = forums.topic(forums.forum(c, owner), member, title="Printer on fire")
    rid = forums.reply(tid, owner, "Use the extinguisher")
    assert deliver() == 2
    mod = client_for(owner)
    for decision, reason in (("hide", "Off topic"), ("unhide", "")):
        r = mod.post("/moderation/resolve", data={"key": f"forum_post:{rid}", "decision": decision,
                                                  "reason": reason, "confirm": "1", "next": "/"})
        assert r.status_code == 302
    assert "Use the extinguisher" in text(client_for(member).get(f"/c/{c.slug}/forums/t/{tid}"))
    assert "Use the extinguisher" in text(client_for(member).get(f"/c/{c.slug}/"))  # its line is back
    assert deliver() == 0
    assert sorted(r["headers"]["X-Collab-Event"] for r in receiver.requests) == ["created", "replied"]
