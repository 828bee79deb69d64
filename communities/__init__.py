"""Communities: membership, invitations, join requests; community home and settings."""
from flask import Blueprint

bp = Blueprint("communities", __name__, template_folder="templates")

from . import views  # noqa: E402,F401
