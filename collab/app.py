"""The application factory: the only module that knows every package."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g, has_request_context, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

from collab import access
from collab.assets import init_assets
from collab.config import Config
from collab.db import configure_sqlite
from collab.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
from collab.ids import BoundedIntConverter
from collab.sessions import init_sessions
from collab.urls import LOCALE_COOKIE

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "font-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def select_locale() -> str:
    supported = ["en", "zh_Hans"]
    from collab.settings import default_locale

    if not has_request_context():  # a background thread: it passes the person's locale itself
        return default_locale()
    user = current_user._get_current_object()
    if user.is_authenticated and user.locale in supported:
        return user.locale
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in supported:
        return chosen
    for lang, _q in request.accept_languages:
        lang = lang.lower()
        if lang.startswith("zh"):
            return "zh_Hans"
        if lang.startswith("en"):
            return "en"
    return default_locale()


def select_timezone() -> str | None:
    user = current_user._get_current_object() if has_request_context() else None
    if user is not None and user.is_authenticated and user.timezone:
        return user.timezone
    return None


def create_app(config: Config | None = None) -> Flask:
    config = config or Config()
    app = Flask(
        __name__,
        instance_path=config.INSTANCE_PATH,
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
    )
    app.config.from_object(config)
    app.url_map.converters["int"] = BoundedIntConverter  # before any route: <int:id> stays in range
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    Path(app.config["UPLOAD_PATH"]).mkdir(parents=True, exist_ok=True)
    Path(app.config["SEARCH_INDEX_PATH"]).mkdir(parents=True, exist_ok=True)

    _init_extensions(app)
    init_assets(app)
    init_sessions(app)
    _register_blueprints(app)
    _init_templates(app)
    _init_security(app)
    _init_errors(app)
    from collab.ops import init_ops

    init_ops(app)
    _init_services(app)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # the client's address and scheme
    return app


def socketio_async_mode() -> str:
    """"gevent" inside gunicorn's gevent worker (the standard library is monkey-patched), else threads."""
    from collab.concurrency import gevent_active

    return "gevent" if gevent_active() else "threading"


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, timezone_selector=select_timezone,
        default_translation_directories=str(Path(__file__).resolve().parent / "translations"),
    )
    limiter.init_app(app)

    from collab.accounts.views import load_user

    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    if not app.config.get("SOCKETIO_MESSAGE_QUEUE"):
        # Flask-SocketIO keeps the options of an earlier init_app: an app built after one with a
        # message queue (tests build many) would otherwise inherit its Redis client manager.
        socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        async_mode=socketio_async_mode(),
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        channel=app.config.get("SOCKETIO_CHANNEL", "flask-socketio"),
        manage_session=False,
    )


