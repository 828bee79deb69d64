"""`collab demo` content for chat (collab.tools' ``demo_content``): a conversation in a
community's default room, through ``post_message`` (sequence numbers, read positions, @mention
notifications and search as for any message). A community without its own script gets a greeting
from its owner and an answer, in its language."""
from __future__ import annotations

from . import services

# Per demo community: (author, days ago, hours ago within that day, Markdown), oldest first.
MESSAGES: dict[str, list] = {
    "platform-engineering": [
        ("tom", 6, 9, "Morning! Staging is being upgraded to 1.30 now, expect a few pod restarts."),
        ("liuyang", 6, 8.8, "👍 APAC on-call is aware."),
        ("rahul", 6, 8.5, "Is the jobs service affected? We have a demo at 11."),
        ("tom", 6, 8.4, "No, your namespace is done already."),
        ("jonas", 2, 5, "Reminder: on-call handover on Monday, see the wiki's on-call handbook."),
        ("liwei", 1, 3, "@ana the consumer lag alert is quiet since the change, thanks for the review!"),
        ("ana", 1, 2.5, "Great to hear 🎉"),
    ],
    "product-design": [
        ("zhangmin", 5, 6, "大家好，新版按钮组件的设计稿已经放到 Wiki 上了，欢迎提意见。"),
        ("ananya", 5, 5.5, "看过了，颜色对比度没问题 👍"),
        ("linxiao", 3, 4, "@wangfang 周四的需求评审可以加一个移动端的议题吗？"),
        ("wangfang", 3, 3.5, "可以，我加到议程里。"),
        ("zhouting", 1, 2, "上周访谈的数据整理好了，稍后发到论坛。"),
    ],
    "all-hands": [
        ("sarah", 8, 5, "The town hall recording is up. Thanks everyone for the questions!"),
        ("chenjing", 8, 4.5, "全员大会的中文字幕版也已上传。"),
        ("priya", 2, 3, "Happy Friday from Bangalore! ☀️"),
        ("wangfang", 2, 2.5, "周末愉快！"),
    ],
    "onboarding": [
        ("chenjing", 4, 7, "欢迎新同事！有任何问题都可以在这里问。"),
        ("gaojie", 4, 6.5, "谢谢！请问食堂几点开门？"),
        ("xuli", 4, 6.2, "早餐 8 点，午餐 11:30 开始 🍜"),
    ],
    "security-champions": [
        ("sophie", 3, 6, "Drill next Tuesday at 14:00 UTC. @lukas will play the attacker."),
        ("lukas", 3, 5.5, "I'm ready 😈"),
    ],
}

GREETING = {
    "en": ("Welcome to our chat room! Say hello and tell us what you are working on.", "Hello everyone 👋"),
    "zh": ("欢迎来到聊天室！打个招呼，说说你在做什么吧。", "大家好 👋"),
}


def _script(ctx) -> list:
    if ctx.key in MESSAGES:
        return MESSAGES[ctx.key]
    if len(ctx.members) < 2:
        return []
    welcome, hello = GREETING["zh" if ctx.chinese else "en"]
    return [(ctx.members[0], 12, 4, welcome), (ctx.members[1], 12, 3, hello)]


def demo_content(community, ctx):
    """Writes this community's demo conversation; yields the time of each message before it."""
    room = services.default_room(community)
    for n, (author, days, hours, body) in enumerate(_script(ctx)):
        yield ctx.ago(days=days, hours=hours)
        user = author if not isinstance(author, str) else ctx.member(author, n)
        services.post_message(user, room, ctx.mentions(body), f"demo-{community.id}-{n}")
