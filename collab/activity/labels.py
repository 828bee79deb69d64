"""Words for kinds, channels and verbs, shared by the pages and the emails."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_NAMES = {
    "mention": _l("Someone mentions me"),
    "reply": _l("Replies to my posts"),
    "comment": _l("Comments on my posts"),
    "answer_accepted": _l("My answer is accepted"),
    "watched_edit": _l("A page I watch is edited"),
    "topic_reply": _l("Replies in topics I follow"),
    "join_request": _l("Requests to join my communities"),
    "request_approved": _l("My request to join is approved"),
    "invitation": _l("Invitations to communities"),
    "idea_status": _l("Status of ideas I voted for"),
    "moderation": _l("A moderator reviews my posts"),
    "announcement": _l("Announcements I am asked to read"),
}

# "%(actor)s ... %(title)s": one line about a notification.
KIND_LINES = {
    "mention": _l("%(actor)s mentioned you in %(title)s"),
    "reply": _l("%(actor)s replied to %(title)s"),
    "comment": _l("%(actor)s commented on %(title)s"),
    "answer_accepted": _l("%(actor)s accepted your answer in %(title)s"),
    "watched_edit": _l("%(actor)s edited %(title)s"),
    "topic_reply": _l("%(actor)s replied in %(title)s"),
    "join_request": _l("%(actor)s asks to join %(title)s"),
    "request_approved": _l("%(actor)s approved your request to join %(title)s"),
    "invitation": _l("%(actor)s invited you to %(title)s"),
    "idea_status": _l("%(actor)s changed the status of %(title)s"),
    "moderation": _l("%(actor)s reviewed your post %(title)s"),
    "announcement": _l("%(actor)s asks you to read and acknowledge %(title)s"),
}

CHANNEL_NAMES = {
    "app": _l("In the app"),
    "email": _l("Email at once"),
    "digest": _l("Daily email digest"),
    "off": _l("Off"),
}

# "%(who)s ... %(what)s": one line of the stream.
VERB_LINES = {
    "created": _l("%(who)s created %(what)s"),
    "edited": _l("%(who)s edited %(what)s"),
    "published": _l("%(who)s published %(what)s"),
    "replied": _l("%(who)s replied to %(what)s"),
    "answered": _l("%(who)s accepted an answer in %(what)s"),  # who: the asker or a moderator
    "commented": _l("%(who)s commented on %(what)s"),
    "liked": _l("%(who)s liked %(what)s"),
    "joined": _l("%(who)s joined %(what)s"),
    "submitted": _l("%(who)s submitted %(what)s"),
    "accepted": _l("%(who)s accepted an answer in %(what)s"),
}

TYPE_NAMES = {
    "wiki_page": _l("Wiki pages"),
    "blog_post": _l("Blog posts"),
    "blog_comment": _l("Blog comments"),
    "forum_topic": _l("Forum topics"),
    "forum_post": _l("Forum posts"),
    "membership": _l("New members"),
}


def someone() -> str:
    from flask_babel import gettext

    return gettext("Someone")
