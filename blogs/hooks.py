"""The blog's side effects in the core: activity stream events and notifications
(collab.activity). Search needs no call: the outbox sees every change to a registered model.

Wired to collab.activity once that core lands on the branch; until then these record nothing."""
from __future__ import annotations


def published(post) -> None:
    pass


def hidden(post) -> None:
    pass


def liked(post, user) -> None:
    pass


def commented(post, comment, parent) -> None:
    pass


def hidden_comment(comment) -> None:
    pass


def idea_submitted(idea) -> None:
    pass


def idea_status(idea, user) -> None:
    pass


def idea_hidden(idea) -> None:
    pass
