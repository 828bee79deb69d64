"""The one text pipeline: Markdown source -> sanitised HTML, plus mention extraction.

Every user-written body goes through ``render_markdown``; chat uses ``render_inline``.
Titles and other short fields are plain text and are escaped by Jinja, never rendered.
"""
from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from xml.etree import ElementTree as etree

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markupsafe import Markup
from unidecode import unidecode

MENTION_RE = r"(?<![\w@/])@([A-Za-z0-9_][A-Za-z0-9_.-]{0,38}[A-Za-z0-9_]|[A-Za-z0-9_])"
WIKILINK_RE = r"\[\[([^\]\|\n]{1,200})(?:\|([^\]\n]{1,200}))?\]\]"

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "title"},
    **{f"h{n}": {"id", "class", "title"} for n in range(1, 7)},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "input": {"type", "checked", "disabled"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# Resolvers let higher layers turn @name and [[Page]] into links without the kernel knowing them.
MentionResolver = Callable[[str], "str | None"]  # username -> profile URL, or None if no such user
WikiLinkResolver = Callable[[str], "tuple[str, bool]"]  # title -> (url, exists)


class _Resolvers(threading.local):
    mention: MentionResolver | None = None
    wikilink: WikiLinkResolver | None = None


_resolvers = _Resolvers()


class _MentionPattern(InlineProcessor):
    def handleMatch(self, m, data):  # noqa: N802 (Markdown's API)
        name = m.group(1)
        resolve = _resolvers.mention
        url = resolve(name) if resolve else None
        if not url:
            return None, None, None
        el = etree.Element("a")
        el.set("href", url)
        el.set("class", "mention")
        el.text = "@" + name
        return el, m.start(0), m.end(0)


class _WikiLinkPattern(InlineProcessor):
    def handleMatch(self, m, data):  # noqa: N802
        target = m.group(1).strip()
        label = (m.group(2) or target).strip()
        resolve = _resolvers.wikilink
        if not resolve or not target:
            return None, None, None
        url, exists = resolve(target)
        el = etree.Element("a")
        el.set("href", url)
        el.set("class", "wikilink" if exists else "wikilink missing")
        el.text = label
        return el, m.start(0), m.end(0)


class _CollabExtension(markdown.Extension):
    def extendMarkdown(self, md):  # noqa: N802
        md.inlinePatterns.register(_MentionPattern(MENTION_RE, md), "collab_mention", 165)
        md.inlinePatterns.register(_WikiLinkPattern(WIKILINK_RE, md), "collab_wikilink", 175)


class _TaskListTreeprocessor(markdown.treeprocessors.Treeprocessor):
    """GitHub-style task lists: "- [ ] todo" and "- [x] done"."""

    def run(self, root):
        for li in root.iter("li"):
            target = li[0] if len(li) and li[0].tag == "p" else li
            text = target.text or ""
            if text.startswith(("[ ] ", "[x] ", "[X] ")):
                box = etree.Element("input")
                box.set("type", "checkbox")
                box.set("disabled", "disabled")
                if text[1] in "xX":
                    box.set("checked", "checked")
                box.tail = " " + text[4:]
                target.text = ""
                target.insert(0, box)
                li.set("class", "task")


class _TaskListExtension(markdown.Extension):
    def extendMarkdown(self, md):  # noqa: N802
        md.treeprocessors.register(_TaskListTreeprocessor(md), "collab_tasklist", 1)


class _Local(threading.local):
    full: markdown.Markdown | None = None
    inline: markdown.Markdown | None = None


_local = _Local()


def _full_md() -> markdown.Markdown:
    if _local.full is None:
        _local.full = markdown.Markdown(
            extensions=[
                "fenced_code", "tables", "sane_lists", "toc", "codehilite", "def_list", "abbr",
                _TaskListExtension(), _CollabExtension(),
            ],
            extension_configs={
                "codehilite": {"guess_lang": False, "css_class": "highlight"},
                "toc": {"permalink": False, "slugify": _slugify_heading},
            },
            output_format="html",
        )
    return _local.full


def _inline_md() -> markdown.Markdown:
    if _local.inline is None:
        md = markdown.Markdown(extensions=["sane_lists", "nl2br", _CollabExtension()], output_format="html")
        # Chat is Markdown-lite: no headings, block quotes, lists, rules, images or tables.
        for name in ("hashheader", "setextheader", "hr", "olist", "ulist", "quote"):
            if name in md.parser.blockprocessors:
                md.parser.blockprocessors.deregister(name)
        if "image_link" in md.inlinePatterns:
            md.inlinePatterns.deregister("image_link")
            md.inlinePatterns.deregister("image_reference")
        _local.inline = md
    return _local.inline


def _slugify_heading(value: str, separator: str) -> str:
    value = re.sub(r"[^\w\s-]", "", value, flags=re.UNICODE).strip().lower()
    return "h-" + re.sub(r"[\s_-]+", separator, value)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(
    source: str | None,
    *,
    mention: MentionResolver | None = None,
    wikilink: WikiLinkResolver | None = None,
) -> str:
    """Markdown -> sanitised HTML (a str ready to store in a *_html column)."""
    if not source:
        return ""
    md = _full_md()
    _resolvers.mention, _resolvers.wikilink = mention, wikilink
    try:
        html = md.reset().convert(source)
    finally:
        _resolvers.mention = _resolvers.wikilink = None
    return sanitize_html(html)


# A chat line of letters, digits, single spaces and plain punctuation has nothing Markdown, the
# mention links or the sanitiser could act on: it is its own HTML. Most chat lines are like this
# and skip both passes (about a tenth of a chat send's CPU); tests/core/test_text_inline.py checks
# that the two ways agree on thousands of such lines.
_PLAIN_INLINE = re.compile(r"[^\W_](?:[^\W_]|[ .,;?'\"()/+=%\-。，、；？！（）“”‘’])*")


def render_inline(source: str | None, *, mention: MentionResolver | None = None) -> str:
    """Markdown-lite for chat: bold, italic, code, links, line breaks."""
    if not source:
        return ""
    if _PLAIN_INLINE.fullmatch(source):
        return f"<p>{source}</p>"
    return _render_inline_markdown(source, mention=mention)


def _render_inline_markdown(source: str, *, mention: MentionResolver | None = None) -> str:
    md = _inline_md()
    _resolvers.mention = mention
    try:
        html = md.reset().convert(source)
    finally:
        _resolvers.mention = None
    return sanitize_html(html)


def extract_mentions(source: str | None) -> set[str]:
    """Usernames mentioned as @name outside code spans and fenced blocks."""
    if not source:
        return set()
    text = re.sub(r"```.*?```|`[^`\n]*`", " ", source, flags=re.S)
    return {m.lower() for m in re.findall(MENTION_RE, text)}


def extract_wikilinks(source: str | None) -> list[str]:
    if not source:
        return []
    text = re.sub(r"```.*?```|`[^`\n]*`", " ", source, flags=re.S)
    seen: dict[str, None] = {}
    for m in re.finditer(WIKILINK_RE, text):
        seen.setdefault(m.group(1).strip(), None)
    return list(seen)


def safe(html: str | None) -> Markup:
    """Mark HTML that came out of this module as safe for Jinja."""
    return Markup(html or "")


_CJK_CHARS = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_BLOCK_TAGS = ("address|article|aside|blockquote|br|dd|details|div|dl|dt|figcaption|figure|footer|h[1-6]|"
               "header|hr|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|tr|ul")
_EXCERPT_STEPS = (
    (re.compile(r"```.*?```", re.S), " "),
    # HTML written into the Markdown goes, its text stays ("a <b>bold</b> word" reads "a bold
    # word"); script and style go with their content, as the renderer's sanitiser drops them. A
    # tag inside a code span is text the author meant to show, and stays.
    (re.compile(r"(`[^`\n]*`)|<(script|style)\b[^>]*>.*?</\2\s*>|<!--.*?(?:-->|$)", re.S | re.I),
     lambda m: m.group(1) or " "),
    (re.compile(rf"(`[^`\n]*`)|(</?(?:{_BLOCK_TAGS})\b[^<>]*>)|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.I),
     lambda m: m.group(1) or (" " if m.group(2) else "")),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), " "),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    # A block (paragraph, heading, list item, quote) that ends without punctuation is set apart
    # from the next one: "Steps · Build · Canary", not "Steps Build Canary".
    (re.compile(r"(?<=[^\s.!?:;,。！？：；，、…])[ \t]*\n(?:(?:[ \t]*\n)+(?=[ \t]*\S)|"
                r"(?=[ \t]*(?:#{1,6}|>+|[-*+]|\d+[.)])[ \t]+))"), " ·\n"),
    (re.compile(r"^[ \t]*(?:>[ \t]*)+", re.M), " "),  # quotes, nested ones too
    (re.compile(r"^[ \t]*(?:#{1,6}|[-*+]|\d+[.)])[ \t]+", re.M), " "),  # headings, list items
    # Emphasis, strike-through and code: the words stay, the marks go without leaving a gap
    # ("Ships **things**." reads "Ships things."); underscores inside a word (snake_case) stay.
    (re.compile(r"(\*{1,3}|~~|`)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<!\w)(_{1,3})(?=\S)(.+?)(?<=\S)\1(?!\w)"), r"\2"),
    (re.compile(r"<((?:https?|mailto|ftp):[^<>\s]+|[^<>\s@]+@[^<>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"[#*`~|]+|-{3,}|(?<!\w)_+|_+(?!\w)"), " "),  # what is left of the markup
    # Chinese and Japanese put no space between lines: lines and paragraphs join as "发布流程。灰度发布",
    # not "发布流程。 灰度发布" (a space the author typed stays, and so does one beside Latin words).
    (re.compile(f"(?<=[{_CJK_CHARS}])[ \t]*\n\\s*(?=[{_CJK_CHARS}])"), ""),
    (re.compile(r"\s+"), " "),
)


def plain_excerpt(source: str | None, length: int = 200) -> str:
    """A short plain-text excerpt of Markdown source, for lists and previews."""
    if not source:
        return ""
    return _excerpt(source[: length * 4 + 400], length)  # never scan a whole long page


@functools.lru_cache(maxsize=4096)
def _excerpt(text: str, length: int) -> str:
    for pattern, replacement in _EXCERPT_STEPS:
        text = pattern.sub(replacement, text)
    text = text.strip()
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def word_list(items) -> str:
    """Several names as one phrase in the reader's language: "a, b, and c" or "a、b和c"."""
    from babel.lists import format_list
    from flask_babel import get_locale

    return format_list([str(item) for item in items], style="standard", locale=get_locale() or "en")


SORT_KEY_LENGTH = 200


def sort_key(name: str | None) -> str:
    """Where a name goes in an alphabetical list: letters without accents and in one case, and
    Chinese by its pinyin (unidecode: 张伟 -> "zhang wei"), so 'adam', 'Émile', '李娜' (li) and
    'Zoë' come in the order a reader of either language expects, as a phone's contact list does.
    SQL cannot compute it (lower() folds ASCII only on SQLite, and code points put every Chinese
    name after every Latin one, in no order a reader knows): it is stored beside the name
    (``users.sort_name``, ``communities.sort_name``) and lists order by it."""
    return " ".join(unidecode(name or "").split()).casefold()[:SORT_KEY_LENGTH]


def sort_key_default(column: str, fallback: str | None = None):
    """A column default that fills a sort key from the inserted row's ``column`` (or
    ``fallback`` when that is empty), for inserts that bypass the model's validators (bulk
    inserts of Core rows)."""
    def default(context) -> str:
        params = context.get_current_parameters()
        return sort_key(params.get(column) or (params.get(fallback) if fallback else None))
    return default
