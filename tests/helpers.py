"""Assertions shared by the tests."""
from __future__ import annotations

from html.parser import HTMLParser

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "base", "form", "meta", "link", "frame"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcset", "data", "poster"}


class _ActiveContent(HTMLParser):
    """Collects anything in a page that could run script, ignoring the layout's own assets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in DANGEROUS_TAGS:
            own_asset = (
                (tag == "script" and (attrs.get("src") or "").startswith("/static/"))
                or (tag == "link" and (attrs.get("href") or "").startswith("/static/"))
                or (tag == "meta" and set(attrs) <= {"charset", "name", "content"} and attrs.get("name") in (None, "viewport"))
                or (tag == "form" and (attrs.get("action") or "/").startswith("/"))
                or (tag == "svg" and attrs.get("aria-hidden") == "true" and set(attrs) <= {"aria-hidden", "width", "height", "viewbox"})
            )
            if not own_asset:
                self.problems.append(f"<{tag} {attrs}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRS and value:
                v = "".join(value.split()).lower()
                if v.startswith(("javascript:", "vbscript:", "data:text", "data:image/svg")):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and value:
                self.problems.append(f"<{tag} style={value!r}>")


def assert_no_active_content(html: str) -> None:
    parser = _ActiveContent()
    parser.feed(html)
    assert not parser.problems, f"active content reached the page: {parser.problems[:5]}"


def text(response) -> str:
    return response.get_data(as_text=True)
