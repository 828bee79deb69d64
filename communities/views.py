from __future__ import annotations

from urllib.parse import quote as url_quote

from flask import abort, flash, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from jinja2 import pass_context
from markupsafe import Markup
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Integer, bindparam, exists, func, or_, select
from sqlalchemy.orm import selectinload

from collab import access, analytics
from collab.accounts import register_profile_section
from collab.accounts.models import User
from collab.cache import app_cache
from collab.db import contains_folded
from collab.extensions import db
from collab.forms import choices
from collab.fragments import cached_render
from collab.pagination import Page, paginate
from collab.settings import get_setting
from collab.text import word_list
from collab.tools import registered_tools, tabs_for

from . import bp, services
from .sections import render_home_sections
from .forms import CommunityForm, JoinRequestForm
from .models import Community, CommunityTag, Invitation, JoinRequest, Membership


def _names(names: list[str]) -> str:
    """A list of names in the reader's language: "a, b, and c" or "a、b和c"."""
    return word_list(names)


def _tool_choices():
    return choices((t.name, t.label()) for t in registered_tools())


def _may_create(user) -> bool:
    return access.is_admin(user) or get_setting("community_creation") == "all"


def _error(form, e: services.CommunityError):
    field = getattr(form, e.field, None) if e.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(e.message)]
    else:
        flash(str(e.message), "error")


@bp.route("/")
@login_required
def index():
    scope = request.args.get("scope", "all")
    tag = (request.args.get("tag") or "").strip().lower()[:40]
    q = (request.args.get("q") or "").strip()[:100]
    user = current_user._get_current_object()
    archived = scope == "archived" and access.is_admin(user)
    count_stmt, page_stmt = _directory_statements(bool(user.is_admin), scope == "mine", archived, bool(tag), bool(q))
    try:
        number = max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        number = 1
    params = {"user_id": user.id, "tag": tag, "like": contains_folded.pattern_of(q), "limit": 24, "offset": (number - 1) * 24}
    conn = db.session.connection()
    rows = conn.execute(page_stmt, params).all()  # each row carries the total and the person's membership
    if rows:
        total = rows[0].total
    elif number > 1:
        total = conn.execute(count_stmt, params).scalar() or 0
    else:
        total = 0
    page = Page(items=rows, page=number, per_page=24, total=total)
    my_ids = {row.id for row in rows if row.mine}
    return render_template(
        "communities/index.html", page=page, scope=scope, tag=tag, q=q,
        cards=community_cards(page.items, my_ids, scope),
        tags_html=_tag_cloud(services.popular_tags(current_user, 24), scope, tag), may_create=_may_create(current_user),
    )


def _tag_cloud(tags: list[tuple[str, int]], scope: str, active: str) -> Markup:
    """The directory's tag cloud, rendered once per set of tags and counts, scope, chosen tag and
    language (the counts are at most a minute old already: services.popular_tags)."""
    if not tags:
        return Markup("")
    key = (tuple(tags), scope, active, str(get_locale()), request.script_root)
    return cached_render("community-tag-cloud", key, "communities/_tag_cloud.html", tags=tags, scope=scope,
                         tag=active)


_DIRECTORY: dict[tuple, tuple] = {}


def _directory_statements(is_admin: bool, mine: bool, archived: bool, tag: bool, q: bool) -> tuple:
    """The directory's count and page SELECTs, built once per shape (the person, tag, search
    text and page go in as parameters): building them cost more than running them. The page's
    rows also carry the total (a window count) and whether the person is a member, so a page is
    one statement; the count runs alone only for a page past the end."""
    key = (is_admin, mine, archived, tag, q)
    found = _DIRECTORY.get(key)
    if found is None:
        user_id = bindparam("user_id")
        where = [access.visible_clause_for(is_admin, user_id), Community.is_archived.is_(archived)]
        if mine:
            where.append(exists().where(Membership.community_id == Community.id, Membership.user_id == user_id))
        if tag:
            where.append(exists().where(CommunityTag.community_id == Community.id, CommunityTag.tag == bindparam("tag")))
        if q:
            like = bindparam("like")  # contains_folded.pattern_of(the words)
            where.append(or_(contains_folded(Community.name, like), contains_folded(Community.description, like)))
        count = select(func.count(Community.id)).where(*where)
        mine_expr = exists().where(Membership.community_id == Community.id, Membership.user_id == user_id)
        rows = (select(Community.id, Community.updated_at, mine_expr.label("mine"),
                       func.count().over().label("total")).where(*where)
                .order_by(Community.member_count.desc(), Community.id)
                .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))
        found = _DIRECTORY[key] = (count, rows)
    return found


