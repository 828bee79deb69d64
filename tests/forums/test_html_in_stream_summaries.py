"""HTML an author typed into a reply never shows as broken markup in the stream's summary."""
from __future__ import annotations

from tests.helpers import text


def test_a_replys_html_tags_vanish_from_the_home_streams_summary_and_its_words_stay(community, people,
                                                                                     client_for, forums):
    fid = forums.forum(community, people["owner"])
    first = forums.topic(fid, people["owner"], title="Mail check")
    second = forums.topic(fid, people["owner"], title="Image check")
    forums.reply(first, people["member"], body="Email test @priya <b>bold</b> 中文")
    forums.reply(second, people["member"], body="<img src=x onerror=alert(1)>Look `<b>` here")
    home = text(client_for(people["other"]).get("/"))
    assert '<p class="stream-summary">Email test @priya bold 中文</p>' in home
    # a tag inside a code span is text the author meant to show, escaped
    assert '<p class="stream-summary">Look &lt;b&gt; here</p>' in home
    assert "&lt;b bold" not in home and "onerror" not in home and "&lt;img" not in home
