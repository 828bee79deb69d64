from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from tests.helpers import text


def image_bytes(fmt="PNG", size=(300, 200), color=(200, 30, 30)):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return buf.getvalue()


def upload(client, data: bytes, filename="me.png", **fields):
    form = {"display_name": fields.pop("display_name", "Uploader"), "avatar": (io.BytesIO(data), filename)}
    form.update(fields)
    return client.post("/settings/profile", data=form, content_type="multipart/form-data")


def test_avatar_is_reencoded_square_png_and_served_with_right_type(client, make_user, login, client_for):
    login(make_user("up"))
    r = upload(client, image_bytes("JPEG"), "holiday.jpg")
    assert r.status_code == 302
    page = text(client.get("/u/up"))
    assert "/u/up/avatar?v=" in page
    other = client_for(make_user("looker"))
    with other.get("/u/up/avatar") as r:
        assert r.status_code == 200 and r.mimetype == "image/png"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        data = r.get_data()
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG" and img.size == (256, 256)
    # Removing it falls back to initials.
    client.post("/settings/profile", data={"display_name": "Uploader", "remove_avatar": "y"})
    assert other.get("/u/up/avatar").status_code == 404


def _png_header_claiming(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")


@pytest.mark.app_config(AVATAR_MAX_BYTES=100 * 1024)
def test_bad_uploads_get_clear_errors_and_keep_the_form(client, make_user, login):
    login(make_user("bad"))
    cases = [
        (b"<?php echo 'hi'; ?>", "shell.png", "not an image we can read"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.svg", "not an image we can read"),
        (image_bytes("BMP", size=(40, 40)), "pic.bmp", "Upload a JPEG, PNG, GIF or WebP image."),
        (_png_header_claiming(50000, 50000), "bomb.png", "too many pixels"),
        (_png_header_claiming(6300, 6300), "wide.png", "too many pixels"),  # a few KB that unpack to 40 M pixels
        (b"\x89PNG" + b"0" * (200 * 1024), "huge.png", "larger than 100 KB"),
        (b"", "empty.png", "The file is empty."),
    ]
    for data, name, message in cases:
        r = upload(client, data, name, title="Typed title")
        body = text(r)
        assert r.status_code == 200, name
        assert message in body, (name, body[body.find("errors"):][:300])
        assert 'value="Typed title"' in body
    assert "/u/bad/avatar" not in text(client.get("/u/bad"))
    # A form sent with no file chosen is simply "no new photo".
    r = client.post("/settings/profile", data={"display_name": "B", "avatar": (io.BytesIO(b""), "")},
                    content_type="multipart/form-data")
    assert r.status_code == 302


def test_request_larger_than_limit_is_refused_cleanly(make_app, make_user):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    c = app.test_client()
    r = c.post("/login", data={"login": "x" * 4000, "password": "y"})
    assert r.status_code == 413 and "larger than this site accepts" in text(r)


def test_a_large_photo_becomes_a_small_avatar():
    """Up to 4096 x 4096 pixels (a phone photo is about 12 M): reduced first, then resampled."""
    from PIL import Image

    from collab.accounts.avatars import SIZE, process_avatar

    for mode, size in (("1", (4096, 3000)), ("RGB", (3000, 4000)), ("P", (1200, 900))):
        buf = io.BytesIO()
        Image.new(mode, size, 1 if mode != "RGB" else (20, 120, 200)).save(buf, format="PNG")
        with Image.open(io.BytesIO(process_avatar(buf.getvalue(), 4096 * 1024))) as out:
            assert out.format == "PNG" and out.size == (SIZE, SIZE), mode
