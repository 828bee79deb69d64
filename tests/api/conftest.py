"""Fixtures for the REST API tests: tokens for people, and a client that sends them."""
from __future__ import annotations

import pytest

from collab.extensions import db


@pytest.fixture
def token_for(app):
    """token_for(user, write=True, **kw) -> the secret of a new personal access token."""
    from collab.accounts.models import User
    from collab.api import tokens

    def make(user, write: bool = True, name: str = "test", **kw):
        with app.app_context():
            _row, secret = tokens.create(db.session.get(User, user.id), name=name, write=write, **kw)
            db.session.commit()
            return secret

    return make


class Api:
    """The test client with a bearer token: api.get("/communities"), api.post(path, json=...)."""

    def __init__(self, client, secret: str | None):
        self.client, self.secret = client, secret

    def _headers(self, headers):
        h = dict(headers or {})
        if self.secret:
            h.setdefault("Authorization", f"Bearer {self.secret}")
        return h

    def __getattr__(self, method):
        def call(path, headers=None, **kw):
            url = path if path.startswith("/api/") else "/api/v1" + path
            return getattr(self.client, method)(url, headers=self._headers(headers), **kw)

        return call


@pytest.fixture
def api_as(app, token_for):
    """api_as(user, write=True) -> an Api client authenticated with a new token of ``user``."""

    def make(user, write: bool = True):
        return Api(app.test_client(), token_for(user, write=write) if user is not None else None)

    return make
