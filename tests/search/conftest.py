from __future__ import annotations

import pytest

from collab.search import flush


@pytest.fixture
def index_now(app):
    """Run the indexer over everything queued (tests use SEARCH_INDEXER=manual)."""

    def run():
        with app.app_context():
            return flush(app)

    return run


@pytest.fixture
def find(client_for):
    """find(user, query, **params) -> (titles in result order, response text)."""
    import re

    def do(user, q, client=None, **params):
        c = client or client_for(user)
        r = c.get("/search", query_string={"q": q, **params})
        assert r.status_code == 200, r.status_code
        body = r.get_data(as_text=True)
        titles = [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<h3 class="result-title"><a href="[^"]*">(.*?)</a></h3>', body)]
        return titles, body

    return do


@pytest.fixture
def app_on_same_instance(app, backend):
    """Another app object on the same instance folder and database as ``app`` (as a second
    server process or `collab indexer` would be): ``app_on_same_instance(**config)``."""
    from pathlib import Path

    from collab.app import create_app
    from collab.config import TestConfig
    from tests.conftest import PG_URL, close_app

    made = []

    def factory(**overrides):
        config = TestConfig(Path(app.instance_path), PG_URL if backend == "postgresql" else None)
        for key, value in overrides.items():
            setattr(config, key, value)
        other = create_app(config)
        made.append(other)
        return other

    yield factory
    for other in made:
        close_app(other)


def expected_ids(app) -> set[str]:
    """The ids of every document the database says should be in the index."""
    from collab.extensions import db
    from collab.search import registry

    ids = set()
    with app.app_context(), app.test_request_context("/"):
        for st in registry.types().values():
            for obj in st.load_all():
                if st.to_document(obj) is not None:
                    ids.add(registry.doc_id(st.name, db.inspect(obj).identity[0]))
        db.session.rollback()
    return ids


def index_ids(app) -> list[str]:
    """The ids of every live document in the index (a list: duplicates would show)."""
    return app.extensions["collab_search"].doc_ids()


def backlog(app) -> int:
    from collab.search.indexer import backlog as count

    with app.app_context():
        return count()


@pytest.fixture
def handbook(app, make_user, make_community, index_now, client_for):
    owner = make_user("owner")
    make_community(owner, name="Quokka Handbook", description="All about quokkas.")
    reader = make_user("reader")
    index_now()
    return reader
