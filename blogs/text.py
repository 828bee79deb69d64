"""What authors type, cleaned and measured: post titles, tags, reading time, and Markdown rendered
with @mentions linked to the people who exist."""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from collab.accounts.models import User
from collab.extensions import db
from collab.text import render_markdown

from .models import TAG_MAX, TAGS_PER_POST, TITLE_MAX
from .permissions import BlogError

_TAG_SPLIT = re.compile(r"[,，、;；\s]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise BlogError(_l("Give the post a title."), "title")
    if len(title) > TITLE_MAX:
        raise BlogError(_l("A title has at most %(max)d characters.", max=TITLE_MAX), "title")
    return title


def parse_tags(text: str) -> list[str]:
    tags: list[str] = []
    for raw in _TAG_SPLIT.split(text or ""):
        tag = unicodedata.normalize("NFKC", raw).strip("#").strip().lower()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise BlogError(_l("A tag has at most %(max)d characters.", max=TAG_MAX), "tags")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_PER_POST:
        raise BlogError(_l("A post has at most %(max)d tags.", max=TAGS_PER_POST), "tags")
    return tags


def reading_minutes(text: str) -> int:
    """About 200 words a minute; Chinese and Japanese read at about 400 characters a minute."""
    cjk = len(_CJK.findall(text or ""))
    words = len(_WORD.findall(_CJK.sub(" ", text or "")))
    return max(1, round((words + cjk / 2) / 200))


def render(source: str) -> str:
    return render_markdown(source, mention=_mention_url)


def _mention_url(name: str) -> str | None:
    from flask import url_for

    exists = db.session.scalar(select(User.id).where(func.lower(User.username) == name.lower(),
                                                  User.is_deactivated.is_(False)))
    return url_for("accounts.profile", username=name) if exists else None
