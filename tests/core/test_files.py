"""Uploaded files: type from the content, size limit, safe names, safe serving, delete."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image

from collab import files
from collab.extensions import db


def _png(size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"):
        yield app


def test_type_comes_from_the_content_not_the_name(ctx, make_user):
    ana = make_user("ana")
    png = files.store(_png(), "holiday.pdf", uploader=ana, community=None)
    html = files.store(b"<html><script>alert(1)</script></html>", "page.png", uploader=ana, community=None)
    pdf = files.store(b"%PDF-1.4\n%...\n", "report", uploader=ana, community=None)
    db.session.commit()
    assert (png.content_type, png.is_image) == ("image/png", True)
    assert (html.content_type, html.is_image) == ("text/plain", False)
    assert pdf.content_type == "application/pdf"


def test_bad_uploads_are_refused_with_a_reason(ctx, make_user):
    ana = make_user("ana")
    ctx.config["FILE_MAX_BYTES"] = 1000
    with pytest.raises(files.UploadError, match="empty"):
        files.store(b"", "a.txt", uploader=ana, community=None)
    with pytest.raises(files.UploadError, match="larger than"):
        files.store(b"x" * 1001, "a.txt", uploader=ana, community=None)
    with pytest.raises(files.UploadError, match="JPEG, PNG"):
        files.store(b"plain words", "a.png", uploader=ana, community=None, kind="image")
    with pytest.raises(files.UploadError, match="not an image"):
        files.store(_png()[:40], "cut.png", uploader=ana, community=None)


def test_names_are_cleaned_but_keep_their_script(ctx, make_user):
    ana = make_user("ana")
    assert files.clean_name("../../etc/passwd") == "passwd"
    assert files.clean_name("C:\\Users\\x\\报告 2026.docx") == "报告 2026.docx"
    assert files.clean_name('a<b>"c".txt') == "a_b_c_.txt"
    assert files.clean_name("...") == "file"
    long = files.clean_name("x" * 500 + ".pdf")
    assert len(long) == files.NAME_MAX and long.endswith(".pdf")
    stored = files.store(b"hello", "../../secret.txt", uploader=ana, community=None)
    db.session.commit()
    root = Path(ctx.config["UPLOAD_PATH"]).resolve()
    assert files._blob(stored.sha256).resolve().is_relative_to(root)


def test_only_raster_images_are_served_inline(ctx, make_user):
    ana = make_user("ana")
    svg = files.store(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                      "logo.svg", uploader=ana, community=None)
    png = files.store(_png(), "dot.png", uploader=ana, community=None)
    db.session.commit()
    r = files.send(svg)
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.mimetype != "image/svg+xml" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    r.close()
    r = files.send(png)
    r.direct_passthrough = False
    assert r.mimetype == "image/png" and r.headers["Content-Disposition"].startswith("inline")
    assert r.get_data() == _png()
    r.close()


def test_delete_keeps_bytes_another_file_shares_and_waits_for_the_commit(ctx, make_user):
    ana = make_user("ana")
    a = files.store(b"same bytes", "a.txt", uploader=ana, community=None)
    b = files.store(b"same bytes", "b.txt", uploader=ana, community=None)
    db.session.commit()
    blob = files._blob(a.sha256)
    files.delete(a)
    db.session.commit()
    assert blob.exists()
    files.delete(b)
    assert blob.exists()  # not before the commit
    db.session.rollback()
    assert blob.exists()
    files.delete(db.session.get(files.StoredFile, b.id))
    db.session.commit()
    assert not blob.exists()


def test_a_savepoint_inside_the_delete_does_not_unlink_before_the_commit(ctx, make_user):
    """SQLAlchemy sends after_commit when a SAVEPOINT is released (insert_once does one): the
    bytes of a deleted file stay until the transaction around it commits, and a rollback keeps them."""
    ana = make_user("ana")
    a = files.store(b"only copy", "a.txt", uploader=ana, community=None)
    db.session.commit()
    blob = files._blob(a.sha256)
    files.delete(a)
    with db.session.begin_nested():
        pass
    assert blob.exists()
    db.session.rollback()
    assert blob.exists() and db.session.get(files.StoredFile, a.id) is not None
    files.delete(db.session.get(files.StoredFile, a.id))
    with db.session.begin_nested():
        pass
    db.session.commit()
    assert not blob.exists()
