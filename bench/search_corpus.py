"""Synthetic search documents for bench/search_bench.py: forum posts, wiki pages and blog posts in
mixed English and Chinese, fast enough to make 200,000 of them in well under a minute per core.

    from search_corpus import Corpus
    corpus = Corpus(seed=1, communities=[(id, slug, weight, [tags])...], authors=[username, ...])
    for doc in corpus.documents(start=0, count=1000): ...   # dicts shaped like document_fields()

Text model (no external word lists, everything is in this file):

- English: one ranked vocabulary, function words first, then about 900 real workplace and
  everyday words, drawn with Zipf-Mandelbrot weights 1/(rank + 2.7) (so about a third of the
  words are stop words and term frequencies fall off like a real corpus), plus a long tail of
  30,000 made-up words built from syllables that make up 6 % of the draws (names, jargon, typos:
  the many terms that occur in only a few documents). About 120 two-word collocations ("code review",
  "on call") are put into sentences so phrase queries have something to find.
- Chinese: about 420 common words and phrases (two to four characters), drawn with Zipf weights
  into clauses of 3-10 words, joined by ，and 。; some English technical words in between, written
  with spaces the way people do ("用 Python 写"). About 15 % of the Chinese documents are in
  Traditional characters (the same words converted once with OpenCC s2t).
- A document is English (55 %), Chinese (30 %) or mixed (15 %: English with Chinese sentences,
  or the reverse); type forum 50 %, wiki 25 %, blog 25 %; 50-400 words (Chinese words count as
  words), skewed towards short; 0-4 tags (the community's own tags and common ones); an author
  drawn Zipf-like from the people given; a community drawn by the weights given (member counts:
  a long tail); created uniformly over two years, a third of them edited later.

Same seed and same inputs, same documents, whatever the chunking.
"""
from __future__ import annotations

import random
from bisect import bisect_left
from datetime import datetime, timedelta
from itertools import accumulate

# ---------------------------------------------------------------- English

FUNCTION_WORDS = (  # noqa: SIM905
    "the of and to a in is that for it on with as was be this are we have you at by not or from "
    "but an can will they our if all do so which has more when about their there would one what "
    "been also its just should other into than then them could these any some only how"
).split()

