"""A community's forums have different names: a second "General" (in any case) is refused on the
form, with what was typed kept."""
from __future__ import annotations

import re

from forums.models import Forum
from tests.forums.conftest import base
from tests.helpers import text


def test_a_forum_name_already_used_in_the_community_is_refused_on_create_and_rename(community, people,
                                                                                     client_for, forums):
    general = forums.forum(community, people["owner"], name="General")
    other = forums.forum(community, people["owner"], name="Questions")
    owner = client_for(people["owner"])
    r = owner.post(f"{base(community)}/new-forum", data={"name": "  general ", "description": "typed words"})
    page = text(r)
    assert r.status_code == 400 and "typed words" in page and 'value="general"' in page
    assert "This community already has a forum called “general”." in page
    assert forums.count(Forum, community_id=community.id) == 2
    r = owner.post(f"{base(community)}/f/{other}/edit", data={"name": "GENERAL", "description": "", "position": "2"})
    assert r.status_code == 400 and "already has a forum called “GENERAL”" in text(r)
    assert forums.get(Forum, other).name == "Questions"
    # A forum keeps its own name (a new case of it too), and another community may use the name.
    r = owner.post(f"{base(community)}/f/{general}/edit", data={"name": "general", "description": "", "position": "1"})
    assert r.status_code == 302 and forums.get(Forum, general).name == "general"
    r = owner.post(f"{base(community)}/new-forum", data={"name": "Ideas"})
    assert r.status_code == 302 and re.search(r"/f/\d+$", r.headers["Location"])
