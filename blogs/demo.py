"""`collab demo` content for community blogs (collab.tools' ``demo_content``): published posts
with comments, replies and likes, through the blog services (which tell the stream and notify)."""
from __future__ import annotations

from . import services
from .permissions import Blog

# Per demo community: posts (author, days ago, title, tags, Markdown, comments, likers). A comment:
# (author, days ago, Markdown, the index of the comment it answers or None).
POSTS: dict[str, list] = {
    "platform-engineering": [
        ("ana", 19, "How we cut deploy time from 40 to 9 minutes", "ci/cd, performance",
         """Three changes did most of it:

1. **Layer caching** in CI: base images are rebuilt nightly, not per commit.
2. **Parallel test shards**, split by timing data from the last run.
3. **Canary by default**: no more manual waiting in staging.

| Step | Before | After |
|---|---|---|
| Build | 14 min | 3 min |
| Tests | 18 min | 4 min |
| Rollout | 8 min | 2 min |

Next up: the same for the mobile pipeline. Thanks @tom and @liuyang for the heavy lifting.
""", [("tom", 18, "The caching change alone saved us 8 minutes. Worth copying for every repo.", None),
      ("rahul", 18, "Is the test-splitting script shared somewhere?", None),
      ("ana", 17, "Yes: it is in the platform repo under `ci/split-tests`.", 1)],
         ("tom", "liuyang", "sunqiang", "jonas")),
        ("jonas", 5, "Meet the platform team in Berlin", "team, berlin",
         """We are six engineers in Berlin and two in Shenzhen. What we own: the clusters, CI/CD,
observability and the developer portal.

Drop by on Thursdays for our open office hour, or say hello in the chat room.
""", [("lukas", 4, "The Thursday office hour helped me a lot last month. Recommended!", None)], ("ana",)),
    ],
    "product-design": [
        ("wangfang", 17, "2025 上半年产品复盘", "复盘, 路线图",
         """上半年我们完成了三件大事：

1. **移动端重构**上线，启动速度提升 60%。
2. **Lotus 设计系统**覆盖了 80% 的页面。
3. 完成了 **32 场**客户访谈。

下半年的重点是搜索体验。感谢 @zhangmin 和 @linxiao 的辛苦付出！
""", [("zhangmin", 16, "设计系统的覆盖率下季度争取到 100%。", None),
      ("linxiao", 16, "移动端的数据很漂亮，团队辛苦了！", None),
      ("wangfang", 15, "大家都辛苦了，周五请大家喝奶茶 🧋", 1)],
         ("zhangmin", "linxiao", "zhouting", "ananya")),
        ("zhangmin", 7, "设计评审的五个小建议", "设计评审",
         """- 先讲要解决的问题，再看方案
- 每次只评审一个主题
- 反馈要具体：哪里、为什么
- 记录决定，而不只是意见
- 评审后 24 小时内更新设计稿
""", [("ananya", 6, "第四条特别重要，我们之前常常忘记记录决定。", None)], ("wangfang",)),
    ],
    "all-hands": [
        ("olivia", 13, "Town hall: what we heard, what we'll do", "town hall, announcements",
         """Thank you for the 48 questions at this month's town hall. The three themes:

- **Hiring**: we add 30 engineers this year, half of them in Bangalore.
- **Tools**: this platform replaces our old wiki and forums by the end of the quarter.
- **Travel**: the budget for cross-office visits doubles.

全员大会的录像和问答记录已经上传，欢迎查看。
""", [("sarah", 13, "The recording is on the HR page too.", None),
      ("wangfang", 12, "谢谢！关于出差预算的变化很受欢迎。", None),
      ("priya", 12, "Great news for the Bangalore team!", None)],
         ("ana", "wangfang", "priya", "david", "sunqiang", "chenjing")),
    ],
    "onboarding": [
        ("chenjing", 9, "本月新同事欢迎会", "入职, 活动",
         """本月有 **12 位**新同事加入！周四下午三点在上海办公室 5 楼举行欢迎会，线上同步直播。

欢迎大家来认识新朋友 🎉
""", [("xuli", 9, "我会带上小礼物！", None)], ("xuli", "sarah")),
    ],
}


def demo_content(community, ctx):
    """Writes this community's demo blog posts; yields the time of each step before it."""
    blog = Blog(community=community)
    for author, days, title, tags, body, comments, likers in POSTS.get(ctx.key, ()):
        yield ctx.ago(days=days, hours=8)
        post = services.create_post(blog, ctx.member(author), services.PostInput(
            title=title, body=ctx.mentions(body), tags=tags, action="publish"))
        services.add_views({post.id: 12 + 9 * len(likers) + 4 * len(comments)})
        for n, name in enumerate(likers):  # in the hour or two after it went out
            liker = ctx.by_name.get(name)
            if liker is not None and liker.id != post.author_id:
                yield ctx.ago(days=days, hours=8, minutes=-(20 + 15 * n))
                services.like(blog, post, liker)
        made = []
        for n, (who, cdays, text, answers) in enumerate(comments):
            yield ctx.ago(days=cdays, hours=6 - n)
            parent = made[answers].id if answers is not None else None
            made.append(services.add_comment(blog, post, ctx.member(who, n + 1), ctx.mentions(text), parent_id=parent))
