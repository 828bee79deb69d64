"""The parts of the forum pages kept per server process (collab.fragments): a forum's topic list
and a topic's posts, each rendered once per version of everything it shows. The key holds the
rows as read, the reader's read positions, likes and rights, the relative times as worded now,
the language, zone and address: a change makes a new key, nothing is invalidated by hand."""
from __future__ import annotations

from flask import request
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from markupsafe import Markup

from collab import fragments, timefmt
from collab.db import utcnow

from . import queries, services


def forum_body(community, forum, page, show: str, tag: str, ctx: dict) -> Markup:
    """forums/_forum_body.html (everything of a forum page under the community's header), kept
    per process under everything it shows: each listed row as read, the reader's read positions
    and the relative times as worded now, the tags, the reader's rights and subscription, the
    language and zone, the address (collab.fragments: a change makes a new key)."""
    user = current_user._get_current_object()
    locale, now = get_locale(), utcnow()
    reads = queries.read_positions(user, [t.id for t in page.items])
    phrases = {t.id: timefmt.relative(t.last_post_at, now, locale) for t in page.items}
    tags = queries.forum_tags(forum)
    subscribed = services.is_subscribed(user, forum)
    key = (forum.id, forum.name, forum.description, show, tag, page.page, page.has_next, subscribed, ctx["can_post"],
           tuple((t.row, reads.get(t.id), phrases[t.id]) for t in page.items), tuple(tags),
           str(locale), str(get_timezone()), community.slug, request.script_root,
           tuple(request.args.items(multi=True)))
    return fragments.cached_render("forum-topics", key, "forums/_forum_body.html", max_items=1024, community=community,
                                   forum=forum, page=page, show=show, tag=tag, reads=reads, phrases=phrases,
                                   tags=tags, subscribed=subscribed, can_post=ctx["can_post"])


def posts_block(community, topic, page, seen, accepted, ids, ctx: dict) -> Markup:
    """forums/_posts.html (the page's posts, the pager and the split form), kept per process under
    everything it shows: each post as read now with its author and the post it answers, the
    reader's likes, rights, split mode and read position, the relative times as worded now, the
    language, zone and address (collab.fragments: an edit, a like, a rename or other rights make a new key)."""
    user = current_user._get_current_object()
    locale, now = get_locale(), utcnow()
    liked = queries.liked_by(user, ids)
    can_accept = services.may_accept(user, topic, community)
    phrases, posts = {}, []
    for p in page.items:
        phrases[p.id] = timefmt.relative(p.created_at, now, locale)
        author, target = p.author, p.reply_to
        posts.append((
            p.id, p.number, p.author_id, p.edited_at, p.is_deleted, p.hidden_reason, p.like_count, p.body_html,
            (author.username, author.display_name, author.avatar) if author else None,
            (target.id, target.number, target.is_deleted, target.author.name if target.author else None)
            if target else None,
            p.author_id == user.id, p.id in liked, services.may_edit_post(user, p, community), phrases[p.id]))
    key = (
        topic.id, topic.accepted_post_id, topic.is_locked, topic.is_deleted, tuple(posts), seen,
        (accepted.id, accepted.is_visible, accepted.author.name if accepted.author else None, accepted.body_html)
        if accepted else None,
        page.page, page.pages, ctx["can_post"], ctx["can_mod"], can_accept, ctx["split"],
        community.slug, str(locale), str(get_timezone()), request.script_root, request.full_path,
    )
    return fragments.cached_render(
        "forum-posts", key, "forums/_posts.html", max_items=1024, community=community, topic=topic, page=page,
        seen=seen, accepted=accepted, liked=liked, phrases=phrases, can_accept=can_accept,
        can_post=ctx["can_post"], can_mod=ctx["can_mod"], split=ctx["split"], may_edit=lambda p: services.may_edit_post(user, p, community))
