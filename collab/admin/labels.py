"""How admin and community-settings actions read in the audit log, in every language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from collab import audit

LABELS = {
    "user.create": _l("Account created"),
    "user.invite": _l("Invitation to register"),
    "user.deactivate": _l("Account deactivated"),
    "user.reactivate": _l("Account reactivated"),
    "user.grant_admin": _l("Made admin"),
    "user.revoke_admin": _l("Admin rights removed"),
    "user.reset_password": _l("Password reset link made"),
    "community.archive": _l("Community archived"),
    "community.restore": _l("Community restored"),
    "community.delete": _l("Community deleted"),
    "community.transfer": _l("Ownership transferred"),
    "community.access": _l("Access changed"),
    "community.settings": _l("Community settings changed"),
    "member.role": _l("Member's role changed"),
    "member.remove": _l("Member removed"),
    "member.invite": _l("People invited"),
    "request.approve": _l("Join request approved"),
    "request.decline": _l("Join request declined"),
    "site.settings": _l("Site settings changed"),
}

audit.register_labels(LABELS)
