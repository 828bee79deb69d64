"""Files attached to wiki pages. The bytes, their size limit, their type (sniffed from the
content) and their safe names are collab.files's; this module links them to pages."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from collab import files
from collab.extensions import db

from .models import WikiAttachment, WikiPage
from .services import WikiError

PER_PAGE_MAX = 500


def attachments_of(page_id: int) -> list[WikiAttachment]:
    return list(db.session.scalars(select(WikiAttachment).where(WikiAttachment.page_id == page_id)
                                   .order_by(WikiAttachment.created_at.desc(), WikiAttachment.id.desc())))


def get(community_id: int, attachment_id: int) -> WikiAttachment | None:
    att = db.session.get(WikiAttachment, attachment_id)
    return att if att is not None and att.community_id == community_id else None


def attach(page: WikiPage, user, upload) -> WikiAttachment:
    """Keep an upload (a FileStorage) as an attachment of ``page``; WikiError with the reason if
    collab.files refuses it."""
    count = db.session.scalar(select(func.count(WikiAttachment.id)).where(WikiAttachment.page_id == page.id))
    if count >= PER_PAGE_MAX:
        raise WikiError(_l("A page can have at most %(max)d attachments. Delete some first.", max=PER_PAGE_MAX),
                        "file")
    if upload is None or not getattr(upload, "filename", None):
        raise WikiError(_l("Choose a file to upload."), "file")
    try:
        stored = files.store(upload, None, uploader=user, community=page.community_id)
    except files.UploadError as e:
        raise WikiError(e.message, "file") from None
    db.session.flush()
    att = WikiAttachment(page_id=page.id, community_id=page.community_id, file_id=stored.id,
                         uploader_id=getattr(user, "id", None))
    db.session.add(att)
    db.session.flush()
    return att


def remove(att: WikiAttachment) -> None:
    stored = att.file
    db.session.delete(att)
    db.session.flush()
    files.delete(stored)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#!|])")


def markdown_for(att: WikiAttachment, url: str) -> str:
    """The Markdown that shows an image or links a file (the name escaped: it is the label)."""
    label = _MD_SPECIAL.sub(r"\\\1", att.file.name)
    return f"![{label}]({url})" if att.file.is_image else f"[{label}]({url})"
