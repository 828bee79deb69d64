"""Turn an answered topic into a wiki page: the person ticks the replies to keep besides the
question and the accepted answer; collab.flows then shows the draft page to edit and save."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from collab import flows
from collab.extensions import db

from . import bp
from .flow_hooks import topic_url
from .models import ForumPost
from .views import _community, _ctx, _topic

MAX_REPLIES = 200


def _signed(post: ForumPost) -> str:
    who = post.author.name if post.author else _("Former member")
    return f"*— {who}, {format_date(post.created_at, 'medium')}*"


def compose(topic, question: ForumPost, answer: ForumPost, replies: list[ForumPost]) -> str:
    parts = [f"## {_('Question')}", question.body.strip(), _signed(question),
             f"## {_('Answer')}", answer.body.strip(), _signed(answer)]
    if replies:
        parts.append(f"## {_('From the discussion')}")
        for r in replies:
            parts += [r.body.strip(), _signed(r)]
    parts += ["---", _("From the forum: [%(title)s](%(url)s)", title=topic.title.replace("]", "\\]"),
                       url=topic_url(topic))]
    return "\n\n".join(parts) + "\n"


@bp.route("/t/<int:topic_id>/to-wiki", methods=["GET", "POST"])
@login_required
def to_wiki(slug: str, topic_id: int):
    community = _community(slug)
    topic = _topic(community, topic_id)
    user = current_user._get_current_object()
    if topic.is_deleted or not flows.can_receive("wiki.page", user, community):
        abort(403)
    answer = db.session.get(ForumPost, topic.accepted_post_id) if topic.accepted_post_id else None
    question = db.session.get(ForumPost, topic.first_post_id) if topic.first_post_id else None
    if answer is None or question is None or not answer.is_visible or not question.is_visible:
        flash(_("Only a question with an accepted answer can be turned into a wiki page."), "error")
        return redirect(url_for("forums.topic", slug=slug, topic_id=topic.id))
    replies = list(db.session.scalars(
        select(ForumPost).where(ForumPost.topic_id == topic.id, ForumPost.number > 1, ForumPost.id != answer.id,
                                ForumPost.is_deleted.is_(False), ForumPost.hidden_reason.is_(None))
        .order_by(ForumPost.number).limit(MAX_REPLIES)))
    if request.method == "POST":
        chosen = set(request.form.getlist("reply"))
        picked = [r for r in replies if str(r.id) in chosen]
        try:
            draft = flows.start(user, kind="wiki", receiver="wiki.page", source_key=f"forum_topic:{topic.id}",
                                community=community, title=topic.title,
                                body=compose(topic, question, answer, picked))
        except flows.FlowError as e:
            abort(e.status)
        db.session.commit()
        return redirect(url_for("flows.draft", token=draft.token))
    return render_template("forums/to_wiki.html", **_ctx(community, topic=topic, question=question,
                                                          answer=answer, replies=replies))
