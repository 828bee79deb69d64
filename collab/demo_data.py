"""Demo content for `collab demo`: people and communities in English and Chinese (data only)."""
from __future__ import annotations

from dataclasses import dataclass

from communities.models import MODERATED, PUBLIC, RESTRICTED

ADMIN_USERNAME = "demo-admin"

# ---------------------------------------------------------------------------------------------
# People: (username, display name, title, department, location, time zone, locale, expertise, bio)
# ---------------------------------------------------------------------------------------------

SH, BER, AUS, BLR = "Asia/Shanghai", "Europe/Berlin", "America/Chicago", "Asia/Kolkata"
ZH = "zh_Hans"

PEOPLE: list[tuple[str, str, str, str, str, str, str | None, str, str]] = [
    (ADMIN_USERNAME, "Demo Admin", "Collaboration Platform Admin", "IT", "Austin", AUS, "en",
     "collab, onboarding, access control",
     "I keep **collab** running. Ask me about access levels, community settings or anything "
     "that looks broken.\n\n- Site admin of this demo\n- Sign in as me to see the admin console"),
    ("ana", "Ana Lima", "Principal Engineer", "Engineering", "Berlin", BER, "en",
     "kubernetes, postgresql, distributed systems, 架构, go",
     "Principal engineer on the platform team. I chair the *Architecture Review Board*.\n\n"
     "Before Berlin I built payment systems in São Paulo. Happy to review designs, "
     "especially anything with queues or databases in it."),
    ("wangfang", "王芳", "产品总监 Product Director", "产品部", "Shanghai", SH, ZH,
     "产品规划, 用户研究, roadmaps, b2b saas, 数据驱动",
     "负责协作平台的产品规划和路线图。\n\n- 十年 B2B SaaS 产品经验\n- 喜欢和客户聊真实的工作流程\n\n"
     "*I'm happy to chat in English too.*"),
    ("priya", "Priya Natarajan", "Data Science Lead", "Data & AI", "Bangalore", BLR, "en",
     "machine learning, python, forecasting, 数据分析, mlops",
     "I lead the data science team in Bangalore: demand forecasting, search ranking and our "
     "internal LLM experiments. Ask me for a dataset before you build one."),
    ("liwei", "李伟", "高级后端工程师 Senior Backend Engineer", "Engineering", "Shenzhen", SH, ZH,
     "java, spring, kafka, 高并发, 微服务",
     "后端工程师，负责消息和通知服务。\n\n最近在研究 **Kafka** 的分区再平衡问题，欢迎交流。"),
    ("zhangmin", "张敏", "资深交互设计师 Senior UX Designer", "产品部", "Shanghai", SH, ZH,
     "交互设计, figma, 设计系统, usability testing",
     "设计系统 Lotus 的维护者之一。相信好的设计是**看不见的**。"),
    ("chenjing", "陈静", "HRBP 人力资源业务伙伴", "人力资源", "Shanghai", SH, ZH,
     "招聘, 员工关系, 新员工入职, onboarding",
     "负责研发和产品团队的 HR 支持。新同事入职第一周有任何问题都可以找我。"),
    ("liuyang", "刘洋", "Site Reliability Engineer", "Engineering", "Shenzhen", SH, ZH,
     "sre, prometheus, kubernetes, 故障复盘, linux",
     "SRE，负责亚太区的值班和监控。\n\n> 没有监控的服务等于没有上线。"),
    ("zhaolei", "赵磊", "安全工程师 Security Engineer", "Security", "Beijing", SH, ZH,
     "应用安全, 渗透测试, threat modeling, owasp",
     "做应用安全和渗透测试。发现可疑的东西？请先联系我，不要公开发帖。"),
    ("yangxue", "杨雪", "客户成功经理 Customer Success Manager", "Support", "Shanghai", SH, ZH,
     "客户成功, 续约, onboarding, 培训",
     "负责华东区的重点客户。客户的声音，我来带回来。"),
    ("huangxm", "黄晓明", "销售总监 Sales Director", "Sales", "Shenzhen", SH, ZH,
     "企业销售, 渠道, 谈判, enterprise sales",
     "华南区销售负责人。周五下午一般在客户现场。"),
    ("zhouting", "周婷", "数据分析师 Data Analyst", "Data & AI", "Hangzhou", SH, ZH,
     "sql, tableau, 数据可视化, a/b testing",
     "做产品数据分析和 A/B 实验。**先定义指标，再看数据。**"),
    ("wuhao", "吴昊", "前端工程师 Frontend Engineer", "Engineering", "Shanghai", SH, ZH,
     "typescript, react, 前端性能, 无障碍",
     "前端工程师，关注性能和无障碍访问（a11y）。"),
    ("xuli", "徐丽", "招聘经理 Recruiter", "人力资源", "Shenzhen", SH, ZH,
     "招聘, 雇主品牌, campus hiring",
     "负责技术岗位招聘。内推请直接找我！"),
    ("sunqiang", "孙强", "VP of Engineering", "Engineering", "Shanghai", SH, "en",
     "engineering management, 组织建设, architecture, hiring",
     "I run engineering across Shanghai, Shenzhen, Berlin and Bangalore.\n\n"
     "My door (and my calendar) is open: book any free slot."),
    ("machao", "马超", "技术支持工程师 Support Engineer", "Support", "Chengdu", SH, ZH,
     "技术支持, 故障排查, linux, 客户沟通",
     "二线技术支持。复杂工单欢迎转给我。"),
    ("linxiao", "林晓", "产品经理 Product Manager", "产品部", "Shenzhen", SH, ZH,
     "产品需求, 移动端, 竞品分析",
     "负责移动端产品。最喜欢的工具是白板。"),
    ("guojing", "郭静", "财务经理 Finance Manager", "Finance", "Beijing", SH, ZH,
     "预算, 报销, 财务分析",
     "报销和预算问题请找我，请附上发票 🙂"),
    ("hejun", "何俊", "Machine Learning Engineer", "Data & AI", "Hangzhou", SH, "en",
     "pytorch, nlp, 中文分词, search ranking, llm",
     "I work on search ranking and Chinese text analysis (分词, 同义词)."),
    ("gaojie", "高洁", "市场经理 Marketing Manager", "Marketing", "Shanghai", SH, ZH,
     "品牌, 活动策划, 内容营销",
     "负责中国区的市场活动和品牌内容。"),
    ("luobin", "罗斌", "测试负责人 QA Lead", "Engineering", "Chengdu", SH, ZH,
     "自动化测试, playwright, 质量保障, ci",
     "测试负责人。**没有测试的代码就是遗留代码。**"),
    ("jonas", "Jonas Weber", "Engineering Manager", "Engineering", "Berlin", BER, "en",
     "team leadership, kubernetes, go, hiring",
     "Engineering manager for the platform team in Berlin. Cyclist, bread baker."),
    ("sophie", "Sophie Müller", "Head of Security", "Security", "Berlin", BER, "en",
     "security, iso 27001, incident response, threat modeling",
     "I lead security. Report anything suspicious to **security@example.com**; "
     "there is no such thing as a silly report."),
    ("marcus", "Marcus Johnson", "Account Executive", "Sales", "Austin", AUS, "en",
     "enterprise sales, negotiation, salesforce",
     "Account executive for enterprise customers in the southern US."),
    ("emily", "Emily Chen", "Customer Success Lead", "Support", "Austin", AUS, "en",
     "customer success, onboarding, 客户成功, renewals",
     "I lead customer success for the Americas. 我也会说中文。"),
    ("carlos", "Carlos Mendoza", "Support Engineer", "Support", "Austin", AUS, "en",
     "troubleshooting, sql, customer communication, español",
     "Second-line support in Austin. Hablo español."),
    ("rahul", "Rahul Sharma", "Backend Engineer", "Engineering", "Bangalore", BLR, "en",
     "python, postgresql, queues, rest apis",
     "Backend engineer working on the jobs and queueing service."),
    ("ananya", "Ananya Iyer", "Product Designer", "产品部", "Bangalore", BLR, "en",
     "product design, figma, research, 设计系统",
     "Product designer in Bangalore, part of the Lotus design system team."),
    ("sarah", "Sarah O'Connor", "Chief People Officer", "人力资源", "Dublin", "Europe/Dublin", "en",
     "people strategy, culture, leadership development",
     "Chief People Officer. I care about how we work together across eight time zones."),
    ("david", "David Kim", "Chief Technology Officer", "Engineering", "Austin", AUS, "en",
     "architecture, strategy, distributed systems",
     "CTO. I spend my time on architecture, hiring and customer escalations, in that order."),
    ("laura", "Laura Rossi", "Marketing Director", "Marketing", "Berlin", BER, "en",
     "brand, content, events, product marketing",
     "Marketing director for EMEA. Always looking for customer stories."),
    ("tom", "Tom Becker", "DevOps Engineer", "Engineering", "Berlin", BER, "en",
     "terraform, ci/cd, kubernetes, observability",
     "DevOps engineer. Terraform by day, synthesizers by night."),
    ("aisha", "Aisha Rahman", "Data Engineer", "Data & AI", "Singapore", "Asia/Singapore", "en",
     "spark, airflow, data pipelines, dbt",
     "Data engineer in Singapore: pipelines, warehouse models and data quality."),
    ("kenji", "Kenji Tanaka", "Solutions Architect", "Sales", "Singapore", "Asia/Singapore", "en",
     "solution design, integrations, sso, 日本語",
     "Solutions architect for APAC customers. I help customers connect SSO and their HR systems."),
    ("olivia", "Olivia Brown", "Chief Executive Officer", "Executive Office", "Austin", AUS, "en",
     "strategy, leadership, customers",
     "CEO. Ask me anything in *All Hands*; I answer every question at the monthly town hall."),
    ("mateo", "Mateo García", "Frontend Engineer", "Engineering", "Berlin", BER, "en",
     "typescript, css, accessibility, design systems",
     "Frontend engineer, accessibility nerd, and organiser of the Berlin running group."),
    ("nina", "Nina Petrova", "Technical Writer", "Support", "Berlin", BER, "en",
     "documentation, markdown, api docs",
     "I write the docs. If something is unclear, it is a bug: tell me."),
    ("james", "James Wilson", "Finance Director", "Finance", "London", "Europe/London", "en",
     "finance, budgeting, forecasting",
     "Finance director. Budget season runs October to December."),
    ("meera", "Meera Pillai", "Support Manager", "Support", "Bangalore", BLR, "en",
     "support operations, sla, escalations, zendesk",
     "I manage the support team in Bangalore; we cover the APAC and EMEA mornings."),
    ("lukas", "Lukas Schmidt", "Application Security Engineer", "Security", "Berlin", BER, "en",
     "appsec, code review, owasp, python",
     "Application security engineer. I review pull requests that touch authentication."),
]

