"""The API's machinery: the endpoint decorator (routing, token scope, validation with pydantic,
serialisation, the OpenAPI registry), error objects, token authentication and cursors.

Tools add endpoints from their own ``<tool>/api.py``::

    @endpoint("/communities/<slug>/wiki/pages", methods=["POST"], body=PageCreate, response=PageOut,
              status=201, tag="Wiki", summary="Create a page")
    def create_page(user, slug, body):
        ...  # the tool's services, the same access checks as its pages

The view receives the token's owner (``user``), the path arguments, ``query`` (a validated
model, when ``query=`` is given) and ``body`` (likewise). It returns a model (or a dict the
response model validates), or ``(model, status)``; it raises ``ApiError`` or aborts for errors.
"""
from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, has_request_context, jsonify, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from collab.db import write_intent
from collab.extensions import db
from collab.ids import INT_MAX

from . import bp
from .schemas import Error

READ_METHODS = ("GET", "HEAD", "OPTIONS")


# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    def __init__(self, status: int, code: str, message, *, field: str | None = None, details: Any = None,
                 headers: dict | None = None):
        super().__init__(str(message))
        self.status, self.code, self.message = status, code, message
        self.field, self.details, self.headers = field, details, headers or {}


def not_found() -> ApiError:
    return ApiError(404, "not_found", _("There is nothing here, or you may not see it."))


def error_response(status: int, code: str, message, *, field: str | None = None, details: Any = None,
                   headers: dict | None = None):
    body = {"error": {"code": code, "message": str(message), "field": field, "details": details}}
    response = jsonify(body)
    response.status_code = status
    for k, v in (headers or {}).items():
        response.headers[k] = v
    response.headers["Cache-Control"] = "no-store"
    return response


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "invalid", 429: "rate_limited", 500: "server_error"}


def http_error_response(e: HTTPException | None, status: int):
    """An HTTP error (abort(404), a routing miss, a rate limit, an unexpected failure) as an error
    object: never an HTML page, never a stack trace."""
    messages = {
        400: _("The request could not be understood."),
        401: _("Authentication is required: send a personal access token as “Authorization: Bearer <token>”."),
        403: _("You do not have permission to do that."),
        404: _("There is nothing here, or you may not see it."),
        405: _("This method is not available at this address."),
        413: _("The request is larger than this site accepts."),
        429: _("Too many requests. Wait a little and try again (see the Retry-After header)."),
        500: _("Something went wrong on the server. The error was logged; try again in a moment."),
    }
    headers = {}
    if status == 405 and e is not None and getattr(e, "valid_methods", None):
        headers["Allow"] = ", ".join(e.valid_methods)
    return error_response(status, _HTTP_CODES.get(status, "error"), messages.get(status, _("The request failed.")),
                          headers=headers)


def is_api_request() -> bool:
    if not has_request_context():
        return False
    if request.blueprint is not None:
        return request.blueprint == bp.name
    return request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/")


@bp.errorhandler(ApiError)
def _api_error(e: ApiError):
    db.session.rollback()
    return error_response(e.status, e.code, e.message, field=e.field, details=e.details, headers=e.headers)


# --------------------------------------------------------------------------- authentication


class Anonymous(AnonymousUserMixin):
    pass


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_token():
    """The request's token row (verified once per request), or None."""
    if "_api_token" not in g:
        from . import tokens

        secret = _bearer()
        g._api_token = tokens.find(secret) if secret else None
    return g._api_token


def rate_key() -> str:
    """Rate limits count per usable token, and per address for everything else."""
    token = current_token()
    if token is not None and token.is_usable and token.user.is_active:
        return f"api-token:{token.id}"
    return f"api-addr:{request.remote_addr}"


