"""Full-page screenshots of the insights pages, for looking at the design.

    .venv/bin/python tests/browser/analytics_screenshots.py OUTDIR

Builds a fresh instance with a community and six weeks of history (people, forum questions and
replies, likes, page views written through collab.analytics' flush code, searches that found
nothing), rolls it up, starts ``collab serve`` on it and saves insights-*.png (the community's
page and the site's, English and Chinese, desktop and phone; an empty community too) in OUTDIR.
"""
from __future__ import annotations

import os
import random
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from shots import DESKTOP, PASSWORD, PHONE, cli, shooter

QUESTIONS = ["How do I roll back a failed deploy?", "数据库连接池应该设置多大？", "Why does the build cache miss?",
             "如何申请生产环境权限？", "Where are the on-call runbooks?", "Can we pin the Node version?"]


def seed(instance: Path) -> str:
    os.environ["COLLAB_INSTANCE_PATH"] = str(instance)
    os.environ["COLLAB_NO_INDEXER"] = "1"
    from flask_migrate import upgrade
    from sqlalchemy import update

    from collab.accounts.services import create_user
    from collab.activity.models import Event
    from collab.analytics import recorder as rec
    from collab.analytics.rollup import close_visitors, roll_up
    from collab.app import create_app
    from collab.db import utcnow, write_intent
    from collab.extensions import db
    from collab.search import misses
    from communities import services as communities
    from forums import services as forums
    from forums.models import ForumTopic

    rng = random.Random(7)
    app = create_app()
    with app.app_context():
        upgrade()
    today = utcnow().date()
    with app.test_request_context("/", method="POST"):
        admin = create_user("ana", "ana@example.com", PASSWORD, display_name="Ana Lima")
        admin.is_admin = True
        names = [("bo", "陈博 Bo Chen"), ("chris", "Chris Park"), ("dana", "Dana Ito"), ("wang", "王芳"),
                 ("eli", "Eli Novak"), ("fatima", "Fatima Khan")]
        people = [create_user(u, f"{u}@example.com", PASSWORD, display_name=d) for u, d in names]
        db.session.commit()
        c = communities.create_community(admin, name="Platform Engineering", access_level="public",
                                         description="Deployments and on-call.")
        communities.create_community(admin, name="Quiet Corner", access_level="public")
        for p in people:
            communities._add_member(c, p)
        db.session.commit()
        forum = forums.create_forum(c, admin, name="Help")
        db.session.commit()
        made = []
        for i in range(40):
            author = rng.choice(people)
            title = QUESTIONS[i % len(QUESTIONS)] + ("" if i < len(QUESTIONS) else f" ({i})")
            t = forums.create_topic(forum, author, title=title, body="Details.", is_question=i % 3 != 2)
            db.session.commit()
            replies = []
            for _ in range(rng.randint(0, 4)):
                replies.append(forums.reply(t, rng.choice([p for p in people if p.id != author.id] + [admin]),
                                            body="Try the runbook."))
                db.session.commit()
            if replies and t.is_question and rng.random() < 0.6:
                forums.accept(t, replies[0], author)
                db.session.commit()
            if replies and rng.random() < 0.5:
                forums.toggle_like(replies[0], rng.choice([p for p in people if p.id != replies[0].author_id]))
                db.session.commit()
            made.append(t.id)
        # Spread the history over six weeks.
        for tid in made:
            created = datetime.combine(today - timedelta(days=rng.randint(0, 41)), time(rng.randint(7, 18)), UTC)
            topic = db.session.get(ForumTopic, tid)
            db.session.execute(update(ForumTopic).where(ForumTopic.id == tid).values(
                created_at=created, first_reply_at=created + timedelta(minutes=rng.randint(20, 900))
                if topic.first_reply_at else None,
                answered_at=created + timedelta(hours=rng.randint(20, 60)) if topic.answered_at else None))
            db.session.execute(update(Event).where(Event.group_key == f"forum_topic:{tid}").values(
                created_at=created + timedelta(hours=rng.randint(0, 30))))
            db.session.execute(update(Event).where(Event.key == f"forum_topic:{tid}").values(created_at=created))
        db.session.execute(update(Event).where(Event.verb == "liked").values(
            created_at=datetime.combine(today - timedelta(days=rng.randint(0, 30)), time(12), UTC)))
        db.session.commit()
        readers = [p.id for p in people] + [admin.id] + list(range(1000, 1040))
        for d in range(41, -1, -1):
            day = today - timedelta(days=d)
            n = rng.randint(60, 140) if day.weekday() < 5 else rng.randint(15, 40)
            picks = rng.choices(made, weights=[1 / (i + 1) for i in range(len(made))], k=n)
            views = Counter((day, f"forum_topic:{t}", c.id) for t in picks)
            views[(day, f"community:{c.id}", c.id)] += n // 4
            visitors = {(day, c.id, f"u{rng.choice(readers)}") for _ in range(n // 3)}
            with write_intent():
                rec._write(views, visitors)
                misses.write(Counter({(day, c.id, q): 1 for q in rng.sample(
                    ["kubernetes quota", "vpn 证书", "gpu nodes", "sso logout", "报销流程"], 2)}))
                db.session.commit()
        with write_intent():
            close_visitors(utcnow())
            db.session.commit()
        slug = c.slug
    roll_up(app, now=utcnow() + timedelta(minutes=1))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return slug


def run(outdir: str) -> int:
    with shooter(outdir, prefix="insights-", seed=seed) as s:
        slug = s.seeded
        for locale, tag in (("en-US", "en"), ("zh-CN", "zh")):
            for viewport, vtag in ((DESKTOP, ""), (PHONE, "-phone")):
                page = s.signed_in("ana", locale=locale, viewport=viewport)
                pages = [("community", f"/c/{slug}/insights")]
                if not vtag:
                    pages += [("site-year", "/admin/analytics?days=365"), ("empty", "/c/quiet-corner/insights")]
                for name, path in pages:
                    s.shoot(page, f"{name}-{tag}{vtag}", path)
    return 0


if __name__ == "__main__":
    cli(run, __doc__, default="/tmp/collab-insights-shots")
