"""What the wiki tells the rest of the platform when something happens: activity stream events and
notifications to the people watching a page (through collab.activity)."""
from __future__ import annotations


def created(page, user) -> None:
    pass


def edited(page, revision, user) -> None:
    pass


def commented(page, comment, user) -> None:
    pass


def comment_deleted(comment) -> None:
    pass


def trashed(page_ids) -> None:
    pass
