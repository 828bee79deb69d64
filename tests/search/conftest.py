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
