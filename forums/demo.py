"""`collab demo` content for community forums (collab.tools' ``demo_content``): a forum or two,
discussions and questions with replies, accepted answers, an unanswered question and likes, all
through the forum services (which tell the stream, the subscribers and the @mentioned people).
"""
from __future__ import annotations

from . import services

# Per demo community: (forum name, description, topics). A topic: (author, days ago, title, tags,
# is a question, Markdown, replies, the accepted reply's index or None). A reply: (author, days
# ago, Markdown, the people who like it).
FORUMS: dict[str, list] = {
    "platform-engineering": [
        ("Help and questions", "Ask anything about the platform: builds, deploys, clusters, monitoring.", [
            ("rahul", 23, "How do I get a staging namespace for a new service?", "kubernetes, staging", True,
             "We are starting the jobs service and need a staging namespace. Is there a form, or do I ask "
             "someone here?", [
                 ("tom", 23, "No form: add your service to `namespaces.yaml` in the platform repo and open a "
                  "pull request. The pipeline creates the namespace when it merges.", ("rahul", "ana")),
                 ("rahul", 22, "Merged and it is there. Thanks @tom!", ()),
             ], 0),
            ("liwei", 15, "Kafka consumer lag alerts fire during every deploy", "kafka, alerts", True,
             "Every rollout of the notification service pages us for consumer lag, for about two minutes. "
             "Should the alert wait longer, or should we drain differently?", [
                 ("liuyang", 14, "Raise the alert's `for:` to 5m and make the consumers leave the group "
                  "cleanly on SIGTERM; the rebalance is what you see.", ("liwei", "jonas", "tom")),
                 ("ana", 13, "Agree with @liuyang. Let's add it to the deploy runbook on the wiki too.", ()),
             ], 0),
            ("jonas", 4, "Can we run CI on ARM runners?", "ci/cd, arm", True,
             "Our images are multi-arch now. Does anybody have numbers for ARM runners before we try them?",
             [], None),
        ]),
        ("Announcements", "Changes to the platform that every team should know about.", [
            ("ana", 10, "Kubernetes 1.30 upgrade on the 14th", "kubernetes, maintenance", False,
             "We upgrade the production clusters on the **14th, 06:00 UTC**. Expect no downtime; "
             "pods are rescheduled node by node.\n\n- Staging was upgraded last week\n"
             "- Deprecated APIs: none of ours, we checked", [
                 ("sunqiang", 10, "Thanks for the early notice.", ()),
                 ("marcus", 9, "Sales will tell the customers who asked. 👍", ()),
             ], None),
        ]),
    ],
    "product-design": [
        ("需求与设计讨论", "产品需求、设计方案和用户研究的讨论。", [
            ("linxiao", 21, "移动端首页要不要加“最近访问”？", "移动端, 首页", True,
             "用户访谈里有好几位提到找不到上次看的页面。首页加一个“最近访问”模块，会不会太挤？", [
                 ("zhangmin", 20, "可以做成横向滑动的卡片，只显示最近 5 个，不会太挤。我下周出个稿。",
                  ("linxiao", "wangfang")),
                 ("zhouting", 19, "数据上看，40% 的会话是回到上次的页面，值得做。", ("linxiao",)),
             ], 0),
            ("ananya", 11, "Lotus 的图标库用哪套？", "设计系统, 图标", True,
             "现在有两套图标混用，线性和面性。统一成一套好吗？@zhangmin", [
                 ("zhangmin", 10, "统一成线性图标，面性只用于选中状态。我会更新 Wiki。", ("ananya",)),
             ], 0),
            ("wangfang", 3, "下个季度的用户访谈，谁有空？", "用户研究", True,
             "计划访谈 8 家客户，每场 45 分钟。有兴趣参加的同学请回复。", [], None),
        ]),
    ],
    "onboarding": [
        ("新人问答", "入职相关的任何问题都可以问。", [
            ("hejun", 16, "VPN 连不上怎么办？", "it, vpn", True,
             "在家用 VPN 一直提示证书错误，有人遇到过吗？", [
                 ("chenjing", 16, "需要先在 IT 门户重新下载证书，然后重启客户端。", ("hejun",)),
                 ("hejun", 15, "好了，谢谢！", ()),
             ], 0),
            ("luobin", 6, "导师制度是怎样的？", "导师", True,
             "入职后会分配导师吗？多久见一次？", [
                 ("xuli", 5, "会的，入职第一天经理会介绍。前三个月每周至少一次一对一。", ("luobin", "chenjing")),
             ], None),
        ]),
    ],
    "all-hands": [
        ("Ask leadership", "Questions for the leadership team; answered at the monthly town hall.", [
            ("priya", 12, "Will we open more hubs after Bangalore?", "hiring, offices", True,
             "The Bangalore hub is growing fast. Are other locations being considered?", [
                 ("olivia", 8, "Not this year: we want Bangalore to reach 100 people first. "
                  "We'll talk about it at the town hall.", ("priya", "ana", "sunqiang")),
             ], 0),
        ]),
    ],
    "security-champions": [
        ("Champions", "Triage, drills and reviews. Members only.", [
            ("lukas", 7, "Dependency alert backlog: who takes what?", "dependencies, triage", False,
             "We have 14 open alerts. I took the Python ones; @ana can your team take the Go ones?", [
                 ("ana", 7, "Yes, we'll have them done by Friday.", ("lukas", "sophie")),
             ], None),
        ]),
    ],
}


def demo_content(community, ctx):
    """Writes this community's demo forums and topics; yields the time of each step before it."""
    plan = FORUMS.get(ctx.key)
    if not plan:
        return
    steps = []  # (days ago, order, what)
    for f, (name, description, topics) in enumerate(plan):
        steps.append((max(t[1] for t in topics) + 1, 0, ("forum", f, name, description)))
        for t, topic in enumerate(topics):
            author, days, title, tags, question, body, replies, accepted = topic
            steps.append((days, 1, ("topic", f, t, author, title, tags, question, body, len(replies))))
            for r, (who, rdays, rbody, likers) in enumerate(replies):
                steps.append((rdays, 2 + r, ("reply", f, t, r, who, rbody, likers)))
            if accepted is not None:
                steps.append((replies[accepted][1], 2 + len(replies), ("accept", f, t, accepted, author)))
    forums, topics, posts = {}, {}, {}
    for days, order, what in sorted(steps, key=lambda s: (-s[0], s[1])):
        yield ctx.ago(days=days, hours=10 - order)
        kind, f = what[0], what[1]
        if kind == "forum":
            forums[f] = services.create_forum(community, ctx.members[0], name=what[2], description=what[3])
        elif kind == "topic":
            _, _, t, author, title, tags, question, body, replies = what
            topics[f, t] = services.create_topic(forums[f], ctx.member(author), title=title, body=ctx.mentions(body),
                                                 tags=tags, is_question=question)
            services.add_views({topics[f, t].id: 9 + 7 * replies + 3 * t})  # people read it
        elif kind == "reply":
            _, _, t, r, who, body, likers = what
            user = ctx.member(who, r + 1)
            post = posts[f, t, r] = services.reply(topics[f, t], user, body=ctx.mentions(body))
            for name in likers:
                liker = ctx.by_name.get(name)
                if liker is not None and liker.id != user.id:
                    services.toggle_like(post, liker)
        else:
            _, _, t, r, author = what
            services.accept(topics[f, t], posts[f, t, r], ctx.member(author))