# Roughly from common to less common in workplace writing; rank decides frequency.
CONTENT_WORDS = (  # noqa: SIM905
    "team work time new project data need people use like make update release meeting "
    "process week change issue support service user question help plan code design system "
    "product review test customer good first year build team's report next feature problem "
    "share idea today information document page process access version working group thanks "
    "start month office manager open way note part number set result line point check run "
    "server list order event talk current quarter goal step free write read call follow "
    "question answer found error fix deploy performance community learn training session "
    "content link request policy internal external budget cost price sales market strategy "
    "team lead engineer developer analyst designer director company business client partner "
    "application platform network database cloud security privacy account login password "
    "email calendar schedule deadline launch roadmap milestone sprint backlog ticket bug "
    "feedback survey interview research experiment metric dashboard chart analysis model "
    "python java go rust javascript typescript kubernetes docker linux windows mobile android "
    "ios browser frontend backend api library framework package module function class method "
    "variable config setting option default environment production staging local remote "
    "branch commit merge pull request pipeline build artifact cache storage backup restore "
    "monitoring alert incident outage latency throughput memory cpu disk queue worker thread "
    "message chat channel thread reply comment post blog wiki forum topic tag search filter "
    "sort export import upload download file folder image video slide template draft "
    "approve reject assign close reopen resolve escalate prioritize estimate measure improve "
    "onboarding hiring interview candidate offer salary benefit holiday leave travel expense "
    "invoice contract legal compliance audit risk governance standard guideline checklist "
    "workshop webinar conference meetup lunch coffee breakfast dinner party celebration "
    "running cycling hiking football basketball tennis chess music book photography cooking "
    "volunteer charity garden weekend morning afternoon evening night monday tuesday "
    "wednesday thursday friday january february march april may june july august september "
    "october november december spring summer autumn winter london berlin paris tokyo shanghai "
    "beijing shenzhen singapore sydney toronto dublin bangalore york francisco "
    "great better best important simple clear quick easy hard difficult small large big "
    "long short high low early late fast slow happy sorry sure true false right wrong "
    "possible available ready useful helpful interesting exciting strange broken missing "
    "old recent public private shared personal global regional daily weekly monthly annual "
    "create delete edit move copy paste rename migrate upgrade downgrade install configure "
    "enable disable connect disconnect sync refresh reload restart stop pause resume "
    "discuss decide agree explain describe suggest recommend propose consider remember "
    "understand expect happen provide include require allow prevent reduce increase "
    "handle manage organize prepare present publish announce invite join leave welcome "
    "thank ask tell show try keep give take bring send receive watch listen see look "
    "architecture infrastructure observability reliability scalability availability "
    "accessibility usability localization translation internationalization documentation "
    "specification requirement dependency integration migration deployment automation "
    "authentication authorization encryption certificate vulnerability patch firewall "
    "proxy gateway cluster node pod container image registry volume secret namespace "
    "terraform ansible grafana prometheus kafka redis postgresql mysql elasticsearch "
    "whoosh flask django react vue angular webpack eslint pytest jenkins github gitlab "
    "jira confluence slack zoom teams notion figma sketch excel powerpoint spreadsheet "
    "machine learning neural embedding classifier regression cluster forecast anomaly "
    "benchmark profiling regression flaky timeout retry backoff idempotent transaction "
    "consistency replication partition shard index query schema column table view "
    "retrospective standup demo kickoff postmortem handover offsite allhands townhall "
    "mentor mentoring coaching feedback appraisal promotion career growth skill learning "
    "wellbeing mindfulness yoga running marathon triathlon climbing bouldering swimming "
    "recipe baking sourdough espresso matcha tea vegetarian vegan noodles dumplings "
    "novel poetry podcast documentary festival concert guitar piano violin choir "
    "sustainability carbon recycling commute bicycle electric solar energy climate "
    "diversity inclusion accessibility parents childcare family volunteering mentorship "
    "prototype wireframe mockup persona journey usability heuristic typography palette "
    "campaign newsletter audience engagement conversion funnel retention churn revenue "
    "forecasting procurement vendor supplier logistics inventory warehouse shipping "
    "quarterly okr kpi headcount reorg offsite strategy vision mission values culture "
    "accountable ownership transparency autonomy alignment collaboration communication "
    "asynchronous synchronous distributed hybrid office remote timezone overlap handoff "
    "glossary faq howto tutorial walkthrough cheatsheet playbook runbook handbook manual "
    "outline summary appendix footnote reference citation bibliography abstract "
    "latitude longitude geography atlas compass telescope microscope laboratory chemistry "
    "physics biology mathematics statistics probability algebra geometry calculus "
    "penguin giraffe elephant dolphin octopus hedgehog squirrel falcon sparrow otter "
    "lantern kettle umbrella backpack notebook stapler whiteboard marker sticky projector "
    "saffron cardamom cinnamon turmeric ginger garlic basil oregano paprika nutmeg "
    "harbor lighthouse glacier canyon meadow orchard vineyard archipelago peninsula plateau "
    "quasar nebula asteroid comet eclipse equinox solstice aurora meteor galaxy"
).split()

