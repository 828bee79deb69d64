"""Static files that browsers keep: every ``url_for('static', ...)`` carries the file's content
hash (``/static/css/collab.css?v=3f9c1a2b7d``), and a request that names the current hash is
answered with a year's ``Cache-Control: immutable``. A browser then loads the stylesheets and
scripts once per version instead of asking again on every page (about ten conditional requests
per page view before). A changed file gets a new hash, so the next page fetches it at once.

A request without the hash, or with an old one (a page rendered before an upgrade), gets the file
as it is now with ``no-cache``: the browser revalidates it (ETag) instead of keeping a stale copy.
Vendored libraries carry their version in their name (``socket.io-4.8.1.esm.min.js``) and are
imported by other modules by that name alone: they keep that one address (a second, hashed one
would make the browser load the module twice, with a Socket.IO connection per copy) and are kept
a year as well.

Hashes are read once per file and process; with template auto-reload on (development), a changed
modification time reads the file again. In production, restart the servers after changing files
under static/ (an upgrade does). Only files that exist are remembered: a request for any other
name costs a stat, not memory.
"""
from __future__ import annotations

import hashlib
import os
import re

from flask import Flask, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600
_VERSIONED_NAME = re.compile(r"^vendor/[^/]+-\d+\.\d+\.\d+[^/]*$")


class StaticHashes:
    def __init__(self, folder: str, watch: bool):
        self.folder = folder
        self.watch = watch
        self._known: dict[str, tuple[float, str | None]] = {}

    def of(self, filename: str) -> str | None:
        """The first ten hex digits of the file's SHA-256, or None if there is no such file."""
        known = self._known.get(filename)
        if known is not None and not self.watch:
            return known[1]
        path = safe_join(self.folder, filename)
        if path is None:  # outside the folder (an uploaded file's path, sent through send_file): not kept
            return None
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            mtime = None
        if known is not None and known[0] == mtime:
            return known[1]
        if mtime is None or not os.path.isfile(path):
            self._known.pop(filename, None)
            return None
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:10]
        self._known[filename] = (mtime, digest)
        return digest


def init_assets(app: Flask) -> None:
    hashes = StaticHashes(app.static_folder, watch=bool(app.debug or app.config.get("TEMPLATES_AUTO_RELOAD")))
    app.extensions["collab_static_hashes"] = hashes

    @app.url_defaults
    def _hashed_static(endpoint, values):
        if endpoint == "static" and "v" not in values and not _VERSIONED_NAME.match(values.get("filename") or ""):
            digest = hashes.of(values.get("filename") or "")
            if digest:
                values["v"] = digest

    def max_age(filename: str | None) -> int | None:
        if filename and _VERSIONED_NAME.match(filename):
            return YEAR
        wanted = request.args.get("v")
        if wanted and filename and wanted == hashes.of(filename):
            return YEAR
        return None  # no-cache: the browser revalidates with the ETag

    app.get_send_file_max_age = max_age  # what Flask's static route asks for the Cache-Control

    @app.after_request
    def _immutable(response):
        if request.endpoint == "static" and response.cache_control.max_age == YEAR:
            response.cache_control.immutable = True
        return response
