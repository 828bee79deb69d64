"""Where a redirect may go: only a path on this site (kernel; every package's views use it)."""
from __future__ import annotations

from urllib.parse import urlsplit

LOCALE_COOKIE = "collab_locale"  # the footer's language switch (collab.accounts.views.choose_language)


def local_path(target: str | None) -> str | None:
    """Only local paths: '/x' yes; '//evil', 'http://evil', '/\\evil', '/\\tevil', 'javascript:' no."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target
