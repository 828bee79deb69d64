"""Idea campaigns: an owner opens a campaign, members submit ideas and vote for them, the owner
moves each idea through its statuses with a comment.

Votes are exact under concurrency: a vote is a row keyed (idea, person), inserted with ON CONFLICT
DO NOTHING, and the idea's counter changes by SQL arithmetic only when that insert (or the
matching delete) actually touched a row, in the same transaction.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from collab import access, audit
from collab.accounts.models import User
from collab.db import insert_once, utcnow
from collab.extensions import db
from communities.models import Community

from . import hooks
from .models import BODY_MAX, IDEA_STATUSES, Idea, IdeaCampaign, IdeaVote
from .services import BlogError, clean_title, insert_ignore, render, token_used_elsewhere


def may_run_campaigns(user, community: Community) -> bool:
    return access.can_manage(user, community) and not community.is_archived


def may_take_part(user, community: Community) -> bool:
    return access.can_post(user, community)


def _text(value: str, field: str) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > BODY_MAX:
        raise BlogError(_l("The text is too long (at most %(max)d characters).", max=BODY_MAX), field)
    return value


def open_campaign(community: Community, user: User, title: str, description: str) -> IdeaCampaign:
    if not may_run_campaigns(user, community):
        raise BlogError(_l("Only owners open idea campaigns."))
    description = _text(description, "description")
    campaign = IdeaCampaign(community_id=community.id, community=community, title=clean_title(title),
                            description=description, description_html=render(description),
                            created_by_id=user.id, is_open=True)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def edit_campaign(campaign: IdeaCampaign, user: User, title: str, description: str, is_open: bool) -> None:
    if not may_run_campaigns(user, campaign.community):
        raise BlogError(_l("Only owners change idea campaigns."))
    description = _text(description, "description")
    campaign.title = clean_title(title)
    if description != campaign.description:
        campaign.description, campaign.description_html = description, render(description)
    campaign.is_open = is_open


def _earlier_idea(campaign: IdeaCampaign, user: User, token: str | None) -> Idea | None:
    """The idea this form made already (a second submit of it); only a live idea of this campaign."""
    if not token:
        return None
    earlier = db.session.scalar(select(Idea).where(Idea.author_id == user.id, Idea.client_token == token))
    if earlier is not None and (earlier.campaign_id != campaign.id or earlier.is_deleted):
        raise token_used_elsewhere()
    return earlier


def submit_idea(campaign: IdeaCampaign, user: User, title: str, body: str,
                client_token: str | None = None) -> Idea:
    community = campaign.community
    if not may_take_part(user, community):
        raise BlogError(_l("Only members of this community can submit ideas."))
    if not campaign.is_open:
        raise BlogError(_l("This campaign is closed; it takes no new ideas."))
    earlier = _earlier_idea(campaign, user, client_token)
    if earlier is not None:
        return earlier
    body = _text(body, "body")
    idea = Idea(campaign_id=campaign.id, campaign=campaign, community_id=community.id, community=community,
                author_id=user.id, author=user, title=clean_title(title), body=body, body_html=render(body),
                client_token=client_token or None)
    stored = insert_once(idea, lambda: _earlier_idea(campaign, user, client_token))
    if stored is not idea:
        return stored
    db.session.execute(update(IdeaCampaign).where(IdeaCampaign.id == campaign.id)
                       .values(idea_count=IdeaCampaign.idea_count + 1).execution_options(synchronize_session=False))
    hooks.idea_submitted(idea)
    return idea


def _may_vote(idea: Idea, user) -> None:
    if not may_take_part(user, idea.community):
        raise BlogError(_l("Only members of this community can vote."))
    if not idea.campaign.is_open:
        raise BlogError(_l("This campaign is closed; votes can no longer change."))
    if idea.is_deleted:
        raise BlogError(_l("This idea was withdrawn."))


def vote(idea: Idea, user: User) -> None:
    _may_vote(idea, user)
    if not insert_ignore(IdeaVote, idea_id=idea.id, user_id=user.id, created_at=utcnow()):
        raise BlogError(_l("You have already voted for this idea."))
    db.session.execute(update(Idea).where(Idea.id == idea.id)
                       .values(vote_count=Idea.vote_count + 1).execution_options(synchronize_session=False))


def unvote(idea: Idea, user: User) -> None:
    _may_vote(idea, user)
    gone = db.session.execute(delete(IdeaVote).where(IdeaVote.idea_id == idea.id, IdeaVote.user_id == user.id))
    if gone.rowcount != 1:
        raise BlogError(_l("You have not voted for this idea."))
    db.session.execute(update(Idea).where(Idea.id == idea.id)
                       .values(vote_count=Idea.vote_count - 1).execution_options(synchronize_session=False))


def voted_ids(user, idea_ids: list[int]) -> set[int]:
    if not idea_ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(select(IdeaVote.idea_id).where(IdeaVote.user_id == user.id,
                                                                 IdeaVote.idea_id.in_(idea_ids))))


def set_status(idea: Idea, user: User, status: str, comment: str) -> None:
    if not may_run_campaigns(user, idea.community):
        raise BlogError(_l("Only owners change the status of ideas."))
    if status not in IDEA_STATUSES:
        raise BlogError(_l("Choose a status."), "status")
    comment = _text(comment, "comment")
    if status == idea.status and comment == idea.status_comment:
        return
    if status != idea.status:
        audit.record(user, "blogs.idea_status", target=f"idea:{idea.id}", label=idea.title, community=idea.community,
                     before={"status": idea.status}, after={"status": status})
    idea.status = status
    idea.status_comment, idea.status_comment_html = comment, render(comment)
    idea.status_changed_at = utcnow()
    db.session.flush()
    hooks.idea_status(idea, user)


def delete_idea(idea: Idea, user: User) -> None:
    if not access.can_edit_owned(user, idea.author_id, idea.community):
        raise BlogError(_l("You may not withdraw this idea."))
    # Only the withdrawal that finds the idea live counts: of two at once (a double click), the
    # later one waits for the row and finds it withdrawn, so the campaign's count drops once.
    withdrawn = db.session.execute(update(Idea).where(Idea.id == idea.id, Idea.is_deleted.is_(False))
                                   .values(is_deleted=True).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(idea, ["is_deleted"])
    if not withdrawn:
        return
    if user.id != idea.author_id:  # an owner's or moderator's removal
        audit.record(user, "blogs.withdraw_idea", target=f"idea:{idea.id}", label=idea.title, community=idea.community)
    db.session.execute(update(IdeaCampaign).where(IdeaCampaign.id == idea.campaign_id)
                       .values(idea_count=IdeaCampaign.idea_count - 1).execution_options(synchronize_session=False))
    hooks.idea_hidden(idea)


def ideas_query(campaign: IdeaCampaign, sort: str):
    stmt = select(Idea).where(Idea.campaign_id == campaign.id, Idea.is_deleted.is_(False))
    if sort == "new":
        return stmt.order_by(Idea.created_at.desc(), Idea.id.desc())
    return stmt.order_by(Idea.vote_count.desc(), Idea.id.desc())