COLLOCATIONS = (
    "code review", "pull request", "release notes", "on call", "design system", "user research",
    "machine learning", "data pipeline", "load test", "incident review", "team meeting",
    "product roadmap", "customer feedback", "unit test", "integration test", "feature flag",
    "rate limit", "error budget", "service level", "root cause", "access control", "single sign",
    "search index", "query latency", "memory leak", "cold start", "hot fix", "open source",
    "pair programming", "tech debt", "style guide", "office hours", "lunch and learn",
    "town hall", "new joiner", "annual review", "performance review", "career ladder",
    "book club", "running club", "board games", "coffee chat", "team offsite", "hack week",
    "demo day", "sprint planning", "daily standup", "backlog grooming", "story points",
    "acceptance criteria", "definition of done", "user story", "dark mode", "mobile app",
    "web app", "browser extension", "command line", "shell script", "config file",
    "environment variable", "database migration", "schema change", "connection pool",
    "thread pool", "message queue", "event stream", "batch job", "cron job", "disk space",
    "cpu usage", "response time", "time zone", "public holiday", "parental leave",
    "expense report", "travel policy", "security training", "password manager",
    "phishing email", "two factor", "privacy policy", "data retention", "cost saving",
    "cloud bill", "reserved instances", "spot instances", "blue green", "canary release",
    "rollback plan", "runbook entry", "status page", "post mortem", "action items",
    "meeting notes", "decision log", "architecture decision", "request for comments",
    "design review", "accessibility audit", "screen reader", "color contrast",
    "keyboard navigation", "load balancer", "health check", "circuit breaker",
    "retry policy", "dead letter", "search results", "type ahead", "spell check",
    "full text", "relevance ranking", "sourdough starter", "marathon training",
    "bike to work", "climate action", "carbon footprint",
)

_SYLLABLES = (  # noqa: SIM905
    "ka ro mi ta ne su lo vi da pe zu fa ri mo ga te ni bo sa le ku ma ti do re na "
    "tor ven lis mar pol dan sen rik bel cor fen gal hor jin kel lun mon nar pel quin "
    "ras sol tan ul var wen xal yor zen bra cle dri fro gli pla pro stra tri"
).split()

# ---------------------------------------------------------------- Chinese

ZH_WORDS = (  # noqa: SIM905
    # everyday function words and verbs
    "我们 大家 这个 一个 可以 需要 已经 如果 因为 所以 但是 还是 没有 什么 怎么 为什么 现在 今天 明天 "
    "昨天 下周 本周 上周 时候 问题 情况 方面 工作 时间 同事 团队 部门 公司 项目 产品 用户 客户 "
    "会议 讨论 分享 介绍 总结 计划 目标 结果 进展 更新 发布 上线 测试 开发 设计 需求 文档 流程 "
    "规范 标准 方案 建议 意见 反馈 支持 帮助 解决 处理 完成 开始 继续 准备 确认 检查 调整 优化 "
    "改进 提高 降低 增加 减少 使用 提供 负责 参与 组织 安排 通知 邀请 欢迎 感谢 谢谢 辛苦 "
    # technology
    "数据 数据库 服务器 系统 平台 架构 接口 前端 后端 移动端 客户端 服务端 浏览器 网络 安全 权限 "
    "登录 密码 账号 配置 部署 发布 版本 分支 合并 代码 评审 重构 性能 延迟 吞吐 缓存 队列 日志 "
    "监控 告警 故障 事故 复盘 回滚 扩容 容器 集群 节点 镜像 存储 备份 恢复 迁移 升级 依赖 "
    "自动化 脚本 工具 插件 框架 模块 函数 算法 模型 训练 推理 机器学习 人工智能 深度学习 "
    "大模型 向量 检索 搜索 索引 排序 推荐 分析 报表 指标 看板 实验 灰度 开源 社区 云原生 "
    "微服务 中间件 消息 事件 任务 调度 并发 线程 进程 内存 磁盘 带宽 流量 请求 响应 超时 重试 "
    "社交媒体 信息安全 用户体验 交互设计 视觉设计 产品经理 项目管理 敏捷开发 持续集成 持续交付 "
    "测试用例 单元测试 自动测试 压力测试 代码规范 技术债务 知识库 维基 博客 论坛 聊天 频道 话题 "
    # business and people
    "市场 营销 销售 运营 财务 预算 成本 收入 利润 合同 采购 供应商 供应链 物流 库存 法务 合规 "
    "审计 风险 人力资源 招聘 面试 候选人 入职 培训 新员工 绩效 晋升 职业 发展 成长 学习 技能 "
    "导师 分享会 读书会 沙龙 年会 团建 活动 报名 名额 地点 会议室 办公室 远程 出差 报销 请假 "
    "假期 春节 中秋 国庆 端午 元旦 周末 加班 值班 轮岗 季度 年度 周报 月报 日报 目标管理 "
    "战略 愿景 价值观 文化 协作 沟通 透明 效率 质量 创新 体验 服务 品牌 渠道 增长 留存 转化 "
    # places and life
    "上海 北京 深圳 杭州 成都 广州 香港 台北 新加坡 东京 伦敦 柏林 办公 园区 食堂 咖啡 午餐 "
    "晚餐 早餐 健身 跑步 羽毛球 篮球 足球 乒乓球 游泳 瑜伽 徒步 骑行 摄影 音乐 电影 读书 旅行 "
    "烘焙 美食 火锅 饺子 面条 茶叶 奶茶 天气 下雨 晴天 春天 夏天 秋天 冬天 孩子 家庭 亲子 "
    "公益 志愿者 环保 健康 心理 睡眠 运动 比赛 冠军 报名表 照片 视频 直播 录像 幻灯片 "
    # connective phrases, adjectives, adverbs
    "非常 特别 比较 一些 很多 所有 每个 其他 相关 重要 简单 复杂 清楚 方便 及时 稳定 可靠 "
    "灵活 高效 安全 快速 缓慢 正常 异常 成功 失败 有效 无效 主要 基本 具体 详细 最新 最近 "
    "之前 之后 同时 另外 例如 比如 首先 其次 最后 总之 目前 未来 过去 一直 经常 偶尔 马上 "
    "尽快 大概 可能 应该 必须 希望 觉得 认为 发现 知道 了解 理解 记得 注意 关注 考虑 决定 "
    "同意 反对 提出 回复 评论 点赞 收藏 转发 关注者 粉丝 动态 通知栏 消息中心 个人资料 头像 "
    "签名 设置 隐私 主题 标签 分类 草稿 归档 删除 编辑 保存 提交 撤销 恢复 导出 导入 上传 "
    "下载 附件 链接 截图 表格 图表 示例 模板 说明 指南 手册 教程 常见问题 入门 进阶 实践 "
    "案例 经验 教训 思考 心得 体会 观点 趋势 行业 竞品 调研 访谈 问卷 样本 统计 概率"
).split()

