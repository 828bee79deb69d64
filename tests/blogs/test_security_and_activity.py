"""XSS through every blog field, image upload checks, and the activity stream and notifications
the blog feeds."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from collab.extensions import db
from tests.blogs.conftest import blog_url, post_id, write
from tests.blogs.test_access_matrix import png_bytes
from tests.helpers import assert_no_active_content, text
from tests.security.test_xss import CORPUS


def test_xss_corpus_through_every_blog_field(community, people, client_for):
    owner, member = client_for(people["owner"]), client_for(people["member"])
    base = blog_url(community)
    body = "\n\n".join(CORPUS)
    pages = [base]
    r = owner.post(base + "ideas/new", data={"title": CORPUS[0][:200], "description": body})
    camp = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    for i, payload in enumerate(CORPUS[:12]):
        one_line = " ".join(payload.split())[:190] or f"p{i}"
        r = write(member, base, title=one_line, body=body + "\n\n" + payload, summary=one_line,
                  tags=one_line[:30])
        assert r.status_code == 302, text(r)[-1500:]
        pid = post_id(r)
        member.post(base + f"{pid}/comments", data={"body": payload})
        owner.post(base + f"{pid}/announce")
        r = member.post(base + f"ideas/{camp}/ideas", data={"title": one_line, "body": payload})
        iid = int(re.search(r"/idea/(\d+)", r.headers["Location"]).group(1))
        owner.post(base + f"ideas/idea/{iid}/status", data={"status": "accepted", "comment": payload})
        pages += [base + str(pid), base + f"{pid}/edit", base + f"ideas/idea/{iid}"]
    pages += [base + "ideas/", base + f"ideas/{camp}", base + "?tag=" + CORPUS[0][:30], f"/u/{people['member'].username}"]
    for page in pages:
        r = owner.get(page)
        assert r.status_code == 200, page
        assert_no_active_content(text(r))
    # Refused input comes back inert too.
    for payload in CORPUS[:6]:
        r = write(member, base, title=payload, body=payload, action="schedule", publish_at=payload[:40])
        assert_no_active_content(text(r))


def test_image_upload_checks_and_keeps_the_text(community, people, client_for):
    member = client_for(people["member"])
    base = blog_url(community)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name, data in (("evil.svg", svg), ("page.png", b"<html><script>alert(1)</script></html>"),
                       ("empty.png", b"")):
        r = member.post(base + "new", data={"title": "With picture", "body": "my words", "action": "upload",
                                            "image": (io.BytesIO(data), name)}, content_type="multipart/form-data")
        page = text(r)
        assert r.status_code == 200 and "my words" in page and "With picture" in page
        assert re.search(r'class="errors"[^>]*>\s*<li>', page), name
    r = member.post(base + "new", data={"title": "With picture", "body": "my words", "action": "upload",
                                        "image": (io.BytesIO(png_bytes()), "chart.png")},
                    content_type="multipart/form-data")
    page = text(r)
    src = re.search(r"!\[chart\]\((/c/[^)]+/blog/images/\d+)\)", page).group(1)
    assert "my words" in page
    image = member.get(src)
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == png_bytes()
    image.close()
    # Another community's blog does not serve it.
    assert member.get(src.replace(f"/c/{community.slug}/", f"/u/{people['member'].username}/")).status_code == 404
    # While the image is only in a draft, only its uploader sees it; once a post shows it, readers do.
    other = client_for(people["other"])
    pid = post_id(write(member, base, title="Chart", body=f"![chart]({src})", action="draft"))
    assert other.get(src).status_code == 404
    member.post(base + f"{pid}/edit", data={"title": "Chart", "body": f"![chart]({src})", "action": "publish"})
    shown = other.get(src)
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    shown.close()


def test_stream_events_and_notifications(app, community, people, client_for):
    from collab.activity.models import Event, Notification

    owner, member, other = (client_for(people[k]) for k in ("owner", "member", "other"))
    base = blog_url(community)
    pid = post_id(write(member, base, title="Release notes", body="Thanks @other for the help"))
    r = other.post(base + f"{pid}/comments", data={"body": "Glad to help"})
    cid = int(r.headers["Location"].rsplit("comment-", 1)[1])
    owner.post(base + f"{pid}/comments", data={"body": "Agreed", "parent_id": str(cid)})
    owner.post(base + f"{pid}/like")
    r = owner.post(base + "ideas/new", data={"title": "Q3 ideas", "description": ""})
    camp = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    r = member.post(base + f"ideas/{camp}/ideas", data={"title": "Fewer meetings", "body": ""})
    iid = int(re.search(r"/idea/(\d+)", r.headers["Location"]).group(1))
    owner.post(base + f"ideas/idea/{iid}/status", data={"status": "under_review", "comment": "Looking"})
    with app.app_context():
        verbs = sorted(db.session.scalars(select(Event.verb).where(Event.verb != "joined")))
        assert verbs == ["commented", "commented", "liked", "published", "submitted"]
        notes = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    ids = {k: people[k].id for k in people}
    assert (ids["other"], "mention") in notes  # @other in the post
    assert (ids["member"], "comment") in notes  # comments on the member's post
    assert (ids["other"], "reply") in notes  # the owner answered the other's comment
    assert (ids["member"], "idea_status") in notes
    # Deleting the post takes back what was said about it.
    member.post(base + f"{pid}/delete")
    with app.app_context():
        assert sorted(db.session.scalars(select(Event.verb).where(Event.verb != "joined"))) == ["submitted"]


def test_a_scheduled_post_is_announced_when_its_time_comes(app, community, people, client_for):
    from blogs.models import BlogPost
    from collab.activity.models import Event

    member = client_for(people["member"])
    base = blog_url(community)
    pid = post_id(write(member, base, title="Later", action="schedule", publish_at="2099-01-01 08:00"))
    with app.app_context():
        assert db.session.scalar(select(Event.id).where(Event.verb != "joined")) is None
        db.session.get(BlogPost, pid).published_at = datetime.now(timezone.utc) - timedelta(seconds=5)
        db.session.commit()
    client_for(people["other"]).get(base)
    with app.app_context():
        assert list(db.session.scalars(select(Event.verb).where(Event.verb != "joined"))) == ["published"]


def test_a_mention_added_by_a_moderators_edit_names_the_moderator(community, people, client_for):
    member, mod = client_for(people["member"]), client_for(people["moderator"])
    base = blog_url(community)
    pid = post_id(write(member, base, title="Team news", body="Welcome all"))
    r = mod.post(base + f"{pid}/edit", data={"title": "Team news", "body": "Welcome all, cc @other and @member",
                                             "action": "save"})
    assert r.status_code == 302
    for who in ("other", "member"):  # the author hears of it too: the mention is not theirs
        page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text(client_for(people[who]).get("/notifications"))))
        assert "Moder mentioned you" in page, (who, page[page.find("Team news") - 200:][:300])
        assert "Member mentioned you" not in page
