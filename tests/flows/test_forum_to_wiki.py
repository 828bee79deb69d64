"""An answered topic becomes a wiki page: question, accepted answer and ticked replies, edited
before saving; "from the forum" on the page and "turned into wiki page" on the topic."""
from __future__ import annotations

import re

from tests.flows.conftest import draft_path
from tests.helpers import text
from wiki.models import WikiPage


def _answered(make, community, people):
    forum_id = make.forum(community, people["owner"])
    topic = make.topic(forum_id, people["member"], title="How do I rotate the keys?",
                       body="The **old keys** expire Friday.", question=True)
    answer = make.reply(topic, people["owner"], "Run `rotate --all` then restart.")
    extra = make.reply(topic, people["member"], "Also tell the on-call team.")
    noise = make.reply(topic, people["owner"], "Thanks for asking!")
    make.accept(topic, answer, people["member"])
    return topic, answer, extra, noise


def test_answered_topic_becomes_a_wiki_page_linked_both_ways(app, people, agora, make, client_for):
    topic, answer, extra, noise = _answered(make, agora, people)
    parent = make.page(agora, people["owner"], "Runbooks")
    member = client_for(people["member"])
    topic_url = f"/c/{agora.slug}/forums/t/{topic}"
    page = text(member.get(topic_url))
    assert f'href="{topic_url}/to-wiki"' in page and "Turn into a wiki page" in page

    pick = text(member.get(f"{topic_url}/to-wiki"))
    assert "Run <code>rotate --all</code> then restart." in pick  # the accepted answer, always in
    assert f'name="reply" value="{extra}"' in pick and f'name="reply" value="{noise}"' in pick
    assert f'name="reply" value="{answer}"' not in pick

    draft_url = draft_path(member.post(f"{topic_url}/to-wiki", data={"reply": [str(extra)]}))
    form = text(member.get(draft_url))
    body = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', form, re.S).group(1)
    assert "The **old keys** expire Friday." in body and "Run `rotate --all` then restart." in body
    assert "Also tell the on-call team." in body and "Thanks for asking!" not in body
    assert f"({topic_url})" in body
    assert 'value="How do I rotate the keys?"' in form
    assert f'<option value="{parent}">Runbooks</option>' in form  # where the page goes

    saved = member.post(draft_url, data={"title": "Rotating keys", "place": str(parent),
                                         "body": body.replace("&gt;", ">") + "\nEdited before saving."})
    assert saved.status_code == 302
    page_url = saved.headers["Location"]
    assert page_url.endswith(f"/c/{agora.slug}/wiki/runbooks/rotating-keys")
    wiki_page = text(member.get(page_url))
    assert "From the forum" in wiki_page and f'href="{topic_url}"' in wiki_page
    assert "Edited before saving." in wiki_page
    topic_page = text(member.get(topic_url))
    assert "Turned into wiki page" in topic_page and f'href="{page_url}"' in topic_page
    assert make.count(WikiPage, title="Rotating keys") == 1
    # Everyone who reads the community sees both links.
    assert f'href="{page_url}"' in text(client_for(people["outsider"]).get(topic_url))


def test_who_may_turn_a_topic_into_a_page(app, people, agora, vault, make, client_for):
    topic, *_ = _answered(make, agora, people)
    outsider = client_for(people["outsider"])
    topic_url = f"/c/{agora.slug}/forums/t/{topic}"
    assert "to-wiki" not in text(outsider.get(topic_url))  # may not edit the wiki
    assert outsider.get(f"{topic_url}/to-wiki").status_code == 403
    assert outsider.post(f"{topic_url}/to-wiki").status_code == 403
    vtopic, *_ = _answered(make, vault, people)
    assert outsider.get(f"/c/{vault.slug}/forums/t/{vtopic}/to-wiki").status_code == 404
    # An unanswered question has no such action.
    forum_id = make.forum(agora, people["owner"], name="Other")
    open_q = make.topic(forum_id, people["member"], title="Open question?", question=True)
    member = client_for(people["member"])
    assert "to-wiki" not in text(member.get(f"/c/{agora.slug}/forums/t/{open_q}"))
    r = member.get(f"/c/{agora.slug}/forums/t/{open_q}/to-wiki")
    assert r.status_code == 302
    assert "Only a question with an accepted answer" in text(member.get(r.headers["Location"]))


def test_a_title_already_taken_is_shown_on_the_form(app, people, agora, make, client_for):
    topic, *_ = _answered(make, agora, people)
    make.page(agora, people["owner"], "Taken")
    member = client_for(people["member"])
    draft_url = draft_path(member.post(f"/c/{agora.slug}/forums/t/{topic}/to-wiki"))
    r = member.post(draft_url, data={"title": "Taken", "place": "", "body": "kept text"})
    assert r.status_code == 400 and "kept text" in text(r)
    assert make.count(WikiPage, title="Taken") == 1


def test_a_page_from_someone_whose_posts_wait_is_held_for_approval(app, people, agora, make, client_for, make_user):
    topic, *_ = _answered(make, agora, people)
    owner = client_for(people["owner"])
    assert owner.post(f"/c/{agora.slug}/moderation/settings", data={"premoderation": "1"}).status_code == 302
    newcomer = client_for(make_user("newcomer"))
    assert newcomer.post(f"/c/{agora.slug}/join").status_code == 302  # a new member: their posts wait
    topic_url = f"/c/{agora.slug}/forums/t/{topic}"
    draft_url = draft_path(newcomer.post(f"{topic_url}/to-wiki", data={}))
    saved = newcomer.post(draft_url, data={"title": "Rotating keys", "place": "", "body": "Run rotate, then restart."})
    assert saved.status_code == 302
    page_url = saved.headers["Location"]
    assert "Run rotate, then restart." in text(newcomer.get(page_url))  # its author sees it
    assert client_for(people["outsider"]).get(page_url).status_code == 404
    assert client_for(people["member"]).get(page_url).status_code == 404
    assert "Rotating keys" in text(owner.get(f"/c/{agora.slug}/moderation/"))  # in the queue
