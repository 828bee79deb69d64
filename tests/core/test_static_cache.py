"""Stylesheets and scripts are kept by the browser: pages link them with their content hash, the
hashed address is cached for a year (immutable), and a changed file gets a new address at once.
Without the hash, or with an old one, the browser must revalidate, so it never keeps a stale copy."""
from __future__ import annotations

import re
import shutil

import pytest

from tests.helpers import text

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # no database involved

LINK = re.compile(r'href="(/static/css/collab\.css\?v=([0-9a-f]{10}))"')


def _get(client, url, **kw):
    """The answer, read and closed (a file answer keeps its file open until then)."""
    r = client.get(url, **kw)
    r.get_data()
    r.close()
    return r


def _stylesheet(client) -> tuple[str, str]:
    match = LINK.search(text(client.get("/login")))
    assert match, "the page links the stylesheet with its hash"
    return match.group(1), match.group(2)


def test_hashed_stylesheet_is_kept_a_year(client):
    url, _ = _stylesheet(client)
    r = _get(client, url)
    assert r.status_code == 200 and b"body" in r.data
    assert r.cache_control.max_age == 365 * 24 * 3600 and r.cache_control.immutable
    assert r.cache_control.public


def test_every_asset_on_a_page_is_hashed(client, make_user, client_for):
    page = text(client_for(make_user("ana")).get("/c/"))
    assets = re.findall(r'(?:href|src|data-socket-lib)="(/static/[^"]+)"', page)
    assert len(assets) >= 8  # stylesheets, icon, scripts, the socket library the bell loads
    own = [a for a in assets if not a.startswith("/static/vendor/")]
    assert len(own) >= 7 and all(re.search(r"\?v=[0-9a-f]{10}$", a) for a in own), assets
    # A vendored library keeps the one address its importers use (chat.js imports it by name): a
    # second, hashed address would load the module twice, with a second Socket.IO connection.
    assert "/static/vendor/socket.io-4.8.1.esm.min.js" in assets


def test_names_that_are_no_file_are_not_remembered(client, app):
    for n in range(50):
        assert _get(client, f"/static/nope-{n}.css?v=0123456789").status_code == 404
        assert _get(client, f"/static/nope-{n}.css").status_code == 404
    assert not [k for k in app.extensions["collab_static_hashes"]._known if "nope" in k]


def test_unhashed_or_stale_address_is_revalidated(client):
    url, digest = _stylesheet(client)
    for address in ("/static/css/collab.css", url.replace(digest, "0" * 10)):
        r = _get(client, address)
        assert r.status_code == 200
        assert r.cache_control.no_cache and not r.cache_control.immutable
        etag = r.headers["ETag"]
        assert _get(client, address, headers={"If-None-Match": etag}).status_code == 304


def test_versioned_vendor_library_is_kept_without_a_hash(client):
    # chat.js imports it by a relative path; its name carries its version.
    r = _get(client, "/static/vendor/socket.io-4.8.1.esm.min.js")
    assert r.status_code == 200 and r.cache_control.max_age == 365 * 24 * 3600


def test_changed_file_gets_a_new_address(make_app, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(_repo_static(), static)
    app = make_app(TEMPLATES_AUTO_RELOAD=True)  # development: files change under a running server
    app.static_folder = str(static)
    app.extensions["collab_static_hashes"].folder = str(static)
    client = app.test_client()
    url, digest = _stylesheet(client)
    css = static / "css" / "collab.css"
    css.write_text(css.read_text() + "\n.new-rule { color: red }\n")
    import os

    os.utime(css, (css.stat().st_atime, css.stat().st_mtime + 5))
    new_url, new_digest = _stylesheet(client)
    assert new_digest != digest
    r = _get(client, new_url)
    assert b".new-rule" in r.data and r.cache_control.immutable
    assert not _get(client, url).cache_control.immutable  # the old address is no longer kept


def test_missing_file_is_404(client):
    assert _get(client, "/static/css/nothing.css?v=0123456789").status_code == 404
    assert _get(client, "/static/../collab/app.py").status_code == 404


def _repo_static():
    from collab.app import ROOT

    return ROOT / "static"


def test_other_files_sent_are_not_kept_or_remembered(app, tmp_path):
    """Flask asks the same question for every file it sends (an attachment's blob, by its full
    path): the answer is "revalidate", and no path outside the static folder is remembered."""
    from flask import send_file

    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"x" * 10)
    with app.test_request_context("/?v=whatever"):
        r = send_file(blob, mimetype="application/octet-stream")
        r.close()
        assert r.cache_control.max_age is None and not r.cache_control.immutable
    assert str(blob) not in app.extensions["collab_static_hashes"]._known
