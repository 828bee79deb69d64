from __future__ import annotations

import re

import pytest

from tests.search.conftest import find, index_now  # noqa: F401  (shared fixtures)


@pytest.fixture
def people(make_user, admin_user):
    return {
        "owner": make_user("owner"),
        "moderator": make_user("moder"),
        "member": make_user("member"),
        "other": make_user("other"),
        "outsider": make_user("outsider"),
        "admin": admin_user,
    }


@pytest.fixture
def community(make_community, people):
    return make_community(people["owner"], name="Newsroom", access="public",
                          members=[people["member"], people["other"]], moderators=[people["moderator"]])


def blog_url(community, rest=""):
    return f"/c/{community.slug}/blog/{rest}"


def write(client, base, title="A post", body="Hello **world**", action="publish", **extra):
    """Post the new-post form; returns the response (302 to the post on success)."""
    data = {"title": title, "body": body, "summary": extra.pop("summary", ""), "tags": extra.pop("tags", ""),
            "publish_at": extra.pop("publish_at", ""), "action": action, **extra}
    return client.post(base + "new", data=data)


def post_id(response) -> int:
    m = re.search(r"/blog/(\d+)", response.headers["Location"])
    assert m, response.headers.get("Location")
    return int(m.group(1))