def community_cards(rows, my_ids: set[int], scope: str) -> list:
    """The directory's cards, rendered once per community version, language, badge and scope:
    the hot page then costs a key lookup per card instead of a render and an ORM load."""
    cache = app_cache("community-cards", 600, 4096)
    locale = str(get_locale())
    keys = [(row.id, row.updated_at, locale, row.id in my_ids, scope) for row in rows]
    found = {key: cache.get(key) for key in keys}
    missing = [key[0] for key, html in found.items() if html is None]
    if missing:
        card = get_template_attribute("communities/_card.html", "card")
        base = url_for("communities.index")
        tag_base = f"{base}?scope={url_quote(scope)}&tag="
        loaded = {c.id: c for c in db.session.scalars(
            select(Community).where(Community.id.in_(missing)).options(selectinload(Community.tag_rows)))}
        for key, html in found.items():
            community = loaded.get(key[0])
            if html is None and community is not None:
                found[key] = html = card(community, key[3], base, tag_base)
                # A row read before its change committed must not be cached under the new key.
                if community.updated_at == key[1]:
                    cache.set(key, html)
    return [found[key] for key in keys if found[key] is not None]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not _may_create(current_user):
        abort(403)
    form = CommunityForm()
    form.tools.choices = _tool_choices()
    if request.method == "GET":
        form.tools.data = [c.value for c in form.tools.choices]
    if form.validate_on_submit():
        try:
            community = services.create_community(
                current_user, name=form.name.data, slug=form.slug.data or "", description=form.description.data or "",
                tags=form.tags.data or "", access_level=form.access.data, tools=form.tools.data,
            )
        except services.CommunityError as e:
            _error(form, e)
        else:
            db.session.commit()
            flash(_("Your community is ready. Invite people to it."), "success")
            return redirect(url_for("communities.home", slug=community.slug))
    return render_template("communities/edit.html", form=form, community=None)


def community_context(community: Community) -> dict:
    """What the community header and tabs need; tools call this to draw them."""
    user = current_user._get_current_object()  # resolve the proxy once, not per check
    role = access.role_of(user, community)
    return {
        "community": community,
        "role": role,
        "tabs": tabs_for(community),
        "can_manage": access.can_manage(user, community),
        "can_moderate": access.can_moderate(user, community),
        "can_invite": access.can_invite(user, community),
        "can_join": access.can_join_directly(user, community),
        "can_request": access.can_request_to_join(user, community),
        "pending": services.pending_request(community, user) if access.can_request_to_join(user, community) else None,
        "request_count": services.pending_request_count(community) if access.can_moderate(user, community) else 0,
    }


@bp.app_template_global()
@pass_context
def community_header(ctx) -> Markup:
    """The community's header and tabs (communities/_header_body.html) from the page's
    ``community_context``, rendered once per everything it shows: the community as loaded, the
    reader's role and rights, the page it is on, the language and site root."""
    community = ctx["community"]
    key = (community.id, community.slug, community.name, community.access, community.is_archived,
           community.member_count, tuple(t.name for t in ctx["tabs"]), ctx["role"], ctx["can_join"],
           ctx["can_request"], bool(ctx["pending"]), ctx["can_invite"], ctx["can_moderate"], ctx["request_count"],
           ctx["can_manage"], bool(current_user.is_admin), request.endpoint, str(get_locale()), request.script_root)
    names = ("community", "role", "tabs", "can_join", "can_request", "pending", "can_invite", "can_moderate",
             "request_count", "can_manage")
    return cached_render("community-header", key, "communities/_header_body.html", max_items=8192,
                         **{name: ctx[name] for name in names})


@bp.route("/<slug>/")
@login_required
def home(slug: str):
    community = access.get_community_or_404(slug, current_user)
    analytics.record_view(f"community:{community.id}", community.id, current_user._get_current_object())
    sections = render_home_sections(community, current_user._get_current_object())
    return render_template("communities/home.html", members_html=_members_aside(community), sections=sections,
                           about_html=_about_card(community), **community_context(community))


def _about_card(community: Community) -> Markup:
    """The description and tags, rendered once per community version and language: a new
    description or new tags change updated_at, hence the key, in every server process."""
    key = (community.id, community.updated_at, str(get_locale()), request.script_root)
    return cached_render("community-about", key, "communities/_about.html", community=community)