ZH_EMBEDDED_LATIN = (
    "Python", "Go", "Rust", "Java", "API", "SDK", "SQL", "Kubernetes", "Docker", "Redis",
    "Kafka", "GitHub", "GitLab", "CI", "CD", "PR", "bug", "OKR", "KPI", "UI", "UX", "App",
    "iOS", "Android", "Web", "AI", "LLM", "Flask", "React", "Linux", "Excel", "PPT",
)

ZH_TITLES = {
    "forum": ("请问{a}怎么{b}？", "关于{a}的问题", "{a}出现{b}，有人遇到过吗", "求助：{a}和{b}",
              "{a}{b}有什么好的办法", "讨论一下{a}"),
    "wiki": ("{a}指南", "{a}{b}规范", "{a}入门", "{a}常见问题", "{a}{b}流程说明", "{a}手册"),
    "blog": ("{a}实践总结", "我们如何{b}{a}", "{a}的一些思考", "聊聊{a}和{b}", "{a}分享会回顾",
             "从{a}到{b}"),
}
EN_TITLES = {
    "forum": ("How do we {a} the {b}?", "{A} not working after {b} update", "Question about {a} and {b}",
              "Anyone else seeing {a} {b}?", "Best way to {a} {b}?", "Help: {a} {b}"),
    "wiki": ("{A} {b} guide", "{A} onboarding checklist", "{A} and {b}: how we work", "{A} {b} FAQ",
             "Runbook: {a} {b}", "{A} {b} reference"),
    "blog": ("What we learned from {a}", "Notes from the {a} {b} meetup", "Why we moved to {a}",
             "{A} {b} in practice", "A year of {a}", "Our {a} {b} story"),
}
TYPES = (("forum", 50), ("wiki", 25), ("blog", 25))
COMMON_TAGS = (
    "engineering", "design", "data", "product", "security", "cloud", "python", "frontend", "backend",
    "howto", "question", "announcement", "meetup", "onboarding", "ml", "devops", "social", "books",
    "技术", "产品", "设计", "数据", "运营", "生活", "学习", "分享", "活动", "问题",
)
LANGS = (("en", 55), ("zh", 30), ("mixed", 15))


