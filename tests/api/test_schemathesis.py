"""Schemathesis against the OpenAPI document, authenticated with a write token, on a community
with content: every operation, positive and negative examples (a bounded number each), checked
for server errors and for answers that break the document (status codes, content types, headers,
response schemas) and for invalid data that is accepted. Runs on PostgreSQL when the suite has
one (it is the stricter backend: NUL characters, integer ranges), else on SQLite."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, negative_data_rejection, response_headers_conformance,
    response_schema_conformance, status_code_conformance,
)

from collab.extensions import db
from tests.conftest import PG_URL, _reset_postgres

# Examples per operation and mode: about 70 s on PostgreSQL for both modes on the CI machine.
EXAMPLES = {GenerationMode.POSITIVE: int(os.environ.get("COLLAB_SCHEMATHESIS_EXAMPLES", "20")),
            GenerationMode.NEGATIVE: int(os.environ.get("COLLAB_SCHEMATHESIS_NEGATIVE_EXAMPLES", "12"))}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]
KNOWN: dict = {}


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    from collab.app import create_app
    from collab.config import TestConfig

    config = TestConfig(tmp_path_factory.mktemp("schemathesis"), PG_URL)
    config.API_RATE_LIMIT = config.API_WRITE_RATE_LIMIT = "1000000 per minute"
    app = create_app(config)
    if PG_URL:
        _reset_postgres(app)
    with app.app_context():
        db.create_all()
    with app.test_request_context("/"):
        _seed(app)
    yield app
    app.extensions["collab_search"].close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _seed(app):
    from collab.accounts.services import create_user
    from collab.api import tokens
    from collab.chat import services as chat
    from communities.services import create_community, join
    from forums import services as forums
    from wiki import services as wiki

    create_user("siteadmin", "siteadmin@example.com", "correct-horse")
    owner = create_user("owner", "owner@example.com", "correct-horse")
    db.session.commit()
    c = create_community(owner, name="Fuzz", access_level="public")
    db.session.commit()
    page = wiki.create_page(c, owner, title="Home", body="hello")
    forum = forums.create_forum(c, owner, name="General")
    topic = forums.create_topic(forum, owner, title="First", body="first post")
    room = chat.default_room(c)
    _row, secret = tokens.create(owner, name="fuzz", write=True)
    other = create_user("other", "other@example.com", "correct-horse")
    join(c, other)
    forums.reply(topic, other, body="thanks @owner")  # a notification for the token's owner
    db.session.commit()
    KNOWN.update(slug=c.slug, page_id=page.id, forum_id=forum.id, topic_id=topic.id, room_id=room.id,
                 post_id=1, notification_id=1, secret=secret)  # the first blog post is made by the run


def _aim(app, case, params):
    """Point valid requests at real content (most of the time), not only at 404s."""
    if isinstance(params.get("slug"), str) and params["slug"].isascii() and params["slug"][:1].isalnum():
        params["slug"] = KNOWN["slug"]  # reach real content, not only 404s
    for name, value in params.items():
        if name in KNOWN and isinstance(value, int) and value % 3:
            params[name] = KNOWN[name]
    method, path = case.operation.method.upper(), case.operation.path
    if method == "DELETE" and params.get("post_id") == KNOWN["post_id"]:
        params["post_id"] = _fresh_post(app, blog="/blog/" in path)  # deleting never eats the shared content
    if method == "PATCH" and isinstance(case.body, dict) and params.get("post_id") == KNOWN["post_id"]:
        for stale_check in ("base_edited_at", "base_version"):
            if stale_check in case.body and len(str(case.body[stale_check])) % 3:
                del case.body[stale_check]  # edit without the stale-read check, most of the time
    if isinstance(case.body, dict) and isinstance(case.body.get("base_revision"), int) \
            and case.body["base_revision"] % 3 and "page_id" in params:
        with app.app_context():  # edit from the current revision, most of the time
            from wiki.models import WikiPage

            page = db.session.get(WikiPage, params["page_id"])
            case.body["base_revision"] = page.revision_number if page else 1


def _fresh_post(app, blog: bool) -> int:
    """A new blog post, or a new reply in the seeded topic, by the token's owner, for a DELETE to eat."""
    from collab.accounts.models import User
    from sqlalchemy import select

    with app.test_request_context("/", method="POST"):
        owner = db.session.scalar(select(User).where(User.username == "owner"))
        if blog:
            from blogs import services as blogs
            from communities.models import Community

            community = db.session.scalar(select(Community).where(Community.slug == KNOWN["slug"]))
            post = blogs.create_post(blogs.Blog(community=community), owner,
                                     blogs.PostInput(title="To delete", body="x", action="publish"))
        else:
            from forums import services as forums
            from forums.models import ForumTopic

            post = forums.reply(db.session.get(ForumTopic, KNOWN["topic_id"]), owner, body="to delete")
        db.session.commit()
        return post.id


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_openapi_document(api_app, mode):
    """Driven through schemathesis' Python API (its pytest loader does not run on pytest 9):
    each operation's strategy, EXAMPLES examples each, every check above."""
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 22
    covered = []
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def run(case):
            params = case.path_parameters or {}
            if mode == GenerationMode.POSITIVE:
                _aim(api_app, case, params)
            response = case.call_and_validate(headers={"Authorization": f"Bearer {KNOWN['secret']}"}, checks=CHECKS)
            statuses.add(response.status_code)

        statuses: set[int] = set()
        run()
        covered.append((operation.method.upper(), operation.path, sorted(statuses)))
    print("\n".join(f"{m} {p} -> {s}" for m, p, s in covered))
    if mode == GenerationMode.POSITIVE:  # the positive run reached real content on each operation
        assert [c for c in covered if not any(200 <= s < 300 for s in c[2])] == []