def _init_services(app: Flask) -> None:
    """Hooks and background threads (indexer, mail, chat, webhooks, analytics): last, once every
    blueprint, template global and error page exists, so a thread's first batch (a search
    rebuild builds URLs, the mail sender renders templates) never sees half an app."""
    from collab import files
    from collab.activity import install_hooks
    from collab.activity.community_events import install_community_hooks
    from collab.activity.mail import install_mail_hooks, start_mail_thread
    from collab.realtime import init_realtime, init_sign_ins
    from collab.search import init_search
    from collab import access_events

    init_realtime()
    init_sign_ins(app)
    access_events.init_app(app)
    install_hooks()
    install_community_hooks()
    install_mail_hooks()
    files.install_hooks()
    init_search(app)
    start_mail_thread(app)
    from collab.chat import init_chat

    init_chat(app)
    from collab.webhooks import init_webhooks

    init_webhooks(app)
    from collab import analytics

    analytics.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from collab.accounts import bp as accounts_bp
    from collab.activity.views import bp as activity_bp
    from collab.analytics import bp as analytics_bp
    from collab.admin import bp as admin_bp
    from collab.chat import bp as chat_bp
    from collab.flows import bp as flows_bp
    from collab.home import bp as home_bp
    from collab.moderation import bp as moderation_bp
    from collab.search import bp as search_bp
    from communities import bp as communities_bp
    from forums import bp as forums_bp
    from wiki import bp as wiki_bp
    from blogs import bp as blogs_bp
    from collab.api import bp as api_bp, pages as api_pages_bp
    from collab.webhooks import bp as webhooks_bp

    # Each tool's API endpoints join the API blueprint before it is registered.
    import wiki.api  # noqa: F401
    import blogs.api  # noqa: F401
    import forums.api  # noqa: F401
    import collab.chat.api  # noqa: F401

    # The models of every package must be imported before migrations or create_all see them.
    import collab.activity.models  # noqa: F401
    import collab.files  # noqa: F401
    import collab.settings  # noqa: F401
    import collab.audit  # noqa: F401
    import collab.moderation.models  # noqa: F401
    import collab.analytics.models  # noqa: F401
    import collab.search.misses  # noqa: F401
    import collab.chat.models  # noqa: F401
    import collab.flows.models  # noqa: F401
    import forums.models  # noqa: F401
    import wiki.models  # noqa: F401
    import blogs.models  # noqa: F401
    import collab.api.models  # noqa: F401
    import collab.webhooks.models  # noqa: F401

    app.register_blueprint(home_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(activity_bp)
    app.register_blueprint(communities_bp, url_prefix="/c")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(search_bp)
    app.register_blueprint(analytics_bp)
    app.register_blueprint(wiki_bp, url_prefix="/c/<slug>/wiki")
    app.register_blueprint(forums_bp, url_prefix="/c/<slug>/forums")
    app.register_blueprint(chat_bp)
    app.register_blueprint(blogs_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(flows_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_pages_bp)
    app.register_blueprint(webhooks_bp, url_prefix="/c/<slug>/webhooks")
    csrf.exempt(api_bp)  # tokens, never cookies, authenticate the API (collab.api.core._authenticate)

    # Tool namespaces, on the Socket.IO server init_app built (see collab.realtime.init_realtime).
    from wiki.events import init_events as init_wiki_events

    init_wiki_events(socketio, app)


def _init_templates(app: Flask) -> None:
    from collab.text import plain_excerpt, safe
    from collab.tools import tabs_for

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from collab.audit import label_for as audit_label_for
    from collab.fragments import fill, slot, topbar
    from collab.settings import get_setting, upload_max_bytes

    app.jinja_env.globals.update(
        access=access,
        site_setting=get_setting,
        upload_max_bytes=upload_max_bytes,
        audit_label=audit_label_for,
        tabs_for=tabs_for,
        languages=app.config["LANGUAGES"],
        get_locale=get_locale,
        topbar=topbar,
        slot=slot,
        fill=fill,
    )
    app.jinja_env.filters["html"] = safe
    app.jinja_env.filters["excerpt"] = plain_excerpt

    def scoped_search(*args, **kwargs):
        """macros.html's search box of one community or tool, as a global: a template that shows it
        on every page (the wiki's) need not import macros.html on every render."""
        return app.jinja_env.get_template("macros.html").module.scoped_search(*args, **kwargs)

    app.jinja_env.globals["scoped_search"] = scoped_search

    from collab import timefmt

    @app.template_filter("datetime")
    def _datetime(value, fmt="medium"):
        return timefmt.absolute(value, fmt) if value else ""

    app.jinja_env.filters["ago"] = timefmt.ago
    app.jinja_env.filters["exact"] = timefmt.exact
    app.jinja_env.globals["viewer_zone"] = timefmt.zone_name

    _install_fast_gettext(app)

    _init_nav(app)


def _init_nav(app: Flask) -> None:
    """The navigation's counts in one statement per page (collab.nav): packages register theirs
    (chat: unread messages); this module wires the invitations count of communities."""
    from sqlalchemy import func

    from collab import nav
    from communities.models import Invitation

    def pending_invitations(user_id, _visible_ids):
        return select(func.count(Invitation.id)).where(Invitation.user_id == user_id, Invitation.status == "pending")

    nav.register_count("pending_invitations", pending_invitations)

    @app.context_processor
    def _nav_counts():
        user = current_user._get_current_object()
        if not user.is_authenticated:
            return {"pending_invitations": 0}
        found = nav.counts(user)
        g.setdefault("_unread", {}).setdefault(user.id, found["unread_notifications"])
        return found


def _install_fast_gettext(app: Flask) -> None:
    """Template gettext that looks the request's translations up once, not on every string.

    Flask-Babel's own callables walk several context proxies and format the locale for each
    message (about 60 microseconds a call); a page has dozens.
    """
    from flask import g
    from flask_babel import get_translations

    def translations():
        t = g.get("_collab_translations")
        if t is None:
            t = g._collab_translations = get_translations()
        return t

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def _init_security(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if response.mimetype == "text/html":
            h.setdefault("Cache-Control", "no-store")
        return response


def _init_errors(app: Flask) -> None:
    from collab.api.core import http_error_response, is_api_request

    def page(code: int, title, message):
        def handler(e):
            if is_api_request():  # the API answers with error objects, never HTML
                db.session.rollback()
                return http_error_response(e, code)
            return render_template("errors/error.html", code=code, title=title, message=message), code

        return handler

    bad_request = page(400, _l("Bad request"), _l("The request could not be understood. If you sent a form, go back, reload it and try again."))
    app.register_error_handler(400, bad_request)
    app.register_error_handler(403, page(403, _l("Not allowed"), _l("You do not have permission to do that.")))
    app.register_error_handler(404, page(404, _l("Not found"), _l("There is nothing here. The address may be mistyped, or the item was removed.")))
    app.register_error_handler(405, page(405, _l("Not allowed"), _l("That action is not available here.")))
    app.register_error_handler(413, page(413, _l("Too large"), _l("The upload is larger than this site accepts.")))
    app.register_error_handler(429, page(429, _l("Slow down"), _l("Too many attempts. Wait a few minutes and try again.")))
    app.register_error_handler(500, page(500, _l("Something went wrong"), _l("The error was logged. Please try again in a moment.")))

    def bad_number(e):
        """A number beyond what the database holds reached a query (a query string or form
        field read without collab.ids): the person's mistake, not the server's."""
        db.session.rollback()
        log.warning("bad number in request %s: %s", request.path, e)
        return bad_request(BadRequest())

    app.register_error_handler(OverflowError, bad_number)
    from sqlalchemy.exc import DataError

    app.register_error_handler(DataError, bad_number)  # PostgreSQL: numeric value out of range

    from flask_wtf.csrf import CSRFError

    app.register_error_handler(
        CSRFError,
        page(400, _l("The form expired"), _l("The form's security token was missing or expired. Go back, reload the page and send it again; what you typed may still be there.")),
    )
