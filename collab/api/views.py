"""Pages around the API: the OpenAPI document, its readable reference, and the person's tokens."""
from __future__ import annotations

import secrets

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab.extensions import db

from . import bp, openapi, pages, tokens
from .core import public
from .forms import TokenForm


@bp.route("/openapi.json")
@public
def openapi_document():
    response = jsonify(openapi.document())
    response.headers["Cache-Control"] = "no-cache"
    return response


# --------------------------------------------------------------------------- reference page


def _ref_name(schema: dict | None) -> str | None:
    ref = (schema or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else None


def _type_label(schema: dict) -> str:
    if "$ref" in schema:
        return _ref_name(schema)
    if "anyOf" in schema:
        return " | ".join(_type_label(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(repr(v).replace("'", '"') for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"]).replace("'", '"')
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_type_label(schema.get('items', {}))}"
    if kind == "string" and schema.get("format"):
        return f"string ({schema['format']})"
    return kind


def _limits(schema: dict) -> str:
    parts = []
    for key, label in (("minLength", "min length"), ("maxLength", "max length"), ("minimum", "min"),
                       ("maximum", "max")):
        if key in schema:
            parts.append(f"{label} {schema[key]}")
    if "default" in schema and schema["default"] is not None:
        parts.append(f"default {schema['default']!r}".replace("'", '"'))
    return ", ".join(parts)


def _fields(schema: dict) -> list[dict]:
    required = set(schema.get("required", []))
    return [{"name": name, "type": _type_label(prop), "required": name in required,
             "description": prop.get("description", ""), "limits": _limits(prop),
             "ref": _ref_name(prop) or _ref_name(prop.get("items")) or next(
                 (_ref_name(s) for s in prop.get("anyOf", []) if "$ref" in s), None)}
            for name, prop in schema.get("properties", {}).items()]


def _reference(doc: dict) -> dict:
    groups = {t["name"]: {"name": t["name"], "description": t["description"], "operations": []} for t in doc["tags"]}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
            ok = next((code for code in op["responses"] if code.startswith("2")), "200")
            out = op["responses"][ok].get("content", {}).get("application/json", {}).get("schema")
            groups[op["tags"][0]]["operations"].append({
                "id": op["operationId"], "method": method.upper(), "path": path, "summary": op["summary"],
                "scope": op["x-scope"],
                "parameters": [{"name": p["name"], "in": p["in"], "required": p["required"],
                                "type": _type_label(p["schema"]), "limits": _limits(p["schema"]),
                                "description": p.get("description", "")} for p in op["parameters"]],
                "body": _ref_name(body), "status": ok, "response": _ref_name(out),
                "errors": [code for code in op["responses"] if not code.startswith("2")],
            })
    schemas = [{"name": name, "fields": _fields(s), "description": s.get("description", "")}
               for name, s in sorted(doc["components"]["schemas"].items())]
    return {"groups": [g for g in groups.values() if g["operations"]], "schemas": schemas}


@pages.route("/api/v1/reference")
@login_required
def reference():
    doc = openapi.document()
    return render_template("api/reference.html", doc=doc, **_reference(doc))


# --------------------------------------------------------------------------- tokens


@pages.route("/settings/tokens", methods=["GET", "POST"])
@login_required
def token_settings():
    user = current_user._get_current_object()
    form = TokenForm()
    secret = created = None
    if request.method == "GET" or not form.client_token.data:
        form.client_token.data = secrets.token_urlsafe(16)
    if request.method == "POST" and form.validate_on_submit():
        try:
            created, secret = tokens.create(user, name=form.name.data, write=form.scope.data == "write",
                                            expires_in_days=form.expires.data, client_token=form.client_token.data)
        except tokens.TokenError as e:
            db.session.rollback()
            getattr(form, e.field or "name").errors.append(str(e.message))
        else:
            db.session.commit()
            if secret is None:
                flash(_("That token was already created; its secret was shown once. If you did not copy it, "
                        "revoke the token and create another."), "info")
                return redirect(url_for("api_pages.token_settings"))
            form = TokenForm(formdata=None)
            form.client_token.data = secrets.token_urlsafe(16)
    response = render_template("api/tokens.html", form=form, tokens=tokens.tokens_of(user), secret=secret,
                               created=created)
    return response, 200


@pages.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    token = tokens.revoke(current_user._get_current_object(), token_id)
    if token is None:
        from flask import abort

        abort(404)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("api_pages.token_settings"))