def _zipf_cum(n: int, q: float = 2.7, s: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (r + q) ** s for r in range(1, n + 1)))


def _two_tier_cum(head: int, tail: int, tail_share: float) -> list[float]:
    """Zipf over the head words, then the tail words sharing tail_share of the draws (Zipf too)."""
    hw = [1.0 / (r + 2.7) for r in range(1, head + 1)]
    tw = [1.0 / (r + 10.0) for r in range(1, tail + 1)]
    hs, ts = sum(hw), sum(tw)
    return list(accumulate([w * (1 - tail_share) / hs for w in hw] + [w * tail_share / ts for w in tw]))


def _pseudo_words(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        if w not in taken:
            taken.add(w)
            out.append(w)
    return out


class Corpus:
    """Deterministic document maker. communities: (id, slug, weight, tags); authors: usernames."""

    def __init__(self, seed: int, communities: list[tuple[int, str, float, list[str]]], authors: list[str],
                 tail_words: int = 30_000, now: datetime | None = None):
        if not communities or not authors:
            raise ValueError("need at least one community and one author")
        rng = random.Random(seed)
        self.seed = seed
        self.now = (now or datetime.now()).replace(microsecond=0, tzinfo=None)
        seen: set[str] = set()
        real = [w for w in FUNCTION_WORDS + CONTENT_WORDS if not (w in seen or seen.add(w))]
        tail = _pseudo_words(rng, tail_words, seen)
        self.en_vocab = real + tail
        self.en_cum = _two_tier_cum(len(real), len(tail), 0.06)
        head = [w for w in real if w not in FUNCTION_WORDS]
        self.content_vocab = head + tail
        self.content_cum = _two_tier_cum(len(head), len(tail), 0.06)
        self.colloc_cum = _zipf_cum(len(COLLOCATIONS), q=1.0)
        zh = list(dict.fromkeys(ZH_WORDS))
        self.zh_simplified = zh
        try:
            import opencc

            s2t = opencc.OpenCC("s2t")
            self.zh_traditional = [s2t.convert(w) for w in zh]
        except Exception:  # noqa: BLE001 (OpenCC missing or without s2t: Simplified only)
            self.zh_traditional = zh
        self.zh_cum = _zipf_cum(len(zh), q=5.0, s=0.9)
        self.communities = communities
        self.community_cum = list(accumulate(max(w, 0.01) for _i, _s, w, _t in communities))
        order = list(authors)
        rng.shuffle(order)
        self.authors = order
        self.author_cum = _zipf_cum(len(order), q=10.0, s=0.8)
        self.tag_cum = _zipf_cum(len(COMMON_TAGS), q=2.0)

    # ------------------------------------------------------------ text pieces

    def _en_sentences(self, rng: random.Random, n_words: int) -> list[str]:
        words = rng.choices(self.en_vocab, cum_weights=self.en_cum, k=n_words)
        out = []
        i = 0
        while i < n_words:
            k = rng.randint(6, 20)
            chunk = words[i:i + k]
            i += k
            if rng.random() < 0.45:
                chunk.insert(rng.randrange(len(chunk) + 1),
                             rng.choices(COLLOCATIONS, cum_weights=self.colloc_cum)[0])
            s = " ".join(chunk)
            out.append(s[:1].upper() + s[1:] + rng.choice((".", ".", ".", "?", "!")))
        return out

    def _zh_sentences(self, rng: random.Random, n_words: int, vocab: list[str]) -> list[str]:
        words = rng.choices(vocab, cum_weights=self.zh_cum, k=n_words)
        out = []
        i = 0
        while i < n_words:
            clauses = []
            for _ in range(rng.randint(1, 3)):
                k = rng.randint(3, 10)
                chunk = words[i:i + k]
                i += k
                if not chunk:
                    break
                if rng.random() < 0.15:
                    chunk.insert(rng.randrange(len(chunk) + 1), f" {rng.choice(ZH_EMBEDDED_LATIN)} ")
                clauses.append("".join(chunk))
            if clauses:
                out.append("，".join(clauses) + rng.choice(("。", "。", "。", "？", "！")))
        return out

    @staticmethod
    def _paragraphs(rng: random.Random, sentences: list[str], joiner: str) -> str:
        paras = []
        i = 0
        while i < len(sentences):
            k = rng.randint(2, 6)
            paras.append(joiner.join(sentences[i:i + k]))
            i += k
        return "\n\n".join(paras)

    def _title(self, rng: random.Random, doc_type: str, lang: str, zh_vocab: list[str]) -> str:
        if lang == "zh":
            a, b = rng.choices(zh_vocab, cum_weights=self.zh_cum, k=2)
            return rng.choice(ZH_TITLES[doc_type]).format(a=a, b=b)
        a, b = rng.choices(self.content_vocab, cum_weights=self.content_cum, k=2)
        if rng.random() < 0.3:
            a = rng.choices(COLLOCATIONS, cum_weights=self.colloc_cum)[0]
        return rng.choice(EN_TITLES[doc_type]).format(a=a, b=b, A=a[:1].upper() + a[1:])

    # ------------------------------------------------------------ documents

    def document(self, n: int) -> dict:
        """Document number n: its own random stream, so chunks can be made anywhere."""
        rng = random.Random(self.seed * 1_000_003 + n)
        doc_type = rng.choices([t for t, _w in TYPES], [w for _t, w in TYPES])[0]
        lang = rng.choices([x for x, _w in LANGS], [w for _x, w in LANGS])[0]
        zh_vocab = self.zh_traditional if rng.random() < 0.15 else self.zh_simplified
        n_words = int(50 + 350 * rng.random() ** 1.7)
        if lang == "en":
            body = self._paragraphs(rng, self._en_sentences(rng, n_words), " ")
            title_lang = "en"
        elif lang == "zh":
            body = self._paragraphs(rng, self._zh_sentences(rng, n_words, zh_vocab), "")
            title_lang = "zh"
        else:  # mixed: mostly one language with sentences of the other
            zh_share = rng.uniform(0.2, 0.8)
            k_zh = int(n_words * zh_share)
            sents = self._en_sentences(rng, n_words - k_zh) + self._zh_sentences(rng, k_zh, zh_vocab)
            rng.shuffle(sents)
            body = self._paragraphs(rng, sents, " ")
            title_lang = "zh" if zh_share > 0.5 else "en"
        title = self._title(rng, doc_type, title_lang, zh_vocab)
        ci = bisect_left(self.community_cum, rng.random() * self.community_cum[-1])
        cid, slug, _w, ctags = self.communities[min(ci, len(self.communities) - 1)]
        tags: list[str] = []
        if ctags and rng.random() < 0.6:
            tags.append(rng.choice(ctags))
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            t = rng.choices(COMMON_TAGS, cum_weights=self.tag_cum)[0]
            if t not in tags:
                tags.append(t)
        ai = bisect_left(self.author_cum, rng.random() * self.author_cum[-1])
        author = self.authors[min(ai, len(self.authors) - 1)]
        created = self.now - timedelta(seconds=rng.uniform(0, 730 * 86400))
        updated = created + (self.now - created) * rng.random() if rng.random() < 0.33 else created
        return {
            "id": f"{doc_type}:{n + 1}",
            "type": doc_type,
            "community": str(cid),
            "scope": f"community:{cid}",
            "title": title,
            "body": body,
            "spell": f"{title} {body[:20_000]}",
            "author": author.lower(),
            "tags": ",".join(tags),
            "created": created,
            "updated": updated,
            "url": f"/c/{slug}/{doc_type}/{n + 1}",
        }

    def documents(self, start: int, count: int):
        for n in range(start, start + count):
            yield self.document(n)
