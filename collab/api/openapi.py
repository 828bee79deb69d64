"""The OpenAPI 3.1 document, generated from the endpoint registry and the pydantic models the
endpoints validate with (pydantic's JSON Schema is JSON Schema 2020-12, OpenAPI 3.1's dialect)."""
from __future__ import annotations

import copy
import json
import re

from flask import request
from pydantic.json_schema import models_json_schema

from .core import INT_MAX, OPERATIONS, SLUG_RE
from .schemas import Error

TAGS = [
    ("People", "The token's owner."),
    ("Communities", "Communities and their members."),
    ("Wiki", "Wiki pages: read, create, and edit from a base revision."),
    ("Blogs", "Community blog posts."),
    ("Forums", "Forums, topics and posts."),
    ("Chat", "Community chat rooms and their messages."),
    ("Search", "Full-text search over everything the token's owner may read."),
    ("Notifications", "The token owner's notifications."),
]

DESCRIPTION = """\
JSON over HTTPS for integrations. Every request carries a **personal access token** (made on
*Settings → API tokens*) as `Authorization: Bearer <token>`. A token acts as its owner and never
sees more than its owner may: a restricted community answers 404 to a token of a non-member, as
its pages do. A token with the `read` scope may only read; changes need the `write` scope.
Session cookies do not authenticate API requests.

**Errors** are objects: `{"error": {"code": "...", "message": "...", "field": ..., "details": ...}}`.

**Lists** are pages of `items`; pass `next_cursor` back as `?cursor=` for the next page
(`null` on the last page). `limit` sets the page size (at most 100).

**Rate limits** apply per token (per address without one); every answer carries
`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`, and a 429 answer `Retry-After`.
"""

ERROR_TEXT = {
    400: "The request is malformed (a bad cursor, a NUL character, a body that is not JSON).",
    401: "No token, or a wrong, revoked or expired one.",
    403: "The token's owner may not do this, or the token lacks the write scope.",
    404: "Not found, or not visible to the token's owner.",
    409: "A conflict with the current state (see the error's details).",
    415: "The body must be JSON.",
    422: "A field is not valid (see the error's details).",
    429: "Too many requests; retry after the Retry-After header's seconds.",
}
RATE_HEADERS = {
    "X-RateLimit-Limit": {"description": "Requests allowed in the current window.", "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "Requests left in the current window.", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "When the window resets (Unix time).", "schema": {"type": "integer"}},
}


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _path_param(name: str, kind: str) -> dict:
    if kind == "int":
        schema = {"type": "integer", "minimum": 1, "maximum": INT_MAX}
    else:
        schema = {"type": "string", "pattern": SLUG_RE.pattern, "maxLength": 64}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query_params(schema: dict) -> list[dict]:
    out = []
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        prop = copy.deepcopy(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        options = prop.get("anyOf")
        if options:  # "X or null": a query parameter is simply left out instead
            options = [o for o in options if o.get("type") != "null"]
            if len(options) == 1:
                prop.pop("anyOf")
                prop.update(options[0])
            if prop.get("default", 0) is None:
                prop.pop("default")
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        out.append(param)
    return out


def _strip_titles(node):
    if isinstance(node, dict):
        node.pop("title", None)
        for key, value in list(node.items()):
            if key == "properties" and isinstance(value, dict):
                for prop in value.values():
                    _strip_titles(prop)
            else:
                _strip_titles(value)
    elif isinstance(node, list):
        for item in node:
            _strip_titles(item)
    return node


def document(base_url: str | None = None) -> dict:
    models = [(Error, "serialization")]
    for op in OPERATIONS:
        if op.body is not None:
            models.append((op.body, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    unique = list(dict.fromkeys(models))
    refs, defs = models_json_schema(unique, ref_template="#/components/schemas/{model}")
    # Page[X] is "XPage" (pydantic's own key is "Page_X_"): rename the schemas and every $ref.
    text = re.sub(r"Page_(\w+?)_\b", r"\1Page", json.dumps([{repr(k): v for k, v in refs.items()}, defs]))
    named, defs = json.loads(text)
    refs = {k: named[repr(k)] for k in refs}
    schemas = _strip_titles(defs.get("$defs", {}))
    error_ref = refs[(Error, "serialization")]

    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        item = paths.setdefault(openapi_path(bp_prefix() + op.rule), {})
        parameters = [_path_param(n, k) for n, k in op.path_params.items()]
        if op.query is not None:
            parameters += _query_params(op.query.model_json_schema(mode="validation"))
        responses: dict[str, dict] = {}
        if op.status == 204:
            responses["204"] = {"description": "Done.", "headers": RATE_HEADERS}
        else:
            content = {"application/json": {"schema": refs[(op.response, "serialization")]}} if op.response else {}
            responses[str(op.status)] = {"description": "Success.", "headers": RATE_HEADERS, "content": content}
        codes = {400, 401, 403, 404, 422, 429} | set(op.errors)
        if op.body is not None:
            codes |= {415}
        for code in sorted(codes):
            responses[str(code)] = {"description": ERROR_TEXT.get(code, "Error."),
                                    "content": {"application/json": {"schema": error_ref}}}
        operation = {
            "operationId": op.endpoint, "summary": op.summary, "tags": [op.tag],
            "parameters": parameters, "responses": responses,
            "security": [{"token": []}],
            "x-scope": op.scope,
        }
        if op.description:
            operation["description"] = op.description
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": refs[(op.body, "validation")]}}}
        item[op.method] = operation
    schemas.setdefault("Error", _strip_titles(copy.deepcopy(defs.get("$defs", {}).get("Error", {}))))
    return {
        "openapi": "3.1.0",
        "info": {"title": "collab API", "version": "1.0", "description": DESCRIPTION},
        "servers": [{"url": base_url if base_url is not None else request.host_url.rstrip("/")}],
        "tags": [{"name": n, "description": d} for n, d in TAGS],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"token": {
                "type": "http", "scheme": "bearer",
                "description": "A personal access token (Settings → API tokens).",
            }},
        },
    }


def bp_prefix() -> str:
    from . import bp

    return bp.url_prefix
