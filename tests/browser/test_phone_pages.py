"""Pages on a phone (390 px wide, and 360 px) in Debian's Chromium against the real server: nothing
makes the page scroll sideways (a wide code block or table scrolls inside its own box), and the
hint text in a filter's fields is read whole, not cut off at the field's edge."""
from __future__ import annotations

import pytest

from .conftest import create_community, no_horizontal_scroll, register, sign_in, slug_from_url

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# A community description with a code line far wider than a phone.
DESCRIPTION = """We run the shared platform.

```
git clone https://git.example.com/platform/devbox.git && cd devbox && make up
```
"""

# Placeholders of visible one-line fields wider than the room the field leaves for text.
CLIPPED_PLACEHOLDERS = """() => {
  const ctx = document.createElement('canvas').getContext('2d'); const cut = [];
  for (const el of document.querySelectorAll('main input[placeholder]')) {
    if (!el.offsetParent) continue;
    const style = getComputedStyle(el); ctx.font = style.font;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const needed = ctx.measureText(el.placeholder).width;
    if (needed > room + 1) cut.push(`${el.name}: "${el.placeholder}" needs ${Math.ceil(needed)}px, has ${Math.floor(room)}px`);
  }
  return cut;
}"""


@pytest.fixture
def admin_phone(site, new_page):
    """The site admin on a phone, owner of a new community whose description holds a code block."""
    page, watch = new_page(viewport=PHONE)
    sign_in(page, site.admin)
    create_community(page, "Platform Engineering", description=DESCRIPTION, access="public")
    return page, watch, slug_from_url(page.url)


@pytest.mark.parametrize("width", [390, 360])
def test_phone_pages_do_not_scroll_sideways(admin_phone, width):
    page, watch, slug = admin_phone
    page.set_viewport_size({"width": width, "height": 844})
    for path in (f"/c/{slug}/", "/admin/", "/admin/audit", f"/c/{slug}/settings/log", "/settings/notifications"):
        page.goto(path)
        scroll_width, inner = no_horizontal_scroll(page)
        assert scroll_width <= inner, f"{path} is {scroll_width}px wide in a {inner}px window"
    assert watch.problems() == []


def test_filter_hints_are_not_cut_off_on_a_phone(admin_phone):
    page, watch, slug = admin_phone
    for path in ("/admin/audit", f"/c/{slug}/settings/log", "/admin/users", "/admin/communities", "/people"):
        page.goto(path)
        assert page.evaluate(CLIPPED_PLACEHOLDERS) == [], path
    # The audit log's labels line up: a text field, a menu and a date field side by side on a desktop.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/audit")
    tops = page.evaluate("[...document.querySelectorAll('.audit-filters .field > label')].map(l => l.getBoundingClientRect().top)")
    assert len(tops) == 5 and len(set(tops[:4])) == 1, tops
    assert watch.problems() == []


