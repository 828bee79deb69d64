"""Chat's Markdown-lite (collab.text.render_inline) answers plain lines without running Markdown
and the sanitiser: on every such line the quick answer must be exactly what the full pipeline
gives, and anything with markup must still go through it."""
from __future__ import annotations

import random

from collab import text

PLAIN_CHARS = "abcxyzABCXYZ0123456789éüßжя中文消息数据會議한국 .,;?'\"()/+=%-。，、；？！（）“”‘’"
# Characters that mean something to Markdown or HTML: the generator mixes them in, and any line
# the quick path accepts must still come out the same.
RISKY_CHARS = "&<>*_`[]@:~#|!\\\n\t"


def _plain_lines(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    lines = []
    while len(lines) < n:
        line = "".join(rng.choice(PLAIN_CHARS) for _ in range(rng.randint(1, 40)))
        if rng.random() < 0.3:
            at = rng.randrange(len(line) + 1)
            line = line[:at] + rng.choice(RISKY_CHARS) + line[at:]
        lines.append(line)
    return lines


def test_plain_lines_render_exactly_as_the_full_pipeline_renders_them():
    lines = _plain_lines(4500) + [
        "bench 1795415446.307901 message 12", "hello world", "trailing space ", "two  spaces inside",
        "1. not a list", "a - b -- c --- d", "x+y=z, 50% off (today)/tomorrow", "it's \"quoted\"",
        "会议改到下午三点。", "Tschüß, bis morgen", "ok ", "a  ",
    ]
    quick = [line for line in lines if text._PLAIN_INLINE.fullmatch(line)]
    assert len(quick) > 1500
    for line in quick:
        assert text.render_inline(line) == text._render_inline_markdown(line), line


def test_lines_with_markup_or_markup_like_starts_take_the_full_pipeline():
    for line in ["**bold**", "a *b* c", "snake_case", "`code`", "[x](http://e.com)", "@ana hi", "a <b> c",
                 "AT&T", "see: http://e.com", "line\nbreak", "    indented", " leading", "# title", "- item",
                 "> quote", "!", "a~b", "x|y", "a\\b", "<script>alert(1)</script>"]:
        assert not text._PLAIN_INLINE.fullmatch(line), line
    assert text.render_inline("**bold** and <script>x</script>") == "<p><strong>bold</strong> and </p>"
    assert text.render_inline("AT&T < 3") == "<p>AT&amp;T &lt; 3</p>"
    assert text.render_inline("line\nbreak") == "<p>line<br>\nbreak</p>"
