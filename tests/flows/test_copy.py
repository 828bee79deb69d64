"""Copy a blog post or a forum topic to another community the person belongs to, with
provenance that never names a community the reader may not read."""
from __future__ import annotations

import re

from blogs.models import BlogPost
from forums.models import ForumTopic
from tests.flows.conftest import draft_path
from tests.helpers import text


def _option_values(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="community"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'<option[^>]*>([^<]*)</option>', select.group(1)) if select else []


def test_copy_a_private_blog_post_to_a_public_community(app, people, agora, vault, make, client_for, make_community):
    make_community(people["owner"], name="Elsewhere", access="public")  # the member does not belong
    src = make.post(vault, people["member"], "Quarterly secret roadmap", body="**Plan**: ship it.", tags="plans")
    member = client_for(people["member"])
    src_url = f"/c/{vault.slug}/blog/{src}"
    page = text(member.get(src_url))
    copy_url = f"/flows/copy?key=blog_post:{src}"
    assert "Copy to another community" in page and copy_url in page
    # Edit in sight; copying, like deleting, in the post's More menu (no copy button in the provenance box).
    menu = page[page.index('<details class="menu action-menu blog-more">'):]
    menu = menu[:menu.index("</details>")]
    assert f'href="{copy_url}"' in menu and "/delete" in menu and "/edit" not in menu and ">Edit</a>" in page
    assert 'data-testid="flow-provenance"' not in page

    chooser = text(member.get(f"/flows/copy?key=blog_post:{src}"))
    assert _option_values(chooser) == ["Agora"]  # not its own, not where they do not belong
    # A community that is not listed is refused.
    from communities.models import Community
    from sqlalchemy import select

    from collab.extensions import db

    with app.app_context():
        elsewhere = db.session.scalar(select(Community.id).where(Community.name == "Elsewhere"))
    r = member.post("/flows/copy", data={"key": f"blog_post:{src}", "community": str(elsewhere)})
    assert r.status_code == 400 and "Choose one of the communities listed." in text(r)

    draft_url = draft_path(member.post("/flows/copy", data={"key": f"blog_post:{src}", "community": str(agora.id)}))
    form = text(member.get(draft_url))
    assert 'value="Quarterly secret roadmap"' in form and "**Plan**: ship it." in form
    saved = member.post(draft_url, data={"title": "Roadmap (shared)", "body": "**Plan**: ship it.", "tags": "plans"})
    copy_url = saved.headers["Location"]
    assert re.search(rf"/c/{agora.slug}/blog/\d+$", copy_url)
    assert make.count(BlogPost) == 2

    # A reader of both sees the origin by name; the source lists the copy.
    mine = text(member.get(copy_url))
    assert "Copied from" in mine and f'href="{src_url}"' in mine and "Quarterly secret roadmap" in mine
    assert "Roadmap (shared)" in text(member.get(src_url)) and f'href="{copy_url}"' in text(member.get(src_url))
    # Someone outside the private community learns only that it came from another community.
    theirs = text(client_for(people["outsider"]).get(copy_url))
    assert "Copied from another community." in theirs
    assert "Quarterly secret roadmap" not in theirs and "Vault" not in theirs and src_url not in theirs
    assert client_for(people["outsider"]).get(f"/flows/copy?key=blog_post:{src}").status_code == 404


def test_copy_a_topic_and_the_source_lists_only_readable_copies(app, people, agora, vault, make, client_for):
    make.forum(agora, people["owner"])
    vforum = make.forum(vault, people["owner"], name="Private")
    topic = make.topic(make.forum(agora, people["owner"], name="Open"), people["member"],
                       title="Build cache tips", body="Use `--cache-from`.", tags="ci")
    member = client_for(people["member"])
    draft_url = draft_path(member.post("/flows/copy", data={"key": f"forum_topic:{topic}", "community": str(vault.id)}))
    form = text(member.get(draft_url))
    assert f'<option value="{vforum}">Private</option>' in form and 'value="ci"' in form
    saved = member.post(draft_url, data={"title": "Build cache tips (vault)", "body": "Use `--cache-from`.",
                                         "place": str(vforum), "tags": "ci"})
    copy_url = saved.headers["Location"]
    assert re.search(rf"/c/{vault.slug}/forums/t/\d+$", copy_url) and make.count(ForumTopic) == 2
    src_url = f"/c/{agora.slug}/forums/t/{topic}"
    assert "Build cache tips (vault)" in text(member.get(src_url))
    public_view = text(client_for(people["outsider"]).get(src_url))
    assert "Build cache tips (vault)" not in public_view and copy_url not in public_view and "Vault" not in public_view
    # The copy in the private community names its public origin to its readers.
    insider_view = text(client_for(people["insider"]).get(copy_url))
    assert "Copied from" in insider_view and f'href="{src_url}"' in insider_view


def test_nobody_copies_what_they_cannot_read_or_where_they_cannot_post(app, people, agora, vault, make, client_for):
    src = make.post(vault, people["owner"], "Private post")
    outsider = client_for(people["outsider"])
    assert outsider.get(f"/flows/copy?key=blog_post:{src}").status_code == 404
    assert outsider.post("/flows/copy", data={"key": f"blog_post:{src}", "community": str(agora.id)}).status_code == 404
    assert outsider.get("/flows/copy?key=nonsense").status_code == 404
    assert outsider.get("/flows/copy?key=wiki_page:1").status_code == 404  # pages are not copied
    # Someone who belongs to no other community is told so, with no form.
    public_post = make.post(agora, people["owner"], "Open post")
    page = text(outsider.get(f"/flows/copy?key=blog_post:{public_post}"))
    assert 'data-testid="no-targets"' in page and "<select" not in page
    assert "Copy to another community" not in text(outsider.get(f"/c/{agora.slug}/blog/{public_post}"))


def test_titles_and_text_stay_inert_through_every_flow(app, people, agora, vault, make, client_for, index_now):
    evil = "<img src=x onerror=alert(1)> <script>alert(2)</script>"
    src = make.post(vault, people["member"], f"Evil {evil}", body=f"[x](javascript:alert(3)) {evil}")
    make.post(agora, people["owner"], f"Evil twin {evil}", body=evil)
    member = client_for(people["member"])
    draft_url = draft_path(member.post("/flows/copy", data={"key": f"blog_post:{src}", "community": str(agora.id)}))
    form = text(member.get(draft_url))
    from tests.helpers import assert_no_active_content

    assert_no_active_content(form)
    copy_url = member.post(draft_url, data={"title": f"Copy {evil}", "body": f"[x](javascript:alert(3)) {evil}"}
                           ).headers["Location"]
    index_now()
    for url in (copy_url, f"/c/{vault.slug}/blog/{src}"):
        page = text(member.get(url))
        assert "Evil" in page and "&lt;script&gt;" in page
        assert_no_active_content(page)
