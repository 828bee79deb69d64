"""Lists of wiki pages by title (the pages with a tag, a page's backlinks) put titles where a
reader looks for them, as the people directory does: accents and letter case do not matter, and
Chinese titles sort by their pinyin among the Latin ones (部署指南 under B, 运维手册 under Y); a
renamed page moves to its new place."""
from __future__ import annotations

from tests.accounts.test_name_order import order
from tests.helpers import text
from tests.wiki.conftest import url

TITLES = ["Zoë Notes", "运维手册", "Émile Guide", "部署指南", "apple pie", "Cloud setup"]
EXPECTED = ["apple pie", "部署指南", "Cloud setup", "Émile Guide", "运维手册", "Zoë Notes"]  # a, bu, c, e, yun, z


def test_tagged_pages_and_backlinks_sort_accents_case_and_pinyin_together(community, people, client_for, wiki):
    target = wiki.create(community, people["owner"], "Target")
    author = client_for(people["member"])
    for title in TITLES:
        r = author.post(url(community, "-/new"), data={"title": title, "body": "See [[Target]].", "tags": "howto"})
        assert r.status_code == 302, title
    reader = client_for(people["other"])
    tagged = text(reader.get(url(community, "-/tags/howto")))
    assert order(tagged, TITLES, 'class="list') == EXPECTED
    page = text(reader.get(url(community, wiki.page(target).path)))
    assert order(page, TITLES, 'id="backlinks"') == EXPECTED

    # Renamed, a page moves to its new place: "Apple pie" becomes 蛋糕 (dan gao), after Cloud setup.
    pid = wiki.find(community, "apple-pie")
    assert wiki.call("rename_page", pid, people["member"], "蛋糕") is not None
    titles = [t if t != "apple pie" else "蛋糕" for t in TITLES]
    assert order(text(reader.get(url(community, "-/tags/howto"))), titles, 'class="list') == \
        ["部署指南", "Cloud setup", "蛋糕", "Émile Guide", "运维手册", "Zoë Notes"]
