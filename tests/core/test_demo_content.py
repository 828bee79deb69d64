"""`collab demo` fills the tools too: what a newcomer finds in the wiki, forums, blog and chat of
the demo communities, in English and Chinese, with restricted content kept to members, and a
stream that reads as weeks of activity. One demo is loaded per module (and backend) and read
through the HTTP client."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from collab.activity.models import Event, Notification
from collab.app import create_app
from collab.chat.models import ChatMessage
from collab import config
from collab.demo import load_demo
from collab.extensions import db
from collab.search import flush
from forums.models import ForumPost, ForumTopic
from blogs.models import BlogComment, BlogPost
from tests.conftest import BACKENDS, PG_URL, _reset_postgres
from tests.helpers import text
from wiki.models import WikiPage, WikiRevision

PASSWORD = "demo-content-42"


@pytest.fixture(scope="module", params=BACKENDS)
def demo_app(request, tmp_path_factory):
    settings = config.TestConfig(tmp_path_factory.mktemp("demo") / "instance", PG_URL if request.param == "postgresql" else None)
    app = create_app(settings)
    if request.param == "postgresql":
        _reset_postgres(app)
    with app.app_context():
        db.create_all()
        app.summary = load_demo(PASSWORD)
        flush()
    yield app
    app.extensions["collab_search"].close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def sign_in(demo_app):
    clients = {}

    def do(username: str):
        if username not in clients:
            c = demo_app.test_client()
            r = c.post("/login", data={"login": username, "password": PASSWORD})
            assert r.status_code == 302, username
            clients[username] = c
        return clients[username]

    return do


def _visible(page: str) -> str:
    """The words on a page: tags (highlighting marks too) taken out."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)))


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Event, Notification, WikiPage, WikiRevision, ForumTopic, ForumPost, BlogPost, BlogComment,
                      ChatMessage)}


def test_summary_says_what_the_tools_hold(demo_app):
    assert re.search(r"written in them over the last four weeks: blog in \d, chat in \d+, forums in \d, wiki in \d",
                     demo_app.summary)


def test_wiki_has_a_tree_with_history_links_tables_and_code(sign_in):
    priya = sign_in("priya")  # a member of neither: a public community's wiki is open to everyone
    home = text(priya.get("/c/platform-engineering/wiki/"))
    assert "Platform Engineering wiki" in home and 'href="/c/platform-engineering/wiki/runbooks"' in home
    page = text(priya.get("/c/platform-engineering/wiki/runbooks/deploying-a-service"))
    assert "<table>" in page and "<pre>" in page and "Roll back at once" in page
    assert ">ci/cd<" in page  # its tags
    history = _visible(text(priya.get("/c/platform-engineering/wiki/runbooks/deploying-a-service/-/history")))
    for author, summary in (("Tom Becker", "First draft"), ("Ana Lima", "Commands and the environments table"),
                            ("刘洋", "Rollback step")):
        assert author in history and summary in history
    # [[links]] between pages show as backlinks on the page they name.
    incident = _visible(text(priya.get("/c/platform-engineering/wiki/runbooks/incident-response")))
    assert "Pages that link here" in incident and "Deploying a service" in incident.split("Pages that link here")[1]


def test_forums_have_an_accepted_answer_an_open_question_and_likes(sign_in):
    ana = sign_in("ana")
    index = text(ana.get("/c/platform-engineering/forums/"))
    forum = re.search(r'href="(/c/platform-engineering/forums/f/\d+)"[^>]*>Help and questions', index)[1]
    listing = text(ana.get(forum))
    assert "Kafka consumer lag alerts fire during every deploy" in listing
    unanswered = text(ana.get(forum + "?show=unanswered"))
    assert "Can we run CI on ARM runners?" in unanswered and "staging namespace" not in unanswered
    topic = re.search(r'href="(/c/platform-engineering/forums/t/\d+)[^"]*"[^>]*>How do I get a staging namespace',
                      listing)[1]
    page = text(ana.get(topic))
    assert "✓ Accepted answer by Tom Becker" in page and "namespaces.yaml" in page
    assert re.search(r'aria-pressed="true">♥ Liked <span class="forum-like-count">2</span>', page)  # Ana liked it too


def test_blog_post_has_comments_and_likes(sign_in):
    ana = sign_in("ana")
    blog = text(ana.get("/c/all-hands/blog/"))
    assert re.search(r"\d+ likes · 3 comments", _visible(blog))
    post = re.search(r'href="(/c/all-hands/blog/[^"]+)"[^>]*>Town hall: what we heard', blog)[1]
    page = _visible(text(ana.get(post)))
    assert "Hiring" in page and "The recording is on the HR page too." in page and "谢谢！关于出差预算" in page


def test_chat_room_history_has_several_people_and_a_mention(sign_in):
    ana = sign_in("ana")
    history = _visible(text(ana.get("/c/platform-engineering/chat/general/history")))
    for name in ("Tom Becker", "刘洋", "Rahul Sharma", "李伟", "Ana Lima"):
        assert name in history
    notifications = _visible(text(ana.get("/notifications")))
    assert "李伟" in notifications and "#general" in notifications


def test_a_chinese_community_writes_chinese(sign_in):
    wangfang = sign_in("wangfang")
    wiki = _visible(text(wangfang.get("/c/product-design/wiki/")))
    assert "产品设计 Wiki" in wiki and "Lotus 设计系统" in wiki
    forums = _visible(text(wangfang.get("/c/product-design/forums/")))
    assert "需求与设计讨论" in forums
    blog = _visible(text(wangfang.get("/c/product-design/blog/")))
    assert "2025 上半年产品复盘" in blog
    chat = _visible(text(wangfang.get("/c/product-design/chat/general/history")))
    assert "大家好，新版按钮组件的设计稿" in chat


def test_restricted_content_stays_with_members(demo_app, sign_in):
    outsider, member = sign_in("priya"), sign_in("lukas")
    for path in ("/c/security-champions/wiki/threat-model-template", "/c/security-champions/forums/",
                 "/c/security-champions/chat/general/history", "/c/security-champions/blog/"):
        assert outsider.get(path).status_code == 404, path
    assert member.get("/c/security-champions/wiki/threat-model-template").status_code == 200
    assert "Threat model template" not in _visible(text(outsider.get("/search?q=STRIDE")))
    assert "Threat model template" in _visible(text(member.get("/search?q=STRIDE")))
    # Public content is found by everyone, Chinese too.
    assert "Deploying a service" in _visible(text(outsider.get("/search?q=rollback")))
    assert "Lotus 设计系统" in _visible(text(outsider.get("/search?q=设计系统")))


def test_home_stream_reads_as_weeks_of_activity(demo_app, sign_in):
    home = _visible(text(sign_in("wangfang").get("/")))
    assert "2025 上半年产品复盘" in home and "Town hall" in home
    with demo_app.app_context():
        times = db.session.scalars(select(Event.created_at).order_by(Event.id.desc()).limit(150)).all()
    # Newest first by id (as the stream pages), over weeks: not all "just now".
    recent = [t for t in times if t > times[0] - timedelta(days=30)]
    assert recent == sorted(recent, reverse=True) and len(recent) > 60
    assert recent[0] - recent[-1] > timedelta(days=21)


def test_loading_again_changes_nothing(demo_app):
    with demo_app.app_context():
        before = _counts()
        assert "demo data is loaded already" in load_demo("another-password")
        assert _counts() == before
