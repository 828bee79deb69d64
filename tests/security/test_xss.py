"""An XSS corpus through every text field of the foundation: none survives to a page."""
from __future__ import annotations

import pytest

from collab.text import render_inline, render_markdown
from tests.helpers import assert_no_active_content, text

CORPUS = [
    "<script>alert('x1')</script>",
    "<img src=x onerror=alert('x2')>",
    "[click](javascript:alert('x3'))",
    "[click](JaVaScRiPt:alert('x3b'))",
    "[c](  javascript:alert(1))",
    "<svg onload=alert('x4')><circle r=1 /></svg>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">d</a>",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<iframe src=javascript:alert('x5')></iframe>",
    "<scr<script>ipt>alert('x6')</script>",
    "\"><script>alert('x7')</script>",
    "'><img src=x onerror=alert(8)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(9)>",
    "<div style=\"background:url(javascript:alert(10))\">s</div>",
    "<a href=\"jav&#x09;ascript:alert(11)\">t</a>",
    "<details open ontoggle=alert(12)>",
    "<object data=\"javascript:alert(13)\"></object>",
    "<form action=javascript:alert(14)><button>go</button></form>",
    "<base href=\"javascript:alert(15)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(16)\">",
    "<!--<img src=\"--><img src=x onerror=alert(17)//\">",
    "<p title=\"</p><script>alert(18)</script>\">",
    "<a href=\"#\" onclick=\"alert(19)\">x</a>",
    "```html\n<script>alert(20)</script>\n```",
    "<<img src=x onerror=alert(21)>",
    "<input autofocus onfocus=alert(22)>",
]


@pytest.mark.parametrize("payload", CORPUS)
def test_markdown_pipeline_neutralises(payload):
    assert_no_active_content(render_markdown(payload))
    assert_no_active_content(render_inline(payload))


def test_all_foundation_text_fields(client, make_user, login, make_community, client_for):
    owner = make_user("owner")
    login(owner)
    viewer = client_for(make_user("viewer"))
    joined = "\n\n".join(CORPUS)
    one_line = " ".join(p.replace("\n", " ") for p in CORPUS)[:115]
    # Profile: every field.
    client.post("/settings/profile", data={
        "display_name": one_line[:80], "title": one_line, "department": one_line, "location": one_line,
        "expertise": one_line, "bio": joined,
    })
    # Community: name, description, tags; moderated, so a join request message too.
    r = client.post("/c/new", data={"name": one_line[:100], "description": joined, "tags": one_line,
                                    "access": "moderated", "slug": "xss-place"})
    assert r.status_code == 302, text(r)
    viewer.post("/c/xss-place/request", data={"message": one_line})
    # The invite form echoes unknown names in its error.
    r = client.post("/c/xss-place/invite", data={"people": one_line})
    assert_no_active_content(text(r))
    pages = [
        (client, "/u/owner"), (viewer, "/u/owner"), (client, "/settings/profile"), (viewer, "/people"),
        (viewer, "/people?q=%3Cscript%3E"), (client, "/c/"), (viewer, "/c/"), (viewer, "/c/xss-place/"),
        (client, "/c/xss-place/requests"), (client, "/c/xss-place/members"), (client, "/c/xss-place/settings"),
        (client, "/"), (client, "/c/?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"),
    ]
    for c, url in pages:
        r = c.get(url)
        assert r.status_code == 200, url
        assert_no_active_content(text(r))


def test_ids_are_not_user_controlled_outside_headings():
    html = render_markdown('<div id="csrf_token">x</div>\n\n# Title')
    assert 'id="csrf_token"' not in html and 'id="h-title"' in html
