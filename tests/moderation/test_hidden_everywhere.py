"""A wiki page a moderator hid, or one waiting for approval, and a forum topic waiting for approval
are seen by their author and the moderators only: not through the API, the co-editing socket, the
wiki's tag pages, the page's attachments or the related list either. Pages made through the API
or a knowledge flow wait for approval like pages made in the form."""
from __future__ import annotations

import base64
import io

import pytest
from pycrdt import Doc, Text
from sqlalchemy import select

from collab.extensions import db, socketio
from tests.api.conftest import api_as, token_for  # noqa: F401  (shared fixtures)
from tests.moderation.conftest import resolve
from tests.moderation.test_premoderation import premod  # noqa: F401


def _new_page(app, client, community, title, body="Llamas hum quietly when content.", **extra):
    r = client.post(f"/c/{community.slug}/wiki/-/new", data={"title": title, "body": body, **extra})
    assert r.status_code == 302, r.status_code
    from wiki.models import WikiPage

    with app.app_context():
        page = db.session.scalar(select(WikiPage).where(WikiPage.title == title))
        return page.id, page.path


def _status(client, url) -> int:
    """The status of a GET, the answer closed (a file's answer holds the file open)."""
    r = client.get(url)
    r.close()
    return r.status_code


@pytest.fixture
def hidden_page(app, people, community, client_for):
    """A page by the owner, with a tag and an attachment, hidden by a moderator."""
    owner = client_for(people["owner"])
    pid, path = _new_page(app, owner, community, "Llama facts", tags="zebra")
    r = owner.post(f"/c/{community.slug}/wiki/{path}/-/attachments",
                   data={"file": (io.BytesIO(b"plan,cost\nq1,3\n"), "plan.csv")},
                   content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    visible = {"tag": owner.get(f"/c/{community.slug}/wiki/-/tags/zebra").get_data(as_text=True),
               "file": _status(client_for(people["outsider"]), r.get_json()["url"])}
    assert "Llama facts" in visible["tag"] and visible["file"] == 200  # before: there for everyone
    assert resolve(client_for(people["moderator"]), f"wiki_page:{pid}", "hide", reason="Wrong wiki").status_code == 302
    for who in ("member", "outsider"):
        assert client_for(people[who]).get(f"/c/{community.slug}/wiki/{path}").status_code == 404
    return pid, path, r.get_json()["url"]


def test_the_api_reads_no_hidden_page(people, community, hidden_page, api_as):  # noqa: F811
    pid, path, _url = hidden_page
    url = f"/communities/{community.slug}/wiki/pages/{pid}"
    for who in ("member", "outsider"):
        r = api_as(people[who]).get(url)
        assert r.status_code == 404, r.get_json()
        assert "Llamas hum" not in r.get_data(as_text=True)
        edit = api_as(people[who]).patch(url, json={"body": "defaced", "base_revision": 1})
        assert edit.status_code == 404
    assert api_as(people["moderator"]).get(url).get_json()["body"].startswith("Llamas hum")
    assert api_as(people["owner"]).get(url).status_code == 200  # the author
    # Nor can a member put a page under it: the same answer as for an id that does not exist.
    pages = f"/communities/{community.slug}/wiki/pages"
    under_hidden = api_as(people["member"]).post(pages, json={"title": "Child", "parent_id": pid})
    under_nothing = api_as(people["member"]).post(pages, json={"title": "Child", "parent_id": 999999})
    assert under_hidden.status_code == under_nothing.status_code == 422
    assert under_hidden.get_json()["error"]["message"] == under_nothing.get_json()["error"]["message"]
    assert path not in under_hidden.get_data(as_text=True)


def test_the_co_editing_socket_gives_no_hidden_page(app, people, community, hidden_page, client_for):
    pid, _path, _url = hidden_page
    member = socketio.test_client(app, namespace="/wiki", flask_test_client=client_for(people["member"]))
    answer = member.emit("sync", {"page": pid, "sv": None, "generation": None}, namespace="/wiki", callback=True)
    assert not answer.get("ok") and "update" not in answer, answer
    moderator = socketio.test_client(app, namespace="/wiki", flask_test_client=client_for(people["moderator"]))
    answer = moderator.emit("sync", {"page": pid, "sv": None, "generation": None}, namespace="/wiki", callback=True)
    assert answer.get("ok"), answer
    doc = Doc()
    doc.apply_update(base64.b64decode(answer["update"]))
    assert str(doc.get("body", type=Text)).startswith("Llamas hum")
    member.disconnect(namespace="/wiki")
    moderator.disconnect(namespace="/wiki")


def test_tag_pages_and_attachments_leave_a_hidden_page_out(people, community, hidden_page, client_for):
    _pid, _path, file_url = hidden_page
    outsider = client_for(people["outsider"])
    listing = outsider.get(f"/c/{community.slug}/wiki/-/tags/zebra").get_data(as_text=True)
    assert "Llama facts" not in listing
    assert "zebra" not in outsider.get(f"/c/{community.slug}/wiki/-/tags").get_data(as_text=True)
    assert _status(outsider, file_url) == 404
    assert _status(client_for(people["member"]), file_url) == 404
    assert _status(client_for(people["moderator"]), file_url) == 200


def test_the_related_list_of_a_hidden_page_is_not_found(people, community, hidden_page, client_for):
    pid, _path, _url = hidden_page
    assert client_for(people["outsider"]).get(f"/flows/related?key=wiki_page:{pid}").status_code == 404
    assert client_for(people["moderator"]).get(f"/flows/related?key=wiki_page:{pid}").status_code in (200, 204)


def test_the_forums_api_shows_no_topic_waiting_for_approval(people, community, content, premod, api_as,  # noqa: F811
                                                            client_for):
    _key, topic_id = content.topic(community, people["newbie"], title="Pending zzz title", body="Pending body")
    assert client_for(people["outsider"]).get(f"/c/{community.slug}/forums/t/{topic_id}").status_code == 404
    outsider = api_as(people["outsider"])
    forum_id = outsider.get(f"/communities/{community.slug}/forums").get_json()["items"][0]["id"]
    listing = outsider.get(f"/communities/{community.slug}/forums/{forum_id}/topics").get_data(as_text=True)
    assert "Pending zzz title" not in listing
    assert outsider.get(f"/communities/{community.slug}/topics/{topic_id}").status_code == 404
    assert outsider.get(f"/communities/{community.slug}/topics/{topic_id}/posts").status_code == 404
    assert client_for(people["outsider"]).get(f"/flows/related?key=forum_topic:{topic_id}").status_code == 404
    mine = api_as(people["newbie"]).get(f"/communities/{community.slug}/topics/{topic_id}")
    assert mine.status_code == 200 and mine.get_json()["title"] == "Pending zzz title"
    assert api_as(people["moderator"]).get(f"/communities/{community.slug}/topics/{topic_id}").status_code == 200


def test_a_page_made_through_the_api_waits_for_approval_too(app, people, community, premod, api_as,  # noqa: F811
                                                            client_for):
    r = api_as(people["newbie"]).post(f"/communities/{community.slug}/wiki/pages",
                                      json={"title": "Okapi notes", "body": "Okapis are shy."})
    assert r.status_code == 201, r.get_json()
    pid, path = r.get_json()["id"], r.get_json()["path"]
    assert client_for(people["newbie"]).get(f"/c/{community.slug}/wiki/{path}").status_code == 200  # its author
    for who in ("member", "outsider"):
        assert client_for(people[who]).get(f"/c/{community.slug}/wiki/{path}").status_code == 404
        assert api_as(people[who]).get(f"/communities/{community.slug}/wiki/pages/{pid}").status_code == 404
    queue = client_for(people["moderator"]).get(f"/c/{community.slug}/moderation/").get_data(as_text=True)
    assert f"wiki_page:{pid}" in queue
    assert resolve(client_for(people["moderator"]), f"wiki_page:{pid}", "approve").status_code == 302
    assert client_for(people["outsider"]).get(f"/c/{community.slug}/wiki/{path}").status_code == 200
