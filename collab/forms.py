"""Shared form pieces."""
from __future__ import annotations

from wtforms import SelectChoice
from wtforms.validators import ValidationError


# render_kw of a textarea where "@" and a few letters offer people to mention (static/js/mentions.js).
MENTIONS = {"data-mentions": ""}
# ... and whose form is kept as a draft in the browser until the server has taken it
# (static/js/drafts.js): leaving the page or an expired form or sign-in lose nothing.
DRAFTED = {**MENTIONS, "data-draft": ""}

# Besides C0, DEL and C1: the line and paragraph separators (a name holding one broke the subject
# of every email quoting it) and the bidirectional overrides and isolates (text that displays in
# another order than it reads: a name or title pretending to be something else).
_INVISIBLE = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _refused(c: str, allowed: str) -> bool:
    o = ord(c)
    return (o < 32 and c not in allowed) or 127 <= o <= 159 or c in _INVISIBLE


class NoControlChars:
    """Refuse control characters (but allow newlines and tabs in multi-line fields)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        value = field.data or ""
        allowed = "\n\r\t" if self.multiline else ""
        if any(_refused(c, allowed) for c in value):
            from flask_babel import gettext

            raise ValidationError(gettext("Remove the control characters from this field."))


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms option objects."""
    return [SelectChoice(value, label) for value, label in pairs]
