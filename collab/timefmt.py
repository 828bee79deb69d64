"""Fast date filters for templates: the stream shows forty relative times per page.

Output is exactly Flask-Babel's (``format_datetime(value, "medium")`` in the viewer's zone, and
``format_timedelta(value - now, add_direction=True, granularity="minute")``), but the locale and
zone are looked up once per request, and a relative phrase ("3 minutes ago", "3分钟前") is
formatted once per language, unit and number, then reused; an absolute time once per moment,
format, language and zone.
"""
from __future__ import annotations

from babel import dates
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from collab.db import utcnow

_PHRASES: dict[tuple, str] = {}


def _zone():
    # Flask-Babel keeps both on the request (and honours force_locale): no memo of our own here.
    return get_locale(), get_timezone()


def zone_name() -> str:
    """The viewer's time zone ("Asia/Shanghai"), for a page's script to show times as the page does."""
    return str(_zone()[1])


def relative(value, now=None, locale=None) -> str:
    if locale is None:
        locale = get_locale()
    delta = value - (now or utcnow())
    seconds = int(delta.days * 86400 + delta.seconds)  # what babel does with a timedelta
    for unit, size in dates.TIMEDELTA_UNITS:
        amount = abs(seconds) / size
        if amount >= 0.85 or unit == "minute":
            if unit == "minute" and amount > 0:
                amount = max(1, amount)
            amount = int(round(amount))
            break
    key = (str(locale), unit, amount, seconds >= 0)
    phrase = _PHRASES.get(key)
    if phrase is None:
        sign = 1 if seconds >= 0 else -1
        phrase = _PHRASES[key] = dates.format_timedelta(
            sign * amount * size, granularity="minute", add_direction=True, locale=locale)
    return phrase


_ABSOLUTE: dict[tuple, str] = {}
_ABSOLUTE_MAX = 50_000


def absolute(value, fmt: str = "medium") -> str:
    """Formatted once per moment, format, language and zone in each process (Babel takes about
    80 microseconds a call; lists show the same times again and again)."""
    locale, tz = _zone()
    key = (value, fmt, locale, tz)
    found = _ABSOLUTE.get(key)
    if found is None:
        if len(_ABSOLUTE) >= _ABSOLUTE_MAX:
            _ABSOLUTE.clear()
        found = _ABSOLUTE[key] = (
            dates.format_skeleton("yMMMd", value, tzinfo=tz, locale=locale) if fmt == "date"  # "Jun 2, 2025", 2025年6月2日
            else dates.format_datetime(value, fmt, tzinfo=tz, locale=locale))
    return found


def exact(value, fmt: str = "medium") -> Markup:
    """``<time>`` with the exact time in the viewer's language and zone, the same text ``ago``
    shows on hover: for audit logs and admin tables, where times are compared to the second, and
    moments to come (a scheduled post's), where the author needs the moment itself."""
    if not value:
        return Markup("")
    return Markup('<time datetime="%s">%s</time>') % (value.isoformat(), absolute(value, fmt))


def ago(value, phrase: str | None = None) -> Markup:
    """``<time>`` with the relative phrase (``phrase`` when the caller has it already: a kept
    fragment whose key holds the phrases) and the absolute time as its title."""
    if not value:
        return Markup("")
    return Markup('<time datetime="%s" title="%s">%s</time>') % (
        value.isoformat(), absolute(value), relative(value) if phrase is None else phrase)