def _members_aside(community: Community) -> Markup:
    """Faces of the first members, rendered once a minute per community version and language
    (a join or leave changes the version; a new avatar shows within the minute)."""
    key = (community.id, community.updated_at, str(get_locale()), str(get_timezone()))
    cache = app_cache("community-members-aside", 60, 2048)
    html = cache.get(key)
    if html is None:  # the members are read only when the fragment is made
        html = Markup(render_template("communities/_members_aside.html", community=community,
                                      members=services.member_faces(community)))
        cache.set(key, html)
    return html


@bp.route("/<slug>")
def home_noslash(slug: str):
    return redirect(url_for("communities.home", slug=slug), 308)


@bp.route("/<slug>/members")
@login_required
def members(slug: str):
    community = access.get_community_or_404(slug, current_user)
    q = (request.args.get("q") or "").strip()[:60]
    page = paginate(services.members_query(community, q), per_page=50)
    return render_template("communities/members.html", page=page, q=q, **community_context(community))


def _act(slug: str):
    community = access.get_community_or_404(slug, current_user)
    return community


@bp.route("/<slug>/join", methods=["POST"])
@login_required
def join(slug: str):
    community = _act(slug)
    try:
        services.join(community, current_user)
    except services.CommunityError as e:
        flash(str(e.message), "error")
    else:
        db.session.commit()
        flash(_("You joined %(name)s.", name=community.name), "success")
    return redirect(url_for("communities.home", slug=community.slug))


@bp.route("/<slug>/request", methods=["GET", "POST"])
@login_required
def request_join(slug: str):
    community = _act(slug)
    if not access.can_request_to_join(current_user, community):
        return redirect(url_for("communities.home", slug=community.slug))
    form = JoinRequestForm()
    if form.validate_on_submit():
        try:
            services.request_to_join(community, current_user, form.message.data or "")
        except services.CommunityError as e:
            flash(str(e.message), "error")
        else:
            db.session.commit()
            flash(_("Your request is sent. An owner or moderator will answer it."), "success")
        return redirect(url_for("communities.home", slug=community.slug))
    return render_template("communities/request.html", form=form, **community_context(community))


@bp.route("/<slug>/request/cancel", methods=["POST"])
@login_required
def cancel_request(slug: str):
    community = _act(slug)
    services.cancel_request(community, current_user)
    db.session.commit()
    flash(_("Your request is withdrawn."), "info")
    return redirect(url_for("communities.home", slug=community.slug))


@bp.route("/<slug>/leave", methods=["POST"])
@login_required
def leave(slug: str):
    community = _act(slug)
    try:
        services.leave(community, current_user)
    except services.CommunityError as e:
        flash(str(e.message), "error")
        return redirect(url_for("communities.home", slug=community.slug))
    db.session.commit()
    flash(_("You left %(name)s.", name=community.name), "info")
    if access.can_view(current_user, community):
        return redirect(url_for("communities.home", slug=community.slug))
    return redirect(url_for("communities.index"))


@bp.route("/invitations")
@login_required
def invitations():
    items = services.pending_invitations_for(current_user)
    return render_template("communities/invitations.html", items=items)


@bp.route("/invitations/<int:inv_id>/<any(accept, decline):answer>", methods=["POST"])
@login_required
def answer(inv_id: int, answer: str):
    inv = db.session.get(Invitation, inv_id)
    if inv is None or inv.user_id != current_user.id:
        abort(404)
    try:
        services.answer_invitation(inv, answer == "accept")
    except services.CommunityError as e:
        flash(str(e.message), "error")
        return redirect(url_for("communities.invitations"))
    db.session.commit()
    if answer == "accept":
        flash(_("You joined %(name)s.", name=inv.community.name), "success")
        return redirect(url_for("communities.home", slug=inv.community.slug))
    flash(_("Invitation declined."), "info")
    return redirect(url_for("communities.invitations"))


@register_profile_section
def _profile_communities(person: User, viewer):
    stmt = (
        access.visible_communities(viewer)
        .join(Membership, Membership.community_id == Community.id)
        .where(Membership.user_id == person.id)
        .order_by(Community.sort_name, Community.id).limit(50)
    )
    items = db.session.scalars(stmt).all()
    return "communities/_profile_section.html", {"communities": items, "own": person.id == viewer.id}


from . import manage  # noqa: E402,F401  (settings, members, invitations, requests, log)
