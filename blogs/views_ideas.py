"""Idea campaigns, under a community's blog: /c/<slug>/blog/ideas/. Thin views over blogs.ideas."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user, login_required
from sqlalchemy import select

from collab.extensions import db
from collab.urls import local_path
from collab.forms import choices
from collab.pagination import paginate

from collab import access

from . import bp, ideas
from .forms import CampaignForm, IdeaForm, StatusForm, new_token
from .models import Idea, IdeaCampaign
from .services import BlogError
from .views import blog_context, form_error, load_blog

PREFIX = "/c/<slug>/blog/ideas"


def status_labels() -> dict[str, str]:
    return {"new": pgettext("idea status", "New"), "under_review": _("Under review"), "accepted": _("Accepted"),
            "implemented": _("Implemented"), "declined": _("Declined")}


def _ctx(blog, **extra):
    user = current_user._get_current_object()
    return blog_context(blog, can_run=ideas.may_run_campaigns(user, blog.community),
                        can_take_part=ideas.may_take_part(user, blog.community), status_labels=status_labels(),
                        **extra)


def _campaign(blog, campaign_id: int) -> IdeaCampaign:
    c = db.session.get(IdeaCampaign, campaign_id)
    if c is None or c.community_id != blog.community.id:
        abort(404)
    return c


def _idea(blog, idea_id: int) -> Idea:
    idea = db.session.get(Idea, idea_id)
    if idea is None or idea.community_id != blog.community.id or idea.is_deleted:
        abort(404)
    return idea


@bp.route(PREFIX + "/")
@login_required
def campaigns(slug):
    blog = load_blog(slug, None)
    listing = paginate(select(IdeaCampaign).where(IdeaCampaign.community_id == blog.community.id)
                       .order_by(IdeaCampaign.is_open.desc(), IdeaCampaign.id.desc()), per_page=20)
    return render_template("blogs/campaigns.html", listing=listing, **_ctx(blog))


@bp.route(PREFIX + "/new", methods=["GET", "POST"])
@login_required
def new_campaign(slug):
    blog = load_blog(slug, None)
    access.require(ideas.may_run_campaigns(current_user, blog.community))
    form = CampaignForm()
    if form.validate_on_submit():
        try:
            c = ideas.open_campaign(blog.community, current_user, form.title.data or "", form.description.data or "")
        except BlogError as e:
            db.session.rollback()
            form_error(form, e)
        else:
            db.session.commit()
            flash(_("The campaign is open for ideas."), "success")
            return redirect(url_for("blogs.campaign", slug=slug, campaign_id=c.id))
    return render_template("blogs/campaign_edit.html", form=form, campaign=None, **_ctx(blog))


@bp.route(PREFIX + "/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit_campaign(slug, campaign_id: int):
    blog = load_blog(slug, None)
    c = _campaign(blog, campaign_id)
    access.require(ideas.may_run_campaigns(current_user, blog.community))
    form = CampaignForm(obj=c) if request.method == "GET" else CampaignForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            ideas.edit_campaign(c, current_user, form.title.data or "", form.description.data or "", form.is_open.data)
        except BlogError as e:
            db.session.rollback()
            c = _campaign(blog, campaign_id)
            form_error(form, e)
        else:
            db.session.commit()
            flash(_("The campaign is saved."), "success")
            return redirect(url_for("blogs.campaign", slug=slug, campaign_id=c.id))
    return render_template("blogs/campaign_edit.html", form=form, campaign=c, **_ctx(blog))


def _show_campaign(blog, c, form=None, status=200):
    sort = "new" if request.args.get("sort") == "new" else "votes"
    listing = paginate(ideas.ideas_query(c, sort), per_page=30)
    voted = ideas.voted_ids(current_user, [i.id for i in listing.items])
    form = form or IdeaForm(formdata=None, client_token=new_token())
    return render_template("blogs/campaign.html", campaign=c, listing=listing, voted=voted, sort=sort, form=form,
                           **_ctx(blog)), status


@bp.route(PREFIX + "/<int:campaign_id>")
@login_required
def campaign(slug, campaign_id: int):
    blog = load_blog(slug, None)
    return _show_campaign(blog, _campaign(blog, campaign_id))


@bp.route(PREFIX + "/<int:campaign_id>/ideas", methods=["POST"])
@login_required
def submit(slug, campaign_id: int):
    blog = load_blog(slug, None)
    c = _campaign(blog, campaign_id)
    access.require(ideas.may_take_part(current_user, blog.community))
    form = IdeaForm()
    if form.validate_on_submit():
        try:
            idea = ideas.submit_idea(c, current_user, form.title.data or "", form.body.data or "",
                                     (form.client_token.data or "")[:64] or None)
        except BlogError as e:
            db.session.rollback()
            form_error(form, e)
            c = _campaign(blog, campaign_id)
            if e.status == 409:  # the token is taken: sending the typed text again makes a new idea
                form.client_token.data = new_token()
            return _show_campaign(blog, c, form, e.status)
        else:
            db.session.commit()
            flash(_("Your idea is submitted."), "success")
            return redirect(url_for("blogs.idea", slug=slug, idea_id=idea.id))
    return _show_campaign(blog, c, form, 400)


def _status_form(**kwargs) -> StatusForm:
    form = StatusForm(**kwargs)
    form.status.choices = choices(status_labels().items())
    return form


def _show_idea(blog, item: Idea, form: StatusForm | None = None, status: int = 200):
    form = form or _status_form(formdata=None, status=item.status, comment=item.status_comment)
    return render_template("blogs/idea.html", idea=item, voted=bool(ideas.voted_ids(current_user, [item.id])),
                           status_form=form, **_ctx(blog)), status


@bp.route(PREFIX + "/idea/<int:idea_id>")
@login_required
def idea(slug, idea_id: int):
    blog = load_blog(slug, None)
    return _show_idea(blog, _idea(blog, idea_id))


@bp.route(PREFIX + "/idea/<int:idea_id>/vote", methods=["POST"])
@login_required
def vote(slug, idea_id: int):
    blog = load_blog(slug, None)
    item = _idea(blog, idea_id)
    undo = bool(request.form.get("undo"))
    try:
        (ideas.unvote if undo else ideas.vote)(item, current_user)
    except BlogError as e:
        db.session.rollback()
        flash(str(e.message), "error")
    else:
        db.session.commit()
        flash(_("Your vote is taken back.") if undo else _("Your vote is counted."), "success")
    return redirect(local_path(request.form.get("next")) or url_for("blogs.idea", slug=slug, idea_id=item.id), 303)


@bp.route(PREFIX + "/idea/<int:idea_id>/status", methods=["POST"])
@login_required
def set_status(slug, idea_id: int):
    blog = load_blog(slug, None)
    item = _idea(blog, idea_id)
    access.require(ideas.may_run_campaigns(current_user, blog.community))
    form = _status_form()
    if form.validate_on_submit():
        try:
            ideas.set_status(item, current_user, form.status.data, form.comment.data or "")
        except BlogError as e:
            db.session.rollback()
            form_error(form, e)
            item = _idea(blog, idea_id)
        else:
            db.session.commit()
            flash(_("The status is changed; the author is notified."), "success")
            return redirect(url_for("blogs.idea", slug=slug, idea_id=idea_id))
    # Show the idea again with the error and what was typed.
    return _show_idea(blog, item, form, 400)


@bp.route(PREFIX + "/idea/<int:idea_id>/delete", methods=["POST"])
@login_required
def delete_idea(slug, idea_id: int):
    blog = load_blog(slug, None)
    item = _idea(blog, idea_id)
    campaign_id = item.campaign_id
    try:
        ideas.delete_idea(item, current_user)
    except BlogError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(url_for("blogs.idea", slug=slug, idea_id=idea_id))
    db.session.commit()
    flash(_("The idea is withdrawn."), "info")
    return redirect(url_for("blogs.campaign", slug=slug, campaign_id=campaign_id))


