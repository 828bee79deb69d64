"""Attachments: upload (form and the editor's JSON drag and drop), list, images inline, files
served only to readers of the page, delete; bad input (size, names, type from the content, no
path traversal, no HTML or SVG served inline)."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.conftest import csrf_token
from tests.helpers import text
from tests.wiki.conftest import url


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, format="PNG")
    return out.getvalue()


def _upload(client, community, path, data: bytes, name: str, *, json=False):
    token = csrf_token(text(client.get(url(community, path, "attachments"))))
    headers = {"X-CSRFToken": token}
    if json:
        headers["Accept"] = "application/json"
    return client.post(url(community, path, "attachments"), headers=headers,
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _get(client, address, **kw):
    """GET a file and close the response (it holds the file open)."""
    r = client.get(address, **kw)
    r.get_data()
    r.close()
    return r


def _file_urls(html: str) -> list[str]:
    return re.findall(r'href="(/c/[^"]+/wiki/-/files/\d+)"', html)


def test_upload_list_show_serve_and_delete(community, people, client_for, wiki):
    wiki.create(community, people["owner"], "Runbook", body="Text.")
    member = client_for(people["member"])
    r = _upload(member, community, "runbook", _png(), "diagram.png")
    assert r.status_code == 302
    r = _upload(member, community, "runbook", b"%PDF-1.4\n%...\n", "../../etc/passwd report.pdf", json=True)
    assert r.status_code == 200
    answer = r.get_json()
    assert answer["name"] == "passwd report.pdf" and not answer["is_image"]
    assert answer["markdown"] == f"[passwd report.pdf]({answer['url']})"
    listing = text(member.get(url(community, "runbook", "attachments")))
    assert "diagram.png" in listing and "passwd report.pdf" in listing and "../" not in listing
    page = text(member.get(url(community, "runbook")))
    assert "2 attachments" in page and re.search(r'<img src="/c/[^"]+/-/files/\d+" alt="diagram.png"', page)

    image_url, pdf_url = sorted(set(_file_urls(page)), key=lambda u: int(u.rsplit("/", 1)[1]))
    img = _get(member, image_url)
    assert img.status_code == 200 and img.mimetype == "image/png" and img.data == _png()
    assert img.headers["Content-Disposition"].startswith("inline")
    pdf = _get(member, pdf_url)
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    # An image in the page text shows inline through the same address.
    png_md = f"![diagram]({image_url})"
    wiki.save(wiki.find(community, "runbook"), people["member"], png_md, base=1)
    body = text(member.get(url(community, "runbook"))).split('class="prose wiki-body"')[1]
    assert re.search(rf'<img[^>]+src="{re.escape(image_url)}"', body)

    # Readers who may not edit see the files but no upload or delete.
    outsider = client_for(people["outsider"])
    assert _get(outsider, image_url).status_code == 200
    listing = text(outsider.get(url(community, "runbook", "attachments")))
    assert 'type="file"' not in listing and "/delete" not in listing
    att_id = image_url.rsplit("/", 1)[1]
    assert outsider.post(url(community, "runbook", f"attachments/{att_id}/delete")).status_code == 403
    assert _upload(outsider, community, "runbook", _png(), "x.png").status_code == 403

    r = member.post(url(community, "runbook", f"attachments/{att_id}/delete"), follow_redirects=True)
    assert "“diagram.png” is deleted." in text(r)
    assert _get(member, image_url).status_code == 404


def test_bad_uploads_are_refused_with_a_reason(app, community, people, client_for, wiki):
    wiki.create(community, people["owner"], "Runbook")
    member = client_for(people["member"])
    app.config["FILE_MAX_BYTES"] = 1000
    r = _upload(member, community, "runbook", b"x" * 1001, "big.txt")
    assert r.status_code == 400 and "larger than" in text(r)
    r = _upload(member, community, "runbook", b"x" * 1001, "big.txt", json=True)
    assert r.status_code == 400 and "larger than" in r.get_json()["error"]
    r = _upload(member, community, "runbook", b"", "empty.txt", json=True)
    assert r.status_code == 400 and "empty" in r.get_json()["error"]
    token = csrf_token(text(member.get(url(community, "runbook", "attachments"))))
    r = member.post(url(community, "runbook", "attachments"), data={"csrf_token": token})
    assert r.status_code == 400 and "Choose a file to upload." in text(r)
    assert "No attachments yet." in text(member.get(url(community, "runbook", "attachments")))


@pytest.mark.parametrize("payload,name", [
    (b"<html><body><script>alert(document.cookie)</script></body></html>", "evil.html"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>', "evil.svg"),
    (b"<script>alert(1)</script>", "evil.png"),
])
def test_html_and_svg_are_never_served_inline(community, people, client_for, wiki, payload, name):
    wiki.create(community, people["owner"], "Runbook")
    member = client_for(people["member"])
    r = _upload(member, community, "runbook", payload, name, json=True)
    assert r.status_code == 200, r.get_data(as_text=True)
    served = _get(member, r.get_json()["url"])
    assert served.status_code == 200
    assert served.mimetype not in ("text/html", "image/svg+xml", "image/png")
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert not r.get_json()["is_image"] and r.get_json()["markdown"].startswith("[")


def test_files_follow_the_page_and_the_community(app, make_user, make_community, client_for, wiki):
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    secret = make_community(owner, name="Vault", access="restricted", members=[member])
    wiki.create(secret, owner, "Plans")
    r = _upload(client_for(member), secret, "plans", _png(), "plan.png", json=True)
    file_url = r.get_json()["url"]
    assert _get(client_for(member), file_url).status_code == 200
    assert _get(client_for(outsider), file_url).status_code == 404  # restricted: 404, never 403
    assert _get(client_for(None), file_url).status_code == 302  # to the sign-in page
    # Another community's address does not reach it.
    other = make_community(owner, name="Agora", access="public")
    assert _get(client_for(member), file_url.replace("/c/vault/", f"/c/{other.slug}/")).status_code == 404
    # A page in the trash takes its files along (moderators still see them).
    client_for(owner).post(url(secret, "plans", "delete"))
    assert _get(client_for(member), file_url).status_code == 404
    assert _get(client_for(owner), file_url).status_code == 200


def test_a_browser_asks_again_before_showing_a_kept_file(app, make_user, make_community, client_for, wiki):
    """A browser may keep a file but must ask before each use (a cheap 304 while one may read it):
    someone removed from a restricted community does not keep seeing its files from their cache."""
    owner, member = make_user("owner"), make_user("member")
    secret = make_community(owner, name="Vault", access="restricted", members=[member])
    wiki.create(secret, owner, "Plans")
    file_url = _upload(client_for(member), secret, "plans", _png(), "plan.png", json=True).get_json()["url"]
    first = _get(client_for(member), file_url)
    cache = first.headers["Cache-Control"]
    assert "no-cache" in cache and "private" in cache and "max-age" not in cache
    etag = first.headers["ETag"]
    again = _get(client_for(member), file_url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client_for(owner).post(f"/c/{secret.slug}/members/{member.id}/remove").status_code == 302
    assert _get(client_for(member), file_url, headers={"If-None-Match": etag}).status_code == 404
