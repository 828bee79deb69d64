"""Uploaded files, for every tool: checked, stored content-addressed under instance/, served safely.

A tool keeps its own link table (a page's attachments, a post's images) and serves a file through
its own route after asking collab.access; this module only stores and sends bytes:

    stored = files.store(request.files["file"], filename, uploader=user, community=c, kind="image")
    return files.send(stored)

The type comes from the content, never from the name or the browser's claim; only raster images
are ever shown inline, everything else downloads, with nosniff and a sandbox policy, so an uploaded
HTML or SVG file can never run as our origin.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import warnings
from datetime import datetime
from pathlib import Path

import filetype
from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import ForeignKey, Integer, String, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from collab.db import UTCDateTime, savepoint_released, utcnow
from collab.extensions import db
from collab.settings import upload_max_bytes

NAME_MAX = 200
MAX_PIXELS = 40_000_000
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
_PIL_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
_BAD_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
# Text we recognise by content when no magic number matches (UTF-8, no NUL bytes).
_TEXT_TYPES = {".md": "text/markdown", ".csv": "text/csv", ".json": "application/json"}


class UploadError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class StoredFile(db.Model):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"),
                                                     index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    @property
    def is_image(self) -> bool:
        return self.content_type in INLINE_TYPES


def clean_name(name: str | None) -> str:
    """A file name safe to store and show: no folders, no control or reserved characters, any
    script kept (a Chinese name stays Chinese)."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = unicodedata.normalize("NFC", _BAD_NAME_CHARS.sub("_", base)).strip(" .")
    if len(base) > NAME_MAX:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: NAME_MAX - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else base[:NAME_MAX]
    return base or "file"


def sniff(data: bytes, name: str) -> str:
    """The content type, from the bytes."""
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return kind.mime
    head = data[:65536]
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.start < len(head) - 4:  # not just a character cut at the end of the sample
                return "application/octet-stream"
        return _TEXT_TYPES.get(os.path.splitext(name)[1].lower(), "text/plain")
    return "application/octet-stream"


def _check_image(data: bytes) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                if fmt not in _PIL_TYPES:
                    raise UploadError(_l("Upload a JPEG, PNG, GIF or WebP image."))
                if img.size[0] * img.size[1] > MAX_PIXELS:
                    raise UploadError(_l("The image has too many pixels."))
                img.verify()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise UploadError(_l("The image has too many pixels.")) from None
    except UploadError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise UploadError(_l("That file is not an image we can read.")) from None
    return _PIL_TYPES[fmt]


def _root() -> Path:
    return Path(current_app.config["UPLOAD_PATH"]) / "files"


def _blob(sha: str) -> Path:
    return _root() / sha[:2] / sha


def store(data, filename: str | None, *, uploader, community, kind: str = "any") -> StoredFile:
    """Check and keep an upload; raises UploadError with a message for the person uploading."""
    limit = upload_max_bytes()  # the admin's site setting, else COLLAB_FILE_MAX_MB
    if hasattr(data, "stream"):  # a werkzeug FileStorage
        filename = filename or data.filename
        data = data.stream.read(limit + 1)
    data = bytes(data or b"")
    if not data:
        raise UploadError(_l("The file is empty."))
    if len(data) > limit:
        raise UploadError(_l("The file is larger than %(mb)s MB.", mb=round(limit / 1048576, 1)))
    name = clean_name(filename)
    content_type = sniff(data, name)
    if content_type in INLINE_TYPES:
        content_type = _check_image(data)  # a broken or bomb image is refused, not stored
    elif kind == "image":
        raise UploadError(_l("Upload a JPEG, PNG, GIF or WebP image."))
    sha = hashlib.sha256(data).hexdigest()
    path = _blob(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{sha}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    stored = StoredFile(name=name, content_type=content_type, size=len(data), sha256=sha,
                        uploader_id=getattr(uploader, "id", uploader),
                        community_id=getattr(community, "id", community))
    db.session.add(stored)
    return stored


def send(stored: StoredFile):
    """The file, for a request the caller has already access-checked."""
    inline = stored.content_type in INLINE_TYPES
    response = send_file(_blob(stored.sha256), mimetype=stored.content_type if inline else
                         ("text/plain" if stored.content_type.startswith("text/") else stored.content_type),
                         as_attachment=not inline, download_name=stored.name, etag=stored.sha256,
                         conditional=True, max_age=None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    # Kept by the browser but asked again before each use (a 304 while one may still read it): a
    # person removed from a restricted community does not go on seeing its files from the cache.
    cc = response.cache_control
    cc.public, cc.max_age, cc.private, cc.no_cache = False, None, True, True
    return response


def delete(stored: StoredFile) -> None:
    """Forget a file; its bytes go when no other stored file shares them."""
    sha = stored.sha256
    db.session.delete(stored)
    db.session.flush()
    if not db.session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.sha256 == sha)):
        # Only once the delete is committed: a rolled-back delete keeps its bytes.
        db.session.info.setdefault(_UNLINK, []).append(_blob(sha))


_UNLINK = "collab_files_unlink"


def _after_commit(session: Session) -> None:
    if savepoint_released(session):
        return
    for path in session.info.pop(_UNLINK, ()):
        path.unlink(missing_ok=True)


def install_hooks() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, prev: s.info.pop(_UNLINK, None))
