"""Communities: membership, invitations, join requests; community home and settings."""
from flask import Blueprint

bp = Blueprint("communities", __name__, template_folder="templates")

from . import views  # noqa: E402,F401
from collab.accounts.services import on_user_created  # noqa: E402

from .services import claim_email_invites  # noqa: E402

on_user_created(claim_email_invites)
