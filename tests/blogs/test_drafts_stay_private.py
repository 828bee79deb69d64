"""A draft is its author's alone, images included: another writer's post that merely names the
image's number does not publish it, and deleting a draft does not show it to the moderators."""
from __future__ import annotations

import io
import re

from tests.blogs.test_access_matrix import png_bytes
from tests.helpers import text
from tests.moderation.conftest import community, people  # noqa: F401  (shared fixtures)


def _status(client, url) -> int:
    r = client.get(url)
    r.close()
    return r.status_code


def test_an_image_of_a_draft_stays_private_when_another_post_names_it(people, community, client_for):  # noqa: F811
    base = f"/c/{community.slug}/blog/"
    owner, member, outsider = (client_for(people[who]) for who in ("owner", "member", "outsider"))
    r = owner.post(base + "new", data={"title": "Secret draft", "body": "", "action": "upload",
                                       "image": (io.BytesIO(png_bytes()), "private.png")},
                   content_type="multipart/form-data")
    image = int(re.search(r"/blog/images/(\d+)", text(r)).group(1))
    url = f"{base}images/{image}"
    assert _status(owner, url) == 200 and _status(member, url) == 404
    r = member.post(base + "new", data={"title": "Mine", "body": f"see images/{image})", "action": "publish"})
    assert r.status_code == 302
    assert _status(member, url) == 404 and _status(outsider, url) == 404
    # Its uploader publishing a post that shows it makes it public.
    r = owner.post(base + "new", data={"title": "Now public", "body": f"![chart](images/{image})", "action": "publish"})
    assert r.status_code == 302
    assert _status(outsider, url) == 200


def test_a_deleted_draft_stays_its_author_s(people, community, client_for):  # noqa: F811
    base = f"/c/{community.slug}/blog/"
    member, moderator, owner = (client_for(people[who]) for who in ("member", "moderator", "owner"))
    r = member.post(base + "new", data={"title": "Private draft", "body": "my unsent zebra thoughts", "action": "draft"})
    assert r.status_code == 302
    post = int(re.search(r"/blog/(\d+)", r.headers["Location"]).group(1))
    assert member.post(f"{base}{post}/delete").status_code == 302
    for other in (moderator, owner):
        r = other.get(f"{base}{post}")
        assert r.status_code == 404 and "zebra thoughts" not in text(r)
    assert "zebra thoughts" in text(member.get(f"{base}{post}"))  # with its restore button
    # A published post that is deleted stays with whoever may restore it.
    r = member.post(base + "new", data={"title": "Public once", "body": "public giraffe words", "action": "publish"})
    public = int(re.search(r"/blog/(\d+)", r.headers["Location"]).group(1))
    assert member.post(f"{base}{public}/delete").status_code == 302
    assert "public giraffe words" in text(moderator.get(f"{base}{public}"))


def test_a_post_taken_back_leaves_the_streams_until_it_is_live_again(people, community, client_for):  # noqa: F811
    base = f"/c/{community.slug}/blog/"
    author, reader = client_for(people["member"]), client_for(people["newbie"])
    r = author.post(base + "new", data={"title": "Buying Foo Corp", "body": "For 2B, announced Friday.",
                                        "action": "publish"})
    post = int(re.search(r"/blog/(\d+)", r.headers["Location"]).group(1))
    streams = (f"/c/{community.slug}/", "/u/member")

    def shown():
        return ["Buying Foo Corp" in text(reader.get(url)) for url in streams]

    assert shown() == [True, True]
    for action, extra in (("draft", {}), ("publish", {}), ("schedule", {"publish_at": "2099-01-01T09:00"})):
        r = author.post(f"{base}{post}/edit", data={"title": "Buying Foo Corp", "body": "For 2B, announced Friday.",
                                                    "action": action, **extra})
        assert r.status_code == 302
        assert shown() == ([True, True] if action == "publish" else [False, False]), action
    assert reader.get(f"{base}{post}").status_code == 404