@bp.before_request
def _authenticate():
    """Tokens, and only tokens, authenticate API requests. A session cookie a browser sends along
    is ignored (the request runs as anonymous), so a page on another site can never make a
    signed-in person's browser write through the API: CSRF does not arise, and needs no token."""
    g._login_user = Anonymous()  # flask-login's current_user: never the cookie's user here
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    secret = _bearer()
    if secret is None:
        raise ApiError(401, "unauthorized", _("Authentication is required: send a personal access token as "
                                              "“Authorization: Bearer <token>”."),
                       headers={"WWW-Authenticate": 'Bearer realm="collab"'})
    token = current_token()
    if token is None:
        raise ApiError(401, "invalid_token", _("This token is not valid."),
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if token.revoked_at is not None:
        raise ApiError(401, "token_revoked", _("This token was revoked."),
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if token.is_expired():
        raise ApiError(401, "token_expired", _("This token has expired."),
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    user = token.user
    if user is None or not user.is_active:
        raise ApiError(401, "invalid_token", _("This token is not valid."),
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    g._login_user = user
    g.api_user = user
    _note_use(token.id)
    return None


def _note_use(token_id: int) -> None:
    from collab.db import utcnow

    from . import tokens

    token = g._api_token
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < tokens.LAST_USED_GRANULARITY:
        return
    # A short write of its own: a reading request's transaction must not turn into a writer.
    db.session.commit()
    with write_intent():
        tokens.touch(token_id, now)
        db.session.commit()


PUBLIC_ENDPOINTS: set[str] = set()


def public(fn):
    """Mark a view of the API blueprint as needing no token (the OpenAPI document)."""
    PUBLIC_ENDPOINTS.add(f"{bp.name}.{fn.__name__}")
    return fn


# --------------------------------------------------------------------------- cursors


def encode_cursor(value: dict) -> str:
    raw = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *keys: str) -> dict | None:
    """The cursor's values (each an int), or ApiError 400 for anything else."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or set(data) != set(keys):
            raise ValueError
        for k in keys:
            if not isinstance(data[k], int) or isinstance(data[k], bool) or not 0 <= data[k] <= 2**53:
                raise ValueError
        return data
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", _("This cursor is not valid; start again without one."),
                       field="cursor") from None


def keyset_page(stmt, column, query, *, key: Callable[[Any], int] | None = None, descending: bool = True):
    """One page of ``stmt`` ordered by the unique integer ``column``, after the query's cursor.
    Returns (rows, next_cursor)."""
    after = decode_cursor(query.cursor, "after")
    if after is not None:
        stmt = stmt.where(column < after["after"] if descending else column > after["after"])
    stmt = stmt.order_by(column.desc() if descending else column.asc()).limit(query.limit + 1)
    rows = list(db.session.scalars(stmt))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    last = (key(rows[-1]) if key else rows[-1].id) if rows else None
    return rows, encode_cursor({"after": last}) if more and last is not None else None


# --------------------------------------------------------------------------- endpoints and registry


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    description: str
    tag: str
    scope: str
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: Any
    status: int
    errors: tuple[int, ...]
    path_params: dict[str, str] = field(default_factory=dict)  # name -> "int" | "slug"


OPERATIONS: list[Operation] = []
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _check_path_args(params: dict[str, str], kwargs: dict) -> None:
    for name, kind in params.items():
        value = kwargs.get(name)
        if kind == "int" and not (isinstance(value, int) and 1 <= value <= INT_MAX):
            raise ApiError(404, "not_found", _("There is nothing here, or you may not see it."))
        if kind == "slug" and not (isinstance(value, str) and SLUG_RE.match(value)):
            raise ApiError(404, "not_found", _("There is nothing here, or you may not see it."))


def _check_query_strings() -> None:
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            raise ApiError(400, "invalid", _("A parameter contains a NUL character."))


def _validation_error(e: ValidationError, where: str) -> ApiError:
    problems = [{"loc": [where, *[str(p) for p in err["loc"]]], "msg": err["msg"], "type": err["type"]}
                for err in e.errors(include_url=False, include_context=False, include_input=False)]
    first = problems[0]["loc"][1] if problems and len(problems[0]["loc"]) > 1 else None
    return ApiError(422, "invalid", _("Some fields are not valid: see details."), field=first, details=problems)


def _body(model: type[BaseModel]):
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", _("Send the body as JSON (Content-Type: application/json)."))
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", _("The body is not valid JSON.")) from None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise _validation_error(e, "body") from None


def _query(model: type[BaseModel]):
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as e:
        raise _validation_error(e, "query") from None


def _serialise(response_model, value):
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if response_model is None:
        return value
    from pydantic import TypeAdapter

    return TypeAdapter(response_model).dump_python(TypeAdapter(response_model).validate_python(value), mode="json")


def endpoint(rule: str, *, methods=("GET",), summary: str, tag: str, response=None, status: int = 200,
             query: type[BaseModel] | None = None, body: type[BaseModel] | None = None, description: str = "",
             errors: tuple[int, ...] = ()):
    """Register an API endpoint on the API blueprint and in the OpenAPI registry."""
    methods = tuple(m.upper() for m in methods)
    params = {name: ("int" if conv == "int" else "slug") for conv, name in _PARAM.findall(rule)}

    def decorator(fn):
        # Unique across tools: wiki.api.list_posts -> "wiki_list_posts"; the core's keep their names.
        parts = fn.__module__.split(".")
        name = fn.__name__ if fn.__module__.startswith("collab.api") else f"{parts[-2]}_{fn.__name__}"

        @functools.wraps(fn)
        def view(**kwargs):
            user = g.api_user
            writing = request.method not in READ_METHODS
            token = current_token()
            if writing and not token.allows("write"):
                raise ApiError(403, "insufficient_scope", _("This token may only read. Make a token with the "
                                                            "“write” scope to change anything."))
            _check_path_args(params, kwargs)
            _check_query_strings()
            if query is not None:
                kwargs["query"] = _query(query)
            elif request.args:
                raise ApiError(422, "invalid", _("This endpoint takes no query parameters."),
                               field=next(iter(request.args)))
            if body is not None:
                kwargs["body"] = _body(body)
            result = fn(user, **kwargs)
            code = status
            if isinstance(result, tuple):
                result, code = result
            if code == 204:
                return "", 204
            response_obj = jsonify(_serialise(response, result))
            response_obj.status_code = code
            response_obj.headers["Cache-Control"] = "no-store"
            return response_obj

        bp.add_url_rule(rule, endpoint=name, view_func=view, methods=list(methods))
        for method in methods:
            OPERATIONS.append(Operation(
                rule=rule, method=method.lower(), endpoint=name, summary=summary, description=description,
                tag=tag, scope="read" if method in READ_METHODS else "write", query=query, body=body,
                response=response, status=status, errors=tuple(errors), path_params=params))
        return view

    return decorator


def app_config(key: str, default=None):
    return current_app.config.get(key, default)


def _install_limits() -> None:
    """One budget per token (per address without a valid one) across the whole API, and a smaller
    one for writes; flask-limiter adds the X-RateLimit-* headers to every answer."""
    from collab.extensions import limiter

    limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "600 per minute"), key_func=rate_key,
                  scope="api", override_defaults=True)(bp)
    limiter.limit(lambda: current_app.config.get("API_WRITE_RATE_LIMIT", "120 per minute"), key_func=rate_key,
                  scope="api-write", methods=["POST", "PUT", "PATCH", "DELETE"])(bp)


_install_limits()
