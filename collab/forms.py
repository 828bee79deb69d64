"""Shared form pieces."""
from __future__ import annotations

from wtforms import SelectChoice
from wtforms.validators import ValidationError


class NoControlChars:
    """Refuse control characters (but allow newlines and tabs in multi-line fields)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        value = field.data or ""
        allowed = "\n\r\t" if self.multiline else ""
        if any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in value):
            from flask_babel import gettext

            raise ValidationError(gettext("Remove the control characters from this field."))


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms option objects."""
    return [SelectChoice(value, label) for value, label in pairs]
