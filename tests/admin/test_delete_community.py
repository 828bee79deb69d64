"""Deleting a community removes everything in it, in every tool: pages, posts, topics, messages,
their files (rows and bytes), search documents, activity events and notifications. Checked the
way people would notice: by URL, by search, by feed, on the home stream and in notifications."""
from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from collab import audit
from collab.accounts.models import User
from collab.activity.models import Event, Notification
from collab.extensions import db
from collab.files import StoredFile
from collab.search import flush
from communities.models import Community
from tests.conftest import csrf_token
from tests.helpers import text


def _png(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (5, 5), colour).save(out, format="PNG")
    return out.getvalue()


def _search(client, q):
    body = text(client.get("/search", query_string={"q": q}))
    return re.findall(r'<h3 class="result-title"><a href="([^"]*)">', body)


def test_deleting_a_community_leaves_nothing_reachable(app, make_user, make_community, client_for, admin_user):
    owner, member = make_user("owner"), make_user("member")
    c = make_community(owner, name="Zebrafish Lab", access="public", members=[member])
    keep = make_community(owner, name="Other Lab", access="public", members=[member])
    owner_c, member_c, admin = client_for(owner), client_for(member), client_for(admin_user)
    base = f"/c/{c.slug}"

    # Content in every tool, by the people, through the pages and services the tools offer.
    from collab.chat import services as chat
    from forums import services as forums
    from wiki import services as wiki

    with app.test_request_context("/", method="POST"):
        u_owner, u_member = db.session.get(User, owner.id), db.session.get(User, member.id)
        community = db.session.get(Community, c.id)
        page = wiki.create_page(community, u_owner, title="Zebrafish care", body="zebrafish tanks, ask @member")
        db.session.commit()
        page_path = page.path
        forum = forums.create_forum(community, u_owner, name="Questions")
        topic = forums.create_topic(forum, u_owner, title="Zebrafish feeding", body="zebrafish food @member")
        db.session.commit()
        topic_id = topic.id
        room = chat.default_room(community)
        db.session.commit()
        chat.post_message(u_member, room, "zebrafish chat line", "client-1")
        room_slug = room.slug
    r = owner_c.post(f"{base}/blog/new", data={"title": "Zebrafish news", "body": "zebrafish blog", "action": "publish",
                                              "summary": "", "tags": "", "publish_at": ""})
    post_url = r.headers["Location"]
    token = csrf_token(text(owner_c.get(f"{base}/wiki/{page_path}/-/attachments")))
    owner_c.post(f"{base}/wiki/{page_path}/-/attachments", headers={"X-CSRFToken": token},
                 data={"file": (io.BytesIO(_png("red")), "tank.png")}, content_type="multipart/form-data")
    # The same bytes in another community: those bytes must outlive the deletion.
    token = csrf_token(text(owner_c.get(f"/c/{keep.slug}/wiki/")))
    with app.test_request_context("/", method="POST"):
        other = wiki.create_page(db.session.get(Community, keep.id), db.session.get(User, owner.id), title="Shared")
        db.session.commit()
        other_path = other.path
    token = csrf_token(text(owner_c.get(f"/c/{keep.slug}/wiki/{other_path}/-/attachments")))
    owner_c.post(f"/c/{keep.slug}/wiki/{other_path}/-/attachments", headers={"X-CSRFToken": token},
                 data={"file": (io.BytesIO(_png("red")), "same.png")}, content_type="multipart/form-data")
    with app.app_context():
        files = db.session.scalars(select(StoredFile).where(StoredFile.community_id == c.id)).all()
        shared = {f.sha256 for f in files}
        root = Path(app.config["UPLOAD_PATH"]) / "files"
        assert files and all((root / f.sha256[:2] / f.sha256).exists() for f in files)
    # A file only this community has.
    token = csrf_token(text(owner_c.get(f"{base}/wiki/{page_path}/-/attachments")))
    owner_c.post(f"{base}/wiki/{page_path}/-/attachments", headers={"X-CSRFToken": token},
                 data={"file": (io.BytesIO(_png("green")), "only.png")}, content_type="multipart/form-data")
    with app.app_context():
        files = db.session.scalars(select(StoredFile).where(StoredFile.community_id == c.id)).all()
        only = {f.sha256 for f in files} - shared
        file_ids = [f.id for f in files]
        assert len(only) == 1
        assert db.session.scalar(select(func.count()).select_from(Event)
                                 .where(Event.community_id == c.id)) > 0
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.community_id == c.id)) > 0
    attachments_page = text(member_c.get(f"{base}/wiki/{page_path}/-/attachments"))
    file_urls = sorted(set(re.findall(rf"{base}/wiki/-/files/\d+", attachments_page)))
    with app.app_context():
        flush(app)

    urls = [f"{base}/", f"{base}/wiki/{page_path}", f"{base}/forums/t/{topic_id}", f"{base}/chat/{room_slug}",
            post_url, f"{base}/blog/feed.atom", f"{base}/members", *file_urls]
    for url in urls:
        r = member_c.get(url)
        r.close()
        assert r.status_code == 200, url
    assert len(file_urls) == 2
    assert "Zebrafish news" in text(member_c.get(f"{base}/blog/feed.atom"))
    assert len(_search(member_c, "zebrafish")) >= 4
    assert "Zebrafish" in text(member_c.get("/notifications"))

    # Delete, with the typed name.
    r = admin.post(f"/admin/communities/{c.id}/delete", data={"confirm": "Zebrafish Lab"})
    assert r.status_code == 302
    with app.app_context():
        flush(app)

    for who in (member_c, admin, owner_c):
        for url in urls:
            r = who.get(url)
            r.close()
            assert r.status_code == 404, url
        assert _search(who, "zebrafish") == []
        assert "Zebrafish" not in text(who.get("/"))  # home stream
        assert "Zebrafish" not in text(who.get("/notifications"))
        assert "Zebrafish" not in text(who.get("/c/"))
    with app.app_context():
        assert db.session.get(Community, c.id) is None
        assert db.session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.id.in_(file_ids))) == 0
        for model in (Event, Notification):
            assert db.session.scalar(select(func.count()).select_from(model).where(model.community_id == c.id)) == 0
        # Bytes only this community had are gone; bytes another community shares stay.
        assert not any((root / s[:2] / s).exists() for s in only)
        assert all((root / s[:2] / s).exists() for s in shared)
        entry = db.session.scalars(audit.entries_query(action="community.delete")).one()
        assert entry.target_label == "Zebrafish Lab" and entry.community_id == c.id
        assert entry.before["name"] == "Zebrafish Lab" and entry.before["members"] == 2
    # The other community is whole, and its shared file still served.
    other_files = re.findall(rf"/c/{keep.slug}/wiki/-/files/\d+",
                             text(member_c.get(f"/c/{keep.slug}/wiki/{other_path}/-/attachments")))
    r = member_c.get(other_files[0])
    assert r.status_code == 200 and r.data == _png("red")
    r.close()
    # The admin's log still names the deleted community.
    log = text(admin.get("/admin/audit", query_string={"community": str(c.id)}))
    assert "Community deleted" in log and f"deleted community #{c.id}" in log
