"""Numbers people send: an id in a form field, a query string or a socket event is read here, so
"²" (a digit to str.isdigit, not to int) or a 30-digit number is "no such item", never a 500."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1  # ids and positions are 32-bit integers in every database we run on


def parse_id(value) -> int | None:
    """A non-negative integer up to INT_MAX from ``value`` (an int, or a string of ASCII digits),
    or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= INT_MAX else None
    if isinstance(value, str):
        value = value.strip()
        if value.isascii() and value.isdigit() and len(value) <= 10:
            number = int(value)
            return number if number <= INT_MAX else None
    return None


def parse_ids(values) -> list[int]:
    """``parse_id`` of each value, the unreadable ones left out."""
    return [n for n in (parse_id(v) for v in values) if n is not None]


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in every route: a number beyond INT_MAX reaches the view as -1, an id nothing
    has (so the view's own "not found" answers, in the API's format too), instead of reaching
    the database as an integer it cannot hold."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= INT_MAX else -1
