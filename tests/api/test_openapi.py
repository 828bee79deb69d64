"""The OpenAPI document: served without a token, generated from the endpoints' own models (every
registered operation, every reference resolvable), and its readable reference page."""
from __future__ import annotations

import json
import re

from tests.helpers import text


def test_document_lists_every_endpoint_with_resolvable_schemas(client):
    from collab.api.core import OPERATIONS

    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.is_json
    doc = r.json
    assert doc["openapi"] == "3.1.0" and doc["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert len(ops) == len(OPERATIONS) >= 24
    for method, path in [("PATCH", "/api/v1/communities/{slug}/wiki/pages/{page_id}"),
                         ("POST", "/api/v1/communities/{slug}/chat/rooms/{room_id}/messages"),
                         ("GET", "/api/v1/search"), ("POST", "/api/v1/notifications/{notification_id}/read")]:
        assert (method, path) in ops
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(doc)))
    assert refs <= set(doc["components"]["schemas"])
    # The request schema is the model the endpoint validates with: same limits, same required fields.
    edit = doc["components"]["schemas"]["WikiPageEdit"]
    assert set(edit["required"]) == {"body", "base_revision"} and edit["additionalProperties"] is False
    from wiki.models import BODY_MAX

    assert edit["properties"]["body"]["maxLength"] == BODY_MAX
    patch = doc["paths"]["/api/v1/communities/{slug}/wiki/pages/{page_id}"]["patch"]
    assert "409" in patch["responses"] and patch["x-scope"] == "write"
    assert "X-RateLimit-Remaining" in patch["responses"]["200"]["headers"]


def test_reference_page_in_english_and_chinese(client, make_user, login):
    login(make_user())
    page = text(client.get("/api/v1/reference"))
    assert "API reference" in page and "Edit a wiki page" in page and 'id="schema-WikiPageEdit"' in page
    assert "/api/v1/communities/{slug}/wiki/pages/{page_id}" in page
    zh = text(client.get("/api/v1/reference", headers={"Accept-Language": "zh-CN"}))
    assert "API 参考" in zh and "快速上手" in zh
