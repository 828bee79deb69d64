"""Generate a realistic data set into a fresh collab instance, for the benchmarks.

    .venv/bin/python bench/datagen.py --instance /tmp/collab-bench [--users 5000 --communities 300 --seed 1]

Creates the instance folder (COLLAB_INSTANCE_PATH), applies the migrations, then bulk-inserts
people (English and Chinese names, titles, departments), communities (public / moderated /
restricted about 60/25/15 %, English and Chinese names, Markdown descriptions, tags), and
memberships whose community sizes follow a Zipf-like long tail (a few communities with
thousands of members, most with 5-50). Every community has one owner, some have moderators, and
``Community.member_count`` equals the number of memberships.

A known account is always there: username ``bench``, password ``bench-password``, a member of a
handful of communities (owner of one, moderator of one, member of a restricted one and of the
biggest ones). Every other account has the same password too (one scrypt hash is reused: hashing
5,000 passwords would take minutes).

With DATABASE_URL set (e.g. PostgreSQL) the data goes there; the instance folder then holds
only the secret key. ``--force`` empties an existing database first.
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH_USERNAME = "bench"
BENCH_PASSWORD = "bench-password"
ACCESS_WEIGHTS = (("public", 60), ("moderated", 25), ("restricted", 15))

EN_FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Betty Mark "
    "Sandra Steven Ashley Andrew Emily Joshua Michelle Kevin Amanda Brian Melissa George Stephanie "
    "Oliver Amelia Noah Olivia Liam Sophia Lucas Isabella Ethan Mia Priya Arjun Fatima Omar Hannah "
    "Lukas Sofia Mateo Chloe Aisha Kenji Yuki Anna Erik Ingrid Pierre Camille Diego Lucia"
).split()
EN_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis "
    "Robinson Walker Young Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell "
    "Roberts Carter Phillips Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers "
    "Patel Sharma Khan Nguyen Kim Tanaka Sato Schmidt Muller Dubois Rossi Silva Novak Larsen OBrien"
).split()
ZH_SURNAMES = (
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 "
    "潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 欧阳 司马"
).split()
ZH_GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 晨 浩 宇 轩 欣怡 子涵 梓萱 "
    "思远 嘉怡 俊杰 雨桐 一鸣 晓东 文博 佳琪 志强 海燕 建华 雪 婷 鹏 博文 天佑 若曦 紫涵 浩然 诗雨"
).split()
EN_TITLES = (
    "Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager",
    "Product Manager", "Senior Product Manager", "UX Designer", "Data Scientist", "Data Engineer",
    "QA Engineer", "Site Reliability Engineer", "Security Analyst", "Technical Writer",
    "Account Executive", "Customer Success Manager", "Sales Engineer", "Marketing Specialist",
    "HR Business Partner", "Recruiter", "Financial Analyst", "Legal Counsel", "Office Manager",
    "Director of Engineering", "VP Product", "Support Specialist", "Solutions Architect",
)
ZH_TITLES = (
    "软件工程师", "高级软件工程师", "产品经理", "交互设计师", "数据分析师", "测试工程师", "运维工程师",
    "市场专员", "人力资源经理", "财务分析师", "销售经理", "技术支持工程师", "架构师",
)
EN_DEPARTMENTS = (
    "Engineering", "Product", "Design", "Data & Analytics", "Infrastructure", "Security", "Sales",
    "Marketing", "Customer Success", "Finance", "Legal", "People", "Operations", "Research",
)
ZH_DEPARTMENTS = (
    "研发中心", "产品部", "设计部", "数据部", "市场部", "销售部", "人力资源部", "财务部", "客户服务部",
)
EN_LOCATIONS = (
    "London", "New York", "San Francisco", "Berlin", "Paris", "Singapore", "Tokyo", "Sydney",
    "Toronto", "Dublin", "Bangalore", "Remote",
)
ZH_LOCATIONS = ("上海", "北京", "深圳", "杭州", "成都", "广州", "香港",
)
EXPERTISE = (
    "python", "go", "rust", "kubernetes", "postgresql", "react", "typescript", "machine learning",
    "statistics", "ux research", "accessibility", "security", "negotiation", "public speaking",
    "agile", "sql", "excel", "design systems", "cloud", "observability", "数据分析", "产品设计",
    "项目管理", "前端", "后端", "运维", "机器学习", "用户研究", "写作", "翻译",
)
BIOS = (
    "", "", "",
    "I build things that help people work together. Ask me about **{a}** or **{b}**.",
    "Working on {a}. Previously in {dept}. Happy to chat about *{b}* any time.",
    "Based in {loc}. Interested in {a}, {b} and good coffee.",
    "负责{a}相关工作，也关注{b}。欢迎交流！",
    "在{loc}工作，喜欢{a}和{b}。",
)
EN_TOPICS = (
    "Platform Engineering", "Data Science", "Machine Learning", "Frontend", "Backend", "Mobile",
    "Security", "Site Reliability", "Design Systems", "UX Research", "Product Management",
    "Sales Enablement", "Customer Success", "Finance", "Legal & Compliance", "People Operations",
    "Onboarding", "Architecture", "Open Source", "Accessibility", "Cloud Cost", "Observability",
    "Technical Writing", "Python", "Go", "Rust", "Kubernetes", "PostgreSQL", "Analytics",
    "Diversity & Inclusion", "Sustainability", "Wellbeing", "Running", "Photography", "Book",
    "Board Games", "Cycling", "Music", "Cooking", "Chess", "Hiking", "Parents", "Volunteering",
    "London Office", "Berlin Office", "Singapore Office", "New York Office", "Remote Workers",
)
EN_KINDS = (
    "Guild", "Community of Practice", "Working Group", "Circle", "Forum", "Network", "Club",
    "Chapter", "Hub", "Crew", "Collective", "Lab",
)
ZH_TOPICS = (
    "产品设计", "前端技术", "后端架构", "数据分析", "人工智能", "云原生", "信息安全", "运维", "测试质量",
    "移动开发", "用户体验", "项目管理", "市场营销", "销售", "客户成功", "财务", "法务合规", "人力资源",
    "新员工", "技术写作", "开源", "读书会", "羽毛球", "篮球", "摄影", "跑步", "烘焙", "围棋", "徒步",
    "音乐", "亲子", "公益", "上海办公室", "北京办公室", "深圳研发", "杭州研发", "成都办公室",
)
ZH_KINDS = ("社区", "兴趣小组", "交流群", "工作组", "俱乐部", "分享会", "协会", "研习社")
TAGS = (
    "engineering", "design", "data", "product", "security", "cloud", "python", "go", "rust",
    "frontend", "backend", "mobile", "ml", "ai", "devops", "sre", "ux", "research", "sales",
    "marketing", "finance", "legal", "hr", "onboarding", "social", "sports", "books", "music",
    "learning", "open-source", "remote", "office", "wellbeing", "volunteering", "architecture",
    "技术", "产品", "设计", "数据", "运营", "生活", "运动", "学习", "读书", "新人", "招聘", "公益",
)
EN_DESCRIPTIONS = (
    (
        "## Welcome to {name}\n\nA place for everyone interested in **{topic}** to share what they "
        "learn, ask questions and find each other.\n\n### What happens here\n\n- Monthly meetups "
        "(recorded, see the wiki)\n- A forum for questions: no question is too basic\n- A blog for "
        "longer write-ups and show-and-tell\n\nNew here? Introduce yourself in the forum and read "
        "the [getting started]({url}) page."
    ),
    (
        "We are the **{name}**. We meet every other {day} to talk about {topic}.\n\n"
        "1. Read the wiki\n2. Join the chat\n3. Bring a friend\n\n> Be kind, be curious, be helpful."
    ),
    (
        "{topic} at our company: practices, tools and people.\n\n*Owners rotate every quarter.* "
        "Ask in the chat if you want to help run the next session."
    ),
    (
        "Everything about {topic}. Share links, questions and `code` snippets.\n\n"
        "| When | What |\n|---|---|\n| {day} | Open office hours |\n| Last Friday | Demo day |"
    ),
)
ZH_DESCRIPTIONS = (
    (
        "## 欢迎来到{name}\n\n这里是所有对**{topic}**感兴趣的同事交流、提问和分享的地方。\n\n"
        "### 我们在做什么\n\n- 每月一次线下分享（录像见维基）\n- 论坛答疑：没有太简单的问题\n"
        "- 博客：长文和经验总结\n\n新朋友请先在论坛里做个自我介绍，并阅读[入门指南]({url})。"
    ),
    (
        "**{name}**每两周{day_zh}聚一次，聊聊{topic}。\n\n1. 先读维基\n2. 加入聊天\n3. 带上你的同事\n\n"
        "> 友善、好奇、乐于助人。"
    ),
    "关于{topic}的一切：经验、工具和人。\n\n*负责人每季度轮换*，想参与组织下一期活动请在聊天室说一声。",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
DAYS_ZH = ("周一", "周二", "周三", "周四", "周五")
ALL_TOOLS = ("wiki", "blog", "forums", "chat")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--instance", required=True, help="instance folder to create (COLLAB_INSTANCE_PATH)")
    p.add_argument("--users", type=int, default=5000, help="number of people, the bench account included")
    p.add_argument("--communities", type=int, default=300, help="number of communities")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    p.add_argument("--force", action="store_true", help="empty an existing database in this instance first")
    args = p.parse_args(argv)
    if args.users < 20:
        p.error("--users must be at least 20")
    if args.communities < 10:
        p.error("--communities must be at least 10")
    return args


# ---------------------------------------------------------------- people


def _ascii_handle(display: str) -> str:
    from unidecode import unidecode

    words = [w for w in "".join(c if c.isalnum() else " " for c in unidecode(display).lower()).split() if w]
    return ".".join(words)[:30] or "user"


def make_people(rng: random.Random, n: int, now: datetime, password_hash: str) -> list[dict]:
    from collab.text import render_markdown

    rendered: dict[str, str] = {}
    taken = {BENCH_USERNAME, "admin"}
    rows = [
        _person_row("admin", "Site Admin", "Administrator", "IT", "Remote", "", "", password_hash,
                    now - timedelta(days=1100), now, is_admin=True),
        _person_row(BENCH_USERNAME, "Bench User", "Performance Engineer", "Engineering", "Remote",
                    "The account the benchmarks sign in with.", "", password_hash,
                    now - timedelta(days=900), now),
    ]
    rows[1]["bio_html"] = render_markdown(rows[1]["bio"])
    for _ in range(n - len(rows)):
        chinese = rng.random() < 0.4
        if chinese:
            display = rng.choice(ZH_SURNAMES) + rng.choice(ZH_GIVEN)
        else:
            display = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
        base = _ascii_handle(display)
        username, k = base, 1
        while username in taken:
            k += 1
            username = f"{base}{k}"
        taken.add(username)
        # Mostly in the person's language; a company mixes them a little.
        zh_profile = chinese if rng.random() < 0.85 else not chinese
        dept = rng.choice(ZH_DEPARTMENTS if zh_profile else EN_DEPARTMENTS)
        loc = rng.choice(ZH_LOCATIONS if zh_profile else EN_LOCATIONS)
        title = rng.choice(ZH_TITLES if zh_profile else EN_TITLES)
        a, b = rng.sample(EXPERTISE, 2)
        bio = rng.choice(BIOS).format(a=a, b=b, dept=dept, loc=loc)
        if bio not in rendered:
            rendered[bio] = render_markdown(bio)
        created = now - timedelta(days=rng.uniform(1, 1100))
        row = _person_row(
            username, display, title, dept, loc, bio, rendered[bio], password_hash, created,
            created + (now - created) * rng.random(),
        )
        row["expertise"] = ", ".join(rng.sample(EXPERTISE, rng.randint(0, 4)))
        row["locale"] = "zh_Hans" if chinese and rng.random() < 0.5 else None
        row["timezone"] = "Asia/Shanghai" if loc in ZH_LOCATIONS and loc != "香港" else None
        row["is_deactivated"] = rng.random() < 0.01
        rows.append(row)
    return rows


def _person_row(username, display, title, dept, loc, bio, bio_html, password_hash, created, seen,
                is_admin=False) -> dict:
    return {
        "username": username, "email": f"{username}@example.com", "password_hash": password_hash,
        "display_name": display, "title": title, "department": dept, "location": loc, "bio": bio,
        "bio_html": bio_html, "expertise": "", "avatar": None, "locale": None, "timezone": None,
        "is_admin": is_admin, "is_deactivated": False, "session_nonce": secrets.token_hex(8),
        "last_seen_at": seen, "created_at": created, "updated_at": seen,
    }


# ---------------------------------------------------------------- communities


def community_names(rng: random.Random, n: int) -> list[tuple[str, str, bool]]:
    """n unique (name, topic, is_chinese) triples."""
    seen: set[str] = set()
    out = []
    while len(out) < n:
        chinese = rng.random() < 0.4
        if chinese:
            topic = rng.choice(ZH_TOPICS)
            name = topic + rng.choice(ZH_KINDS)
        else:
            topic = rng.choice(EN_TOPICS)
            name = f"{topic} {rng.choice(EN_KINDS)}"
        if name in seen:  # the same topic and kind twice: tell them apart by place
            place = rng.choice(ZH_LOCATIONS if chinese else EN_LOCATIONS)
            name = f"{name}（{place}）" if chinese else f"{name} ({place})"
        if name in seen:
            continue
        seen.add(name)
        out.append((name, topic, chinese))
    return out


def community_sizes(rng: random.Random, n: int, people: int) -> list[int]:
    """Zipf-like sizes, biggest first: size(rank) ~ top / rank**1.05, at least 5."""
    top = min(int(people * 0.84), 4200)
    sizes = []
    for rank in range(1, n + 1):
        size = int(top / rank ** 1.05 * rng.uniform(0.85, 1.15))
        sizes.append(max(5, min(size, people - 1)))
    sizes.sort(reverse=True)
    return sizes


def make_communities(rng: random.Random, n: int, now: datetime) -> list[dict]:
    from collab.text import render_markdown
    from communities.services import RESERVED_SLUGS, SLUG_RE, slugify

    levels = [a for a, _w in ACCESS_WEIGHTS]
    weights = [w for _a, w in ACCESS_WEIGHTS]
    slugs: set[str] = set()
    rows = []
    for name, topic, chinese in community_names(rng, n):
        base = slugify(name) or "community"
        if base in RESERVED_SLUGS or not SLUG_RE.match(base):
            base = f"{base}-community".strip("-")[:50]
        slug, k = base, 1
        while slug in slugs:
            k += 1
            slug = f"{base[:60]}-{k}"
        slugs.add(slug)
        fill = {"name": name, "topic": topic, "day": rng.choice(DAYS), "day_zh": rng.choice(DAYS_ZH),
                "url": f"/c/{slug}/wiki/getting-started"}
        description = rng.choice(ZH_DESCRIPTIONS if chinese else EN_DESCRIPTIONS).format(**fill)
        created = now - timedelta(days=rng.uniform(30, 1000))
        tools = ALL_TOOLS if rng.random() < 0.7 else tuple(t for t in ALL_TOOLS if rng.random() < 0.6)
        rows.append({
            "slug": slug, "name": name, "description": description,
            "description_html": render_markdown(description),
            "access": rng.choices(levels, weights)[0], "tools": ",".join(tools),
            "is_archived": False, "member_count": 0, "created_by_id": None,
            "last_activity_at": created + (now - created) * rng.random() ** 0.3,
            "created_at": created, "updated_at": created,
        })
    return rows


# ---------------------------------------------------------------- memberships


def plan_memberships(rng: random.Random, communities: list[dict], user_ids: list[int], bench_id: int
                     ) -> tuple[dict[int, dict[int, str]], dict[str, str]]:
    """{community index: {user id: role}} with Zipf-like sizes, and bench's roles by slug.

    The biggest communities are open (public, one moderated); restricted ones stay small.
    The bench account is owner of one community, moderator of one, member of a restricted one
    and of the two biggest.
    """
    n = len(communities)
    sizes = community_sizes(rng, n, len(user_ids))
    order = list(range(n))
    rng.shuffle(order)
    # Rank 1-3 public, rank 4 moderated, no restricted one in the top 10; 2 % archived below.
    below = order[20:] or order[10:]
    for ci in rng.sample(below, min(len(below), max(1, n // 50))):
        communities[ci]["is_archived"] = True
    for rank, ci in enumerate(order[:10]):
        c = communities[ci]
        if rank < 3:
            c["access"] = "public"
        elif rank == 3:
            c["access"] = "moderated"
        elif c["access"] == "restricted":
            c["access"] = "public"
    others = [u for u in user_ids if u != bench_id]
    plan: dict[int, dict[int, str]] = {}
    for rank, ci in enumerate(order):
        members = rng.sample(others, sizes[rank])
        roles = dict.fromkeys(members, "member")
        roles[members[0]] = "owner"
        size = len(members)
        mods = rng.randint(1, 2) + size // 200 if size >= 20 else int(rng.random() < 0.5)
        for uid in members[1:1 + min(mods, 10)]:
            roles[uid] = "moderator"
        plan[ci] = roles

    bench_in: dict[int, str] = {order[0]: "member", order[1]: "member"}

    def pick(access: str, lo_rank: int) -> int | None:
        """The biggest community of this access level from lo_rank down (else any rank)."""
        for ranks in (order[lo_rank:], order):
            for ci in ranks:
                c = communities[ci]
                if c["access"] == access and not c["is_archived"] and ci not in bench_in:
                    return ci
        return None

    for access, lo_rank, role in (("public", 10, "owner"), ("moderated", 3, "moderator"),
                                  ("restricted", 30, "member"), ("public", 40, "member")):
        ci = pick(access, lo_rank)
        if ci is not None:
            bench_in[ci] = role
    for ci, role in bench_in.items():
        roles = plan[ci]
        if role == "owner":
            for uid, r in roles.items():
                if r == "owner":
                    roles[uid] = "moderator"
        roles[bench_id] = role
    return plan, {communities[ci]["slug"]: role for ci, role in bench_in.items()}


# ---------------------------------------------------------------- database


def reset_database(db) -> None:
    """Drop every table (what the migrations made, and their version table)."""
    from sqlalchemy import MetaData

    meta = MetaData()
    meta.reflect(bind=db.engine)
    meta.drop_all(bind=db.engine)
    db.session.remove()


def insert_chunks(db, model, rows: list[dict], chunk: int = 5000) -> None:
    from sqlalchemy import insert

    for i in range(0, len(rows), chunk):
        db.session.execute(insert(model), rows[i:i + chunk])


def generate(args: argparse.Namespace) -> dict:
    instance = Path(args.instance).resolve()
    os.environ["COLLAB_INSTANCE_PATH"] = str(instance)
    # Bulk inserts only: no background indexer or mail sender racing the migration in this process.
    os.environ.setdefault("COLLAB_SEARCH_INDEXER", "manual")
    os.environ.setdefault("COLLAB_MAIL_SENDER", "manual")
    using_sqlite = not os.environ.get("DATABASE_URL")
    if using_sqlite and (instance / "collab.db").exists():
        if not args.force:
            sys.exit(f"{instance / 'collab.db'} exists: use --force to replace it, or another --instance")
        for suffix in ("", "-wal", "-shm"):
            (instance / f"collab.db{suffix}").unlink(missing_ok=True)

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    from flask_migrate import upgrade
    from sqlalchemy import func, select
    from werkzeug.security import generate_password_hash

    from collab.accounts.models import User
    from collab.app import create_app
    from collab.extensions import db
    from communities.models import Community, CommunityTag, Invitation, JoinRequest, Membership

    app = create_app()
    rng = random.Random(args.seed)
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        if not using_sqlite and args.force:
            reset_database(db)
        upgrade()
        if db.session.scalar(select(func.count(User.id))):
            sys.exit("this database already has people in it: use --force to empty it first")
        timings["migrate"] = time.perf_counter() - t0

        t = time.perf_counter()
        password_hash = generate_password_hash(BENCH_PASSWORD)
        timings["hash"] = time.perf_counter() - t

        t = time.perf_counter()
        people = make_people(rng, args.users, now, password_hash)
        insert_chunks(db, User, people)
        ids = dict(db.session.execute(select(User.username, User.id)).all())
        user_ids = sorted(ids.values())
        bench_id = ids[BENCH_USERNAME]
        timings["users"] = time.perf_counter() - t

        t = time.perf_counter()
        comms = make_communities(rng, args.communities, now)
        plan, bench_roles = plan_memberships(rng, comms, user_ids, bench_id)
        for ci, roles in plan.items():
            comms[ci]["member_count"] = len(roles)
            comms[ci]["created_by_id"] = next(uid for uid, r in roles.items() if r == "owner")
        insert_chunks(db, Community, comms)
        cids = dict(db.session.execute(select(Community.slug, Community.id)).all())
        tag_rows = []
        for c in comms:
            for tag in rng.sample(TAGS, rng.randint(1, 5)):
                tag_rows.append({"community_id": cids[c["slug"]], "tag": tag})
        insert_chunks(db, CommunityTag, tag_rows)
        timings["communities"] = time.perf_counter() - t

        t = time.perf_counter()
        member_rows = []
        for ci, roles in plan.items():
            c = comms[ci]
            span = (now - c["created_at"]).total_seconds()
            for uid, role in roles.items():
                joined = c["created_at"] if role == "owner" else c["created_at"] + timedelta(
                    seconds=span * rng.random())
                member_rows.append({"community_id": cids[c["slug"]], "user_id": uid, "role": role,
                                    "created_at": joined, "updated_at": joined})
        insert_chunks(db, Membership, member_rows)
        # Some pending join requests to moderated communities, and invitations for bench.
        requests_rows = []
        for ci, roles in plan.items():
            c = comms[ci]
            if c["access"] != "moderated" or c["is_archived"]:
                continue
            for uid in rng.sample(user_ids, rng.randint(0, 4)):
                if uid not in roles:
                    requests_rows.append({"community_id": cids[c["slug"]], "user_id": uid,
                                          "message": "I would like to join, please.", "status": "pending",
                                          "decided_by_id": None, "created_at": now, "updated_at": now})
        insert_chunks(db, JoinRequest, requests_rows)
        invite_rows = []
        for ci, roles in plan.items():
            c = comms[ci]
            if len(invite_rows) < 2 and c["access"] == "restricted" and bench_id not in roles:
                owner = next(uid for uid, r in roles.items() if r == "owner")
                invite_rows.append({"community_id": cids[c["slug"]], "user_id": bench_id,
                                    "invited_by_id": owner, "status": "pending",
                                    "created_at": now, "updated_at": now})
        insert_chunks(db, Invitation, invite_rows)
        db.session.commit()
        timings["memberships"] = time.perf_counter() - t

        # Read back what is stored: the summary describes the database, not the plan.
        counts = dict(db.session.execute(
            select(Community.access, func.count()).group_by(Community.access)).all())
        sizes = sorted(db.session.scalars(select(Community.member_count)), reverse=True)
        check = db.session.execute(
            select(Community.slug).join(Membership, Membership.community_id == Community.id)
            .group_by(Community.id, Community.slug, Community.member_count)
            .having(func.count(Membership.id) != Community.member_count)
        ).all()
        if check:
            sys.exit(f"member_count does not match memberships for {len(check)} communities")
        summary = {
            "instance": str(instance),
            "database": db.engine.url.render_as_string(hide_password=True),
            "users": db.session.scalar(select(func.count(User.id))),
            "communities": len(sizes),
            "access": {a: counts.get(a, 0) for a, _w in ACCESS_WEIGHTS},
            "archived": db.session.scalar(select(func.count(Community.id)).where(Community.is_archived.is_(True))),
            "tags": len(tag_rows),
            "memberships": db.session.scalar(select(func.count(Membership.id))),
            "roles": dict(db.session.execute(select(Membership.role, func.count()).group_by(Membership.role)).all()),
            "join_requests": len(requests_rows),
            "invitations": len(invite_rows),
            "sizes_top10": sizes[:10],
            "size_median": sizes[len(sizes) // 2],
            "size_5_to_50": sum(1 for s in sizes if 5 <= s <= 50),
            "bench": {"username": BENCH_USERNAME, "password": BENCH_PASSWORD, "communities": bench_roles},
        }
        db.session.remove()
        db.engine.dispose()
    timings["total"] = time.perf_counter() - t0
    summary["seconds"] = {k: round(v, 2) for k, v in timings.items()}
    return summary


def print_summary(s: dict) -> None:
    acc = s["access"]
    n = s["communities"]
    roles = Counter(s["roles"])
    print(f"instance      {s['instance']}")
    print(f"database      {s['database']}")
    print(f"users         {s['users']}")
    print(f"communities   {n}: " + ", ".join(f"{a} {acc[a]} ({100 * acc[a] / n:.0f}%)" for a in acc)
          + f"; archived {s['archived']}")
    print(f"tags          {s['tags']}")
    print(f"memberships   {s['memberships']}: owner {roles['owner']}, moderator {roles['moderator']}, "
          f"member {roles['member']}")
    print(f"sizes         biggest {s['sizes_top10']}, median {s['size_median']}, "
          f"{s['size_5_to_50']} of {n} have 5-50 members")
    print(f"pending       {s['join_requests']} join requests, {s['invitations']} invitations for bench")
    print(f"bench user    {s['bench']['username']} / {s['bench']['password']}: "
          + ", ".join(f"{slug} ({role})" for slug, role in s["bench"]["communities"].items()))
    t = s["seconds"]
    print(f"time          {t['total']:.1f} s (migrate {t['migrate']:.1f}, hash {t['hash']:.2f}, "
          f"users {t['users']:.1f}, communities {t['communities']:.1f}, memberships {t['memberships']:.1f})")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        summary = generate(args)
    except KeyboardInterrupt:
        print("\ninterrupted; the instance is incomplete", file=sys.stderr)
        return 130
    print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