# ---------------------------------------------------------------------------------------------
# Communities. In descriptions, <<c:slug>> becomes a community link and <<u:name>> a profile link
# (resolved after the real slugs and usernames are known).
# ---------------------------------------------------------------------------------------------


@dataclass
class CommunitySpec:
    slug: str
    name: str
    access: str
    owner: str
    size: int
    tags: list[str]
    description: str
    affinity: tuple[str, ...] = ()          # departments more likely to be in it
    owners: tuple[str, ...] = ()            # further owners
    moderators: tuple[str, ...] = ()
    core: tuple[str, ...] = ()              # members who are always in it
    requests: tuple[tuple[str, str], ...] = ()   # pending (person, message)
    invites: tuple[tuple[str, str], ...] = ()    # pending (inviter, invitee)
    archived: bool = False
    age_days: int = 300
    active_days: float = 3.0
    language: str = "en"                    # what its content (wiki, forums, blog, chat) is written in


COMMUNITIES: list[CommunitySpec] = [
    CommunitySpec(
        "all-hands", "All Hands / 全员", PUBLIC, "olivia", 36,
        ["announcements", "全员", "company", "town hall"],
        """## Welcome · 欢迎

Company-wide news, the monthly town hall and questions for the leadership team.
公司公告、每月全员大会和向管理层提问，都在这里。

### What goes here · 发什么

- **Announcements** from leadership and HR · 管理层与人力资源的公告
- The **town hall** agenda and recordings · 全员大会议程与录像
- Questions for leadership: ask anything · 有问题尽管问

### Where to go next · 常用社区

| You want to… · 你想… | Go to · 前往 |
|---|---|
| Start well in your first week · 新员工入职 | [新员工入职 Onboarding](<<c:onboarding>>) |
| Know what the platform team ships | [Platform Engineering](<<c:platform-engineering>>) |
| See the product roadmap · 产品路线图 | [产品设计 Product Design](<<c:product-design>>) |
| Go for a run after work · 一起跑步 | [跑步俱乐部 Running Club](<<c:running-club>>) |

> Be kind, assume good intent, and write so that colleagues in Shanghai, Berlin, Austin and
> Bangalore can all follow. 请友善交流，中英文都欢迎。
""",
        owners=(ADMIN_USERNAME,), moderators=("sarah", "chenjing"), core=("ana", "wangfang", "priya"),
        age_days=720, active_days=0.2,
    ),
    CommunitySpec(
        "platform-engineering", "Platform Engineering", PUBLIC, "ana", 15,
        ["kubernetes", "ci/cd", "observability", "devops", "基础架构"],
        """## Platform Engineering

We run the shared platform: Kubernetes clusters, CI/CD, observability and the developer portal.
Our goal: **any team ships to production in under an hour, safely.**

### Getting help

1. Search the runbooks first.
2. Post here with the service name, the environment and what you expected to happen.
3. Production is down? Page the on-call engineer, then post here.

### Your local environment

```bash
git clone https://git.example.com/platform/devbox.git
cd devbox && make up
kubectl get pods --namespace "dev-$USER"
```

### On call this week

| Region | Primary | Secondary |
|---|---|---|
| APAC | [刘洋](<<u:liuyang>>) | [李伟](<<u:liwei>>) |
| EMEA | [Tom Becker](<<u:tom>>) | [Jonas Weber](<<u:jonas>>) |
| Americas | [David Kim](<<u:david>>) | [Carlos Mendoza](<<u:carlos>>) |

Bigger changes go to the [Architecture Review Board](<<c:architecture-review-board>>) first.
""",
        affinity=("Engineering",), moderators=("jonas", "liuyang"), core=("tom", "liwei", "rahul"),
        age_days=540, active_days=0.5,
    ),
    CommunitySpec(
        "product-design", "产品设计 Product Design", MODERATED, "wangfang", 12,
        ["产品", "设计系统", "ux", "roadmap"],
        """## 产品设计 · Product Design

产品经理、设计师和用户研究员的交流空间。
*Where product managers, designers and researchers share work in progress.*

### 我们在做什么 · What we work on

- 2025 产品路线图与季度 OKR · *roadmap and quarterly OKRs*
- 设计系统 **Lotus** 组件库 · *the Lotus design system*
- 用户访谈与可用性测试 · *interviews and usability tests*

### 评审节奏 · Review rhythm

| 评审 Review | 时间 When | 负责人 Owner |
|---|---|---|
| 设计评审 Design critique | 每周二 14:00 (UTC+8) | [张敏](<<u:zhangmin>>) |
| 需求评审 PRD review | 每周四 10:00 (UTC+8) | [王芳](<<u:wangfang>>) |

加入需要审批：申请时请简单介绍你的角色。
*Membership is moderated: tell us what you work on when you ask to join.*
""",
        affinity=("产品部",), moderators=("zhangmin",), core=("linxiao", "ananya", "zhouting"),
        requests=(("wuhao", "我是前端工程师，想参加设计评审，提前了解 Lotus 组件的变化。"),
                  ("emily", "Customer Success here: I'd like to bring customer feedback to the PRD reviews.")),
        age_days=480, active_days=1.0, language=ZH,
    ),
    CommunitySpec(
        "onboarding", "新员工入职 Onboarding", PUBLIC, "chenjing", 18,
        ["onboarding", "入职", "hr", "新员工"],
        """## 欢迎加入！Welcome aboard!

这里是新同事的第一站。*Your first stop as a new colleague.*

### 第一周 · Your first week

| 天 Day | 做什么 What | 找谁 Who |
|---|---|---|
| 周一 Monday | 领取电脑、开通账号 · laptop and accounts | IT 服务台 |
| 周二 Tuesday | 认识你的导师 · meet your buddy | 你的经理 your manager |
| 周三 Wednesday | 产品演示 · product demo | [产品设计 Product Design](<<c:product-design>>) |
| 周四 Thursday | 安全培训 · security training | Security team |
| 周五 Friday | 第一次全员大会 · your first town hall | [All Hands / 全员](<<c:all-hands>>) |

### 清单 · Checklist

- [x] 签署劳动合同 · sign your contract
- [ ] 完善个人资料（头像、职位、专长）· complete your profile
- [ ] 加入三个你感兴趣的社区 · join three communities
- [ ] 和导师约一次午饭 · lunch with your buddy

有问题？找 [陈静](<<u:chenjing>>) 或 [徐丽](<<u:xuli>>)。
""",
        affinity=("人力资源",), moderators=("xuli", "sarah"), age_days=650, active_days=2.0, language=ZH,
    ),
    CommunitySpec(
        "customer-success", "Customer Success", PUBLIC, "emily", 11,
        ["customers", "客户成功", "support", "renewals"],
        """## Customer Success

Everything about keeping our customers successful: onboarding plans, health scores,
renewals and the stories worth retelling.

### Ground rules

- Never post customer personal data here; link to the CRM record instead.
- Tag escalations with **escalation** so support and engineering see them.
- Wins are welcome! Share what worked so others can copy it.

### Regional leads

| Region | Lead |
|---|---|
| Americas | [Emily Chen](<<u:emily>>) |
| 华东 East China | [杨雪](<<u:yangxue>>) |
| APAC & EMEA support | [Meera Pillai](<<u:meera>>) |

The playbook lives on the [customer success site](https://docs.example.com/customer-success).
""",
        affinity=("Support", "Sales"), moderators=("yangxue",), core=("meera", "marcus"),
        age_days=400, active_days=1.5,
    ),
    CommunitySpec(
        "data-ai", "数据分析与 AI", PUBLIC, "priya", 10,
        ["数据分析", "machine learning", "llm", "sql"],
        """## 数据分析与 AI · Data & AI

分享数据集、分析方法和机器学习实验。
*Datasets, analysis and machine-learning experiments, in Chinese and English.*

### 常用数据集 · Datasets

| 数据集 Dataset | 更新 Refresh | 负责人 Owner |
|---|---|---|
| `events_daily` | 每天 daily | [Aisha Rahman](<<u:aisha>>) |
| `search_clicks` | 每小时 hourly | [何俊](<<u:hejun>>) |
| `revenue_monthly` | 每月 monthly | [周婷](<<u:zhouting>>) |

### 一个例子 · A query to start with

```sql
SELECT date_trunc('week', occurred_at) AS week,
       count(DISTINCT user_id)          AS weekly_active_users
FROM events_daily
GROUP BY 1
ORDER BY 1;
```

提问前请先看看 [数据字典](https://data.example.com/dictionary)。
""",
        affinity=("Data & AI",), moderators=("hejun",), core=("aisha", "zhouting"),
        age_days=360, active_days=1.2, language=ZH,
    ),
    CommunitySpec(
        "security-champions", "Security Champions", RESTRICTED, "sophie", 6,
        ["security", "安全", "appsec", "incident response"],
        """## Security Champions

A closed group of engineers who carry security practice into their teams.
**Membership is by invitation; what is discussed here stays here.**

### What champions do

- Review threat models for new features in their team
- Triage dependency alerts within **5 working days**
- Join the quarterly incident-response drill

### Reporting a vulnerability

Do not post details in open communities. Mail [security@example.com](mailto:security@example.com)
or talk to [Sophie Müller](<<u:sophie>>) or [赵磊](<<u:zhaolei>>) directly.
""",
        moderators=("zhaolei",), core=("lukas", "ana", "liuyang", "rahul"),
        invites=(("sophie", "tom"), ("zhaolei", "luobin")),
        age_days=300, active_days=4.0,
    ),
    CommunitySpec(
        "leadership-forum", "Leadership Forum", RESTRICTED, "olivia", 7,
        ["leadership", "strategy", "管理层"],
        """## Leadership Forum

For the leadership team: strategy drafts, organisation changes and board preparation,
before they are ready to share with everyone in [All Hands / 全员](<<c:all-hands>>).

### This quarter

1. FY26 planning: first drafts due in week 6
2. Opening the Bangalore engineering hub
3. 中国区渠道合作伙伴计划 · the China channel partner programme
""",
        moderators=("sarah",), core=("david", "sunqiang", "james", "wangfang", "huangxm"),
        invites=(("olivia", "ana"),),
        age_days=700, active_days=6.0,
    ),
    CommunitySpec(
        "architecture-review-board", "Architecture Review Board", MODERATED, "ana", 7,
        ["architecture", "架构", "design review", "rfc"],
        """## Architecture Review Board

We review designs that are **hard to reverse**: new services, data stores, public APIs and
cross-team dependencies. Reviews are open to read; joining is moderated so that every member
commits to reviewing.

### How to ask for a review

1. Write an RFC from the template below, at least one week before the meeting.
2. Post it here with the tag **rfc**.
3. Present it at the board, Wednesdays 15:00 UTC (23:00 Shanghai, 17:00 Berlin).

### RFC template

- [ ] Problem and context
- [ ] Options considered, with their costs
- [ ] Decision and consequences
- [ ] Rollout and rollback plan

Chaired by [Ana Lima](<<u:ana>>), with [David Kim](<<u:david>>) and [孙强](<<u:sunqiang>>).
""",
        affinity=("Engineering",), moderators=("david", "sunqiang"), core=("jonas", "liwei"),
        requests=(("rahul", "I'd like to present the new queueing design (RFC-42) and help review others."),
                  ("liuyang", "想加入评审，特别是和可观测性、容量规划相关的设计。"),
                  ("mateo", "Frontend perspective for API reviews; happy to take on reviews.")),
        age_days=420, active_days=2.5,
    ),
    CommunitySpec(
        "frontend-guild", "前端公会 Frontend Guild", PUBLIC, "wuhao", 8,
        ["frontend", "前端", "typescript", "accessibility"],
        """## 前端公会 · Frontend Guild

前端工程师的聚集地：代码规范、性能、无障碍和新工具。
*Frontend engineers across offices: conventions, performance, accessibility, tooling.*

- 每月一次 **Tech Talk**，轮流分享 · *a monthly tech talk, speakers rotate*
- 代码规范见 [前端手册](https://docs.example.com/frontend) · *see the frontend handbook*
- 无障碍检查清单由 [Mateo García](<<u:mateo>>) 维护 · *the a11y checklist*
""",
        affinity=("Engineering", "产品部"), moderators=("mateo",), core=("zhangmin", "ananya"),
        age_days=260, active_days=3.0, language=ZH,
    ),
    CommunitySpec(
        "running-club", "跑步俱乐部 Running Club", PUBLIC, "mateo", 7,
        ["running", "跑步", "social", "健康"],
        """## 跑步俱乐部 · Running Club

Every office runs together once a week. 每个办公室每周一起跑一次！

| Office · 办公室 | When · 时间 | Where · 地点 |
|---|---|---|
| Berlin | Thursday 18:30 | Tempelhofer Feld |
| 上海 Shanghai | 周三 19:00 | 世纪公园 |
| Austin | Saturday 7:00 | Lady Bird Lake |

All paces welcome, nobody is left behind. 配速不限，不让任何人掉队。
""",
        core=("jonas", "liuyang", "emily"), invites=(("mateo", "wangfang"), ("emily", "priya")),
        age_days=200, active_days=5.0, language=ZH,
    ),
    CommunitySpec(
        "shenzhen-office", "深圳办公室 Shenzhen Office", PUBLIC, "huangxm", 6,
        ["深圳", "office", "行政"],
        """## 深圳办公室

深圳办公室的通知、活动和日常：订会议室、访客登记、午餐推荐。

- 地址：南山区科技园 · *Nanshan Science Park*
- 访客请提前一天登记 · *register visitors one day ahead*
- 每月最后一个周五下午茶 🍵

*English is welcome here too.*
""",
        affinity=(), core=("liwei", "liuyang", "xuli", "linxiao"), age_days=500, active_days=7.0, language=ZH,
    ),
    CommunitySpec(
        "office-move-2023", "2023 办公室搬迁 Office Move", PUBLIC, "guojing", 4,
        ["行政", "office"],
        """## 2023 办公室搬迁 · Office Move

The Shanghai office moved to the new building in November 2023. This community is archived
and kept read-only for reference. 本社区已归档，仅供查阅。
""",
        core=("gaojie", "wangfang"), archived=True, age_days=760, active_days=420.0, language=ZH,
    ),
]

FEATURED = (
    ("ana", "principal engineer; owns the Architecture Review Board, with join requests waiting"),
    ("wangfang", "product director (产品总监), uses the 简体中文 interface; owns 产品设计 Product Design"),
    ("priya", "data science lead in Bangalore; has an invitation waiting"),
    ("olivia", "CEO; owns the restricted Leadership Forum"),
)
