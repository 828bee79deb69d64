"""Site administration: people, communities, site settings."""
from flask import Blueprint, abort
from flask_login import current_user, login_required

from collab import access

bp = Blueprint("admin", __name__, template_folder="templates")


@bp.before_request
@login_required
def _admins_only():
    if not access.is_admin(current_user):
        abort(404)  # the console's existence is nobody else's business


from . import views  # noqa: E402,F401
