"""A wiki page a moderator hides and shows again comes back to the streams with its first date,
and the community's webhooks, told of it (and of the pages under it) when they were made, are not
told again. A page made under it while it was hidden was never told: showing it is its news, told
once."""
from __future__ import annotations

import json

from tests.api.conftest import api_as, token_for  # noqa: F401  (fixtures)
from tests.api.test_webhooks import _add_hook, allow_private, deliver, receiver  # noqa: F401  (fixtures)
from tests.helpers import text
from tests.moderation.conftest import resolve
from tests.wiki.conftest import url


def _told(receiver) -> list[tuple[str, str]]:
    return [(r["headers"]["X-Collab-Event"], json.loads(r["body"])["object"]["title"]) for r in receiver.requests]


def page_and_subpage_told(community, people, client_for, api_as, receiver, deliver) -> int:
    """A webhook for the community's wiki, then "Secret plans" and its subpage "Budget" made (and
    told to it); returns the page's id."""
    owner, author = client_for(people["owner"]), client_for(people["other"])
    assert _add_hook(owner, community.slug, receiver.url, events=("created", "edited")).status_code == 302
    assert author.post(url(community, "-/new"), data={"title": "Secret plans", "body": "Moon."}).status_code == 302
    secret = int(api_as(people["other"]).get(f"/communities/{community.slug}/wiki/pages?path=secret-plans")
                 .json["items"][0]["id"])
    assert author.post(url(community, "-/new"), data={"title": "Budget", "parent": str(secret),
                                                      "body": "Ten coins."}).status_code == 302
    assert deliver() == 2
    return secret


def test_a_wiki_page_shown_again_does_not_tell_the_hooks_again(app, community, people, client_for, api_as,
                                                               receiver, allow_private, deliver):
    secret = page_and_subpage_told(community, people, client_for, api_as, receiver, deliver)
    moderator = client_for(people["moderator"])

    assert resolve(moderator, f"wiki_page:{secret}", "hide", reason="Off topic").status_code == 302
    made = api_as(people["moderator"]).post(f"/communities/{community.slug}/wiki/pages",
                                            json={"title": "Plan B", "parent_id": secret, "body": "Mars."})
    assert made.status_code == 201, made.json
    assert deliver() == 0  # out of sight: nobody is told of it yet
    assert resolve(moderator, f"wiki_page:{secret}", "unhide", reason="").status_code == 302

    stream = text(client_for(people["member"]).get("/"))
    assert "Secret plans" in stream and "Budget" in stream and "Plan B" in stream  # their lines are back
    assert deliver() == 1
    assert _told(receiver) == [("created", "Secret plans"), ("created", "Budget"), ("created", "Plan B")]
