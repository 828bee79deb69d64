"""`collab demo` content for community wikis (collab.tools' ``demo_content``): a home page and a
small tree, written and revised by several members through the wiki's services and hooks, so the
history, the backlinks ([[links]]), tags, the stream and search all come out as if people wrote it.
"""
from __future__ import annotations

from . import hooks, services, social

# Per demo community: pages in the order they are written, parents first. Each page:
# (title, parent title or None, tags, [(author, days ago, summary, change), ...]); the first change
# is the Markdown the page is created with, each later one a revision by its author, given as the
# (old, new) replacements it makes in the text before it.
PAGES: dict[str, list] = {
    "platform-engineering": [
        ("Home", None, "platform, start here", [
            ("ana", 26, "First version", """# Platform Engineering wiki

Everything you need to ship a service on the shared platform.

- [[Deploying a service]]: from a merged pull request to production
- [[Incident response]]: what to do when something breaks
- [[On-call handbook]]: who is on call and how the rota works

Questions go to the forums; quick ones to the chat room.
"""),
        ]),
        ("Runbooks", None, "runbooks", [
            ("tom", 25, "", """# Runbooks

Step-by-step guides for the things we do often. Each runbook names its owner; if a step is
wrong, fix it (every change is kept in the page history). Back to the [[Home]] page.
"""),
        ]),
        ("Deploying a service", "Runbooks", "runbooks, kubernetes, ci/cd", [
            ("tom", 24, "First draft", """# Deploying a service

1. Merge to `main`; CI builds and signs the image.
2. Deploy to staging.
3. Promote to production.

See also [[Incident response]] if a rollout goes wrong.
"""),
            ("ana", 17, "Commands and the environments table", [
                ("2. Deploy to staging.\n3. Promote to production.\n",
                 "2. Deploy to staging and watch the dashboards for ten minutes.\n"
                 "3. Promote to production with a canary first.\n\n"
                 "```bash\ndeployctl rollout my-service --env staging\n"
                 "deployctl promote my-service --env production --canary 10%\n```\n\n"
                 "| Environment | Cluster | Who approves |\n|---|---|---|\n"
                 "| staging | `k8s-stg-1` | nobody, automatic |\n"
                 "| production | `k8s-prd-1`, `k8s-prd-2` | the service owner |\n"),
            ]),
            ("liuyang", 9, "Rollback step", [
                ("canary first.\n", "canary first.\n4. Something looks wrong? Roll back at once, then investigate.\n"),
                ("--canary 10%\n", "--canary 10%\ndeployctl rollback my-service --env production\n"),
            ]),
        ]),
        ("Incident response", "Runbooks", "incidents, on-call", [
            ("jonas", 20, "", """# Incident response

1. **Page** the on-call engineer (see [[On-call handbook]]).
2. Open an incident channel in chat and name an incident lead.
3. Mitigate first: roll back ([[Deploying a service]]) or scale out.
4. Write the post-mortem within five working days: blameless, with actions and owners.
"""),
        ]),
        ("On-call handbook", None, "on-call", [
            ("liuyang", 14, "", """# On-call handbook

The rota changes every Monday at 09:00 local time; hand over in the chat room.

| Region | Hours (UTC) | Escalate to |
|---|---|---|
| APAC | 00:00-08:00 | @liuyang |
| EMEA | 08:00-16:00 | @tom |
| Americas | 16:00-24:00 | @david |

When paged, follow [[Incident response]].
"""),
        ]),
    ],
    "product-design": [
        ("首页", None, "产品, 设计系统", [
            ("wangfang", 27, "第一版", """# 产品设计 Wiki

产品经理和设计师的共享知识库。

- [[Lotus 设计系统]]：组件、颜色和排版规范
- [[2025 产品路线图]]：本年度的重点方向
- [[用户访谈指南]]：如何准备和记录一次访谈

有问题请在论坛提问，或在聊天室里 @ 我们。
"""),
        ]),
        ("Lotus 设计系统", None, "设计系统, lotus, 组件", [
            ("zhangmin", 25, "初稿", """# Lotus 设计系统

Lotus 是我们所有产品共用的设计系统。

## 颜色

| 名称 | 色值 | 用途 |
|---|---|---|
| 主色 | `#1f6feb` | 按钮、链接 |
| 成功 | `#1a7f37` | 成功提示 |

组件说明见 [[按钮组件]]。
"""),
            ("ananya", 16, "补充危险色和对比度要求", [
                ("| 成功 | `#1a7f37` | 成功提示 |\n",
                 "| 成功 | `#1a7f37` | 成功提示 |\n| 危险 | `#cf222e` | 删除、错误 |\n\n"
                 "所有文字与背景的对比度至少为 **4.5:1**（WCAG AA）。\n"),
            ]),
            ("zhangmin", 6, "加入排版规范", [
                ("\n组件说明见", "\n## 排版\n\n正文 16px，行高 1.6；中文使用系统字体（苹方、微软雅黑）。\n\n组件说明见"),
            ]),
        ]),
        ("按钮组件", "Lotus 设计系统", "组件, 按钮", [
            ("ananya", 22, "", """# 按钮组件

一个页面只有一个**主按钮**；其余用次要按钮。

```html
<button class="lotus-btn lotus-btn--primary">保存</button>
<button class="lotus-btn">取消</button>
```

颜色规范见 [[Lotus 设计系统]]。
"""),
        ]),
        ("2025 产品路线图", None, "路线图, okr", [
            ("wangfang", 19, "", """# 2025 产品路线图

| 季度 | 重点 | 负责人 |
|---|---|---|
| Q1 | 移动端重构 | @linxiao |
| Q2 | 搜索体验升级 | @wangfang |
| Q3 | 设计系统 2.0（[[Lotus 设计系统]]） | @zhangmin |

每个季度初在需求评审会上复盘。
"""),
        ]),
        ("用户访谈指南", None, "用户研究, 访谈", [
            ("zhouting", 12, "", """# 用户访谈指南

1. 先写下你想验证的**假设**。
2. 每次访谈 45 分钟，两人参加：一人提问，一人记录。
3. 不问“你会不会用”，而问“你上次是怎么做的”。
4. 当天整理笔记，发到论坛，并链接到 [[2025 产品路线图]] 的相关条目。

返回 [[首页]]。
"""),
        ]),
    ],
    "onboarding": [
        ("首页", None, "入职, onboarding", [
            ("chenjing", 28, "", """# 新员工入职 Wiki

欢迎！第一周请按顺序阅读：

1. [[常见问题]]
2. [[报销和差旅]]
"""),
        ]),
        ("常见问题", None, "入职, faq", [
            ("chenjing", 23, "", """# 常见问题

**电脑什么时候到？** 入职第一天上午在 IT 服务台领取。

**工资什么时候发？** 每月 10 日，遇节假日提前。
"""),
            ("xuli", 11, "加入内推问题", [
                ("遇节假日提前。\n", "遇节假日提前。\n\n**可以内推朋友吗？** 可以！入职满一个月即可内推，"
                 "流程见 [[报销和差旅]] 旁边的招聘页面，或直接找 @xuli。\n"),
            ]),
        ]),
        ("报销和差旅", None, "报销, 差旅", [
            ("chenjing", 18, "", """# 报销和差旅

| 项目 | 标准 | 审批人 |
|---|---|---|
| 市内交通 | 实报实销 | 直属经理 |
| 住宿 | 一线城市每晚 600 元以内 | 直属经理 |

发票请在 30 天内提交。
"""),
        ]),
    ],
    "security-champions": [
        ("Home", None, "security, champions", [
            ("sophie", 24, "", """# Security Champions

Our working notes. Read [[Threat model template]] before your team's next design review.
"""),
        ]),
        ("Threat model template", None, "threat modeling, template", [
            ("sophie", 21, "", """# Threat model template

| Asset | Threat | Mitigation | Owner |
|---|---|---|---|
| Session cookie | theft via XSS | CSP, HttpOnly | team lead |
"""),
            ("lukas", 8, "Added the STRIDE checklist", [
                ("HttpOnly | team lead |\n", "HttpOnly | team lead |\n\nWalk through STRIDE for each data flow: "
                 "spoofing, tampering, repudiation, information\ndisclosure, denial of service, elevation of privilege.\n"),
            ]),
        ]),
    ],
}


