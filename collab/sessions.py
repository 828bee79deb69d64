"""Flask's signed-cookie session and Flask-WTF's form token, without redoing the same cryptography
on every request.

A person's session cookie stays the same from one request to the next, yet Flask verifies its
HMAC and decodes its payload on every request, and Flask-WTF signs the same raw form token again
for every page with a form: together about a tenth of a signed-in page's time. Here a cookie value
that this process has already verified is answered from memory (with the same expiry check), and
a raw form token that was already signed reuses its signed form (tokens have no time limit here:
``WTF_CSRF_TIME_LIMIT`` is None, they live as long as the session).

Nothing changes in what is accepted: only cookie values that passed the full check are
remembered, under the secret key that checked them, and each request gets its own copy of the
session data.

Flask-WTF also reads wtforms' catalogue of validation messages from disk again for every request
that builds a form; here each language's catalogue is read once per process (``FormRequest``).
"""
from __future__ import annotations

import copy
import time
from functools import cached_property, lru_cache

from babel import support
from flask import Flask, Request, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale
from itsdangerous import BadSignature, URLSafeTimedSerializer

_SCALARS = (str, int, float, bool, type(None))
MAX_REMEMBERED = 4096


def _own_copy(data: dict) -> dict:
    return {k: v if type(v) in _SCALARS else copy.deepcopy(v) for k, v in data.items()}


class RememberingSessionInterface(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` that verifies and decodes each cookie value once per process."""

    def __init__(self) -> None:
        self._serializer = None
        self._serializer_key = None
        self._seen: dict[tuple[str, str], tuple[dict, float]] = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._serializer is None or self._serializer_key != key:
            self._serializer = super().get_signing_serializer(app)
            self._serializer_key = key
        return self._serializer

    def open_session(self, app: Flask, request):
        s = self.get_signing_serializer(app)
        if s is None:
            return None
        val = request.cookies.get(self.get_cookie_name(app))
        if not val:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, val)
        hit = self._seen.get(key)
        if hit is not None and time.time() - hit[1] <= max_age:
            return self.session_class(_own_copy(hit[0]))
        try:
            data, signed_at = s.loads(val, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if len(self._seen) >= MAX_REMEMBERED:
            self._seen.clear()
        self._seen[key] = (data, signed_at.timestamp())
        return self.session_class(_own_copy(data))


@lru_cache(maxsize=32)
def _wtforms_catalogue(locale: str):
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class FormRequest(Request):
    """Flask's request, with wtforms' messages in the request's language at hand: Flask-WTF
    takes them from this attribute when it is set, and otherwise loads them from disk."""

    @cached_property
    def wtforms_translations(self):
        return _wtforms_catalogue(str(get_locale()))


def init_sessions(app: Flask) -> None:
    app.request_class = FormRequest
    app.session_interface = RememberingSessionInterface()
    if app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return  # time-limited form tokens carry a fresh timestamp: sign each one
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    signed: dict[tuple[str, str], str] = {}

    def secret() -> str:
        return app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key

    @app.before_request
    def _signed_form_token():
        if request.endpoint == "static":
            return
        raw = session.get(field)
        if raw:
            token = signed.get((secret(), raw))
            if token is not None:
                setattr(g, field, token)  # Flask-WTF's generate_csrf() answers from g

    @app.after_request
    def _remember_form_token(response):
        token = g.get(field)
        raw = session.get(field) if token else None
        key = (secret(), raw)
        if raw and isinstance(token, str) and key not in signed and _signs(key, token):
            if len(signed) >= MAX_REMEMBERED:
                signed.clear()
            signed[key] = token
        return response


def _signs(key: tuple[str, str], token: str) -> bool:
    """Whether ``token`` is the raw token ``key[1]`` signed with ``key[0]`` (the session may have
    been renewed after the token was made: sign-in, sign-out)."""
    try:
        return URLSafeTimedSerializer(key[0], salt="wtf-csrf-token").loads(token) == key[1]
    except BadSignature:
        return False
