"""The REST API (/api/v1): personal access tokens, JSON error objects, cursor pagination, rate
limits, and an OpenAPI 3.1 document generated from the schemas the endpoints validate with.

The core (this package) never imports a tool. Each tool adds its endpoints from its own
``<tool>/api.py`` with ``collab.api.endpoint``, calling its own services; ``collab.app`` imports
those modules before it registers ``bp``.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
pages = Blueprint("api_pages", __name__, template_folder="templates")

from .core import ApiError, endpoint, keyset_page  # noqa: E402,F401
from . import endpoints, views  # noqa: E402,F401