def demo_content(community, ctx):
    """Writes this community's demo pages (nothing for a community without any); yields the time
    of each step before it (collab.tools)."""
    pages: dict[str, object] = {}
    steps = []
    for title, parent, tags, texts in PAGES.get(ctx.key, ()):
        for n, (author, days, summary, body) in enumerate(texts):
            steps.append((days, n, title, parent, tags, author, summary, body))
    # Oldest first; a page's first text before its revisions (the same day keeps the order).
    for days, n, title, parent, tags, author, summary, body in sorted(steps, key=lambda s: (-s[0], s[1])):
        yield ctx.ago(days=days, hours=3 + n)
        user = ctx.member(author)
        if n == 0:
            page = services.create_page(community, user, title=title, body=ctx.mentions(body), summary=summary,
                                        parent_id=pages[parent].id if parent else None)
            social.set_tags(page, tags)
            hooks.created(page, user)
            pages[title] = page
        else:
            page = pages[title]
            previous = text = page.body
            for old, new in body:
                if old not in text:
                    raise ValueError(f"demo wiki page {title!r} has no {old!r} to change")
                text = text.replace(old, ctx.mentions(new), 1)
            result = services.save_page(page, user, body=text, base_number=page.revision_number, summary=summary)
            hooks.edited(result.page, result.revision, user, previous=previous)