def test_audit_entries_read_on_a_phone(admin_phone):
    """A settings change in the audit log: on the admin overview the recent actions scroll in their
    card, and in the log its before and after text keeps a readable width (not a letter a line)."""
    page, watch, slug = admin_phone
    page.goto(f"/c/{slug}/settings")
    page.fill("#description", "The people who build and run the shared platform: clusters, CI/CD and the portal.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    page.goto("/admin/")
    scroll_width, inner = no_horizontal_scroll(page)
    assert scroll_width <= inner, f"/admin/ is {scroll_width}px wide in a {inner}px window"
    page.goto("/admin/audit")
    widths = page.evaluate("[...document.querySelectorAll('.audit-changes dd')].map(d => d.getBoundingClientRect().width)")
    assert widths and min(widths) >= 120, widths
    assert watch.problems() == []


# For each <select> in the home stream's filters: the chosen option's text width and the room the box
# leaves for it (its inner width less the drop-down arrow, about 24 px in Chromium).
SELECT_ROOM = """() => [...document.querySelectorAll('.stream-filters select')].map(s => {
  const ctx = document.createElement('canvas').getContext('2d'); const style = getComputedStyle(s); ctx.font = style.font;
  const text = s.options[s.selectedIndex].text;
  return [text, Math.ceil(ctx.measureText(text).width), s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24];
})"""


@pytest.mark.parametrize("width", [390, 1280])
def test_home_stream_filters_read_whole(admin_phone, width):
    """The home stream's two filter menus show their chosen option whole, on a phone and a desktop."""
    page, watch, _ = admin_phone
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    menus = page.evaluate(SELECT_ROOM)
    assert len(menus) == 2 and all(needed <= room for _, needed, room in menus), menus
    assert watch.problems() == []


def test_admin_tables_keep_labels_on_one_line_in_chinese(site, new_page):
    """In Chinese on a phone, the People console's buttons (停用, 设为管理员, 重置密码) keep their label
    on one line, so a person's row is not a screen tall; the consoles' column headings too."""
    ana, watch = new_page(locale="zh-CN", viewport=PHONE)
    sign_in(ana, site.admin)
    bo, _ = new_page()
    register(bo, "bo-zh", "Bo Chen")
    ana.goto("/admin/users")
    one_line_headings(ana)
    heights = ana.evaluate("[...document.querySelectorAll('.admin-people td.actions .button')].map(b => b.getBoundingClientRect().height)")
    line = ana.evaluate("parseFloat(getComputedStyle(document.querySelector('.admin-people td.actions .button')).lineHeight)")
    assert heights and max(heights) < 2 * line, (heights, line)
    create_community(ana, "产品设计与用户研究 Product Design and Research Operations", access="moderated")
    ana.goto("/admin/communities")
    one_line_headings(ana)
    assert watch.problems() == []


def one_line_headings(page):
    """Each column heading of the page's scrolling table stands on one line (成员, not 成 over 员)."""
    heads = page.evaluate("""[...document.querySelectorAll('.table-wrap .table thead th')].filter(th => !th.querySelector('.visually-hidden')).map(th => {
        const r = document.createRange(); r.selectNodeContents(th);
        return [th.textContent.trim(), r.getClientRects().length > 0 ? new Set([...r.getClientRects()].map(x => Math.round(x.top))).size : 0]; })""")
    assert heads and all(lines <= 1 for _, lines in heads), heads


def test_the_current_tab_shows_on_a_phone(admin_phone):
    """A community's tabs and the admin console's sections scroll sideways on a phone; on a page
    whose tab is far to the right (Members, Audit log) that tab is in view, not scrolled off."""
    page, watch, slug = admin_phone
    for path, row in ((f"/c/{slug}/members", ".tabs"), ("/admin/audit", ".admin-nav ul")):
        page.goto(path)
        page.wait_for_load_state("load")
        tab, box = page.evaluate(f"""() => {{
            const row = document.querySelector("{row}");
            const r = row.querySelector("[aria-current='page']").getBoundingClientRect(), b = row.getBoundingClientRect();
            return [[r.left, r.right], [b.left, b.right]]; }}""")
        assert box[0] <= tab[0] and tab[1] <= box[1], (path, tab, box)
    assert watch.problems() == []


def test_wiki_history_summaries_read_on_a_phone(admin_phone):
    """A wiki page's history on a phone: an edit summary keeps a readable width (the table scrolls
    sideways in its card) instead of standing a word a line in a row five lines tall."""
    page, watch, slug = admin_phone
    home_in_two_revisions(page, slug)
    page.goto(f"/c/{slug}/wiki/home/-/history")
    cell = page.locator(".wiki-history td.wiki-change", has_text="Longer canary watch")
    assert cell.bounding_box()["width"] >= 150, cell.bounding_box()
    scroll_width, inner = no_horizontal_scroll(page)
    assert scroll_width <= inner
    assert watch.problems() == []


def home_in_two_revisions(page, slug):
    """The community's wiki Home page, written, then edited with a summary."""
    page.goto(f"/c/{slug}/wiki/-/new?title=Home")
    page.fill("#body", "The handbook.")
    with page.expect_navigation():
        page.locator("form.wiki-editor button[value=save]").click()
    page.goto(f"/c/{slug}/wiki/home/-/edit")
    page.fill("#body", "The platform handbook.")
    page.fill("#summary", "Longer canary watch before the release")
    with page.expect_navigation():
        page.locator("form.wiki-editor button[value=save]").click()


# Each field of the diff form: its label's text and the field, their vertical middles; and the button's height.
DIFF_FORM = """() => [...document.querySelectorAll('.diff-pick input[type=number]')].map(input => {
  const label = input.labels[0], words = document.createRange();
  words.selectNodeContents([...label.childNodes].find(n => n.nodeType === 3 && n.textContent.trim()));
  const w = words.getBoundingClientRect(), f = input.getBoundingClientRect();
  return [label.textContent.trim(), Math.round(w.top + w.height / 2), Math.round(f.top + f.height / 2), f.height,
          document.querySelector('.diff-pick button').getBoundingClientRect().height];
})"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_wiki_diff_form_keeps_each_label_by_its_field(admin_phone, width):
    """Choosing two revisions to compare: "From revision [1]" and "to revision [2]" each stay on
    one line (on a phone the form wraps between them, not between a label and its field), and the
    Compare button is as tall as the fields."""
    page, watch, slug = admin_phone
    page.set_viewport_size({"width": width, "height": 844})
    home_in_two_revisions(page, slug)
    for view in ("", "&view=inline"):
        page.goto(f"/c/{slug}/wiki/home/-/diff?from=1&to=2{view}")
        fields = page.evaluate(DIFF_FORM)
        assert len(fields) == 2, fields
        assert all(abs(words - field) <= 3 for _, words, field, _, _ in fields), fields  # on the field's line
        assert all(abs(button - height) < 1 for *_, height, button in fields), fields
        scroll_width, inner = no_horizontal_scroll(page)
        assert scroll_width <= inner
    assert watch.problems() == []


# Menus and text fields on one line of a form (their tops within 2 px): their heights.
BESIDE = """() => {
  const shown = [...document.querySelectorAll('main select, main input[type=text], main input[type=search], main input[type=number], main input:not([type])')].filter(e => e.offsetParent);
  return shown.filter(s => s.tagName === 'SELECT').flatMap(s => shown.filter(t => t.tagName === 'INPUT' && Math.abs(t.getBoundingClientRect().top - s.getBoundingClientRect().top) <= 2)
    .map(t => [s.name, Math.round(s.getBoundingClientRect().height * 10) / 10, t.name, Math.round(t.getBoundingClientRect().height * 10) / 10]));
}"""


def test_menus_are_as_tall_as_the_text_fields_beside_them(admin_phone):
    """A menu beside a text field (a new wiki page's parent beside its title, the mail server's
    encryption beside its host and port) is as tall as the field, not 3 px shorter."""
    page, watch, slug = admin_phone
    page.set_viewport_size({"width": 1280, "height": 800})
    for path, pairs in ((f"/c/{slug}/wiki/-/new", 1), ("/admin/settings", 2), ("/people", 1)):
        page.goto(path)
        beside = page.evaluate(BESIDE)
        assert len(beside) >= pairs, (path, beside)
        assert all(abs(menu - field) < 1 for _, menu, _, field in beside), (path, beside)
    assert watch.problems() == []


def test_a_hint_too_long_for_a_small_phone_ends_in_an_ellipsis(admin_phone):
    """On a 320 px phone the top bar's search hint does not fit: it ends in '…' rather than being
    cut in the middle of a letter."""
    page, watch, _ = admin_phone
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/")
    box = page.locator(".navsearch input")
    cut = page.evaluate(CLIPPED_PLACEHOLDERS.replace("main input[placeholder]", ".navsearch input[placeholder]"))
    assert cut, "the hint fits a 320 px phone now: this test has nothing to check"
    assert box.evaluate("el => getComputedStyle(el).textOverflow") == "ellipsis"
    assert watch.problems() == []


def test_links_standing_alone_are_big_enough_to_tap(admin_phone):
    """On a phone, the links under the chat's room list (Add a room, All conversations) and the
    insights' CSV links are at least 24 px tall, not a 16 px line of small text."""
    page, watch, slug = admin_phone
    for path, links in ((f"/c/{slug}/chat/general", ".chat-side > a"), ("/admin/analytics", "a.csv")):
        page.goto(path)
        heights = page.eval_on_selector_all(links, "els => els.map(e => [e.textContent.trim(), e.getBoundingClientRect().height])")
        assert heights and all(height >= 24 for _, height in heights), (path, heights)
    assert watch.problems() == []


def test_a_members_pages_do_not_scroll_sideways_in_chinese(site, new_page):
    """Every main page a member meets, in Chinese on a phone: none scrolls sideways."""
    page, watch = new_page(locale="zh-CN", viewport=PHONE)
    sign_in(page, site.admin)
    create_community(page, "平台工程 Platform Engineering", description=DESCRIPTION, access="public")
    slug = slug_from_url(page.url)
    home_in_two_revisions(page, slug)
    c = f"/c/{slug}"
    for path in ("/", "/c/", f"{c}/", f"{c}/members", f"{c}/wiki/home", f"{c}/wiki/home/-/history",
                 f"{c}/wiki/home/-/diff?from=1&to=2", f"{c}/wiki/home/-/edit", f"{c}/blog/", f"{c}/blog/new",
                 f"{c}/forums/", f"{c}/chat/general", "/search?q=平台", "/notifications", f"/u/{site.admin}",
                 "/settings/profile", "/people", "/admin/users"):
        page.goto(path)
        scroll_width, inner = no_horizontal_scroll(page)
        assert scroll_width <= inner, f"{path} is {scroll_width}px wide in a {inner}px window"
    assert watch.problems() == []
