"""Avatar uploads: size-checked, type detected from content, re-encoded, stored under instance/."""
from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
SIZE = 256
# A phone photo is about 12 M pixels. Decoding is paid in full whatever the file's size: a few KB
# of one colour can unpack to 40 M pixels (a second of work and 300 MB), so the cap is lower.
MAX_PIXELS = 4096 * 4096


class AvatarError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def process_avatar(data: bytes, max_bytes: int) -> bytes:
    """Return a square PNG of the upload, or raise AvatarError with a reason a person can act on."""
    if not data:
        raise AvatarError(_l("The file is empty."))
    if len(data) > max_bytes:
        raise AvatarError(_l("The image is larger than %(kb)s KB.", kb=max_bytes // 1024))
    from collab.concurrency import offload

    # In a native thread under gevent: decoding and resampling must not hold up the other requests.
    return offload(_checked_reencode, data)


def _checked_reencode(data: bytes) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _reencode(data)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise AvatarError(_l("The image has too many pixels.")) from None


def _reencode(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in ALLOWED_FORMATS:
                raise AvatarError(_l("Upload a JPEG, PNG, GIF or WebP image."))
            if width * height > MAX_PIXELS:
                raise AvatarError(_l("The image has too many pixels."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.seek(0)
            img = ImageOps.exif_transpose(img)
            if img.mode not in ("L", "LA", "RGB", "RGBA"):
                img = img.convert("RGBA")
            factor = min(img.size) // (SIZE * 2)
            if factor > 1:  # a cheap box reduction first: the fine resampling below then reads little
                img = img.reduce(factor)
            img = img.convert("RGBA")
            img = ImageOps.fit(img, (SIZE, SIZE), method=Image.Resampling.LANCZOS)
            out = io.BytesIO()
            img.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except AvatarError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise AvatarError(_l("That file is not an image we can read.")) from None


def store_avatar(upload_root: str, user_id: int, png: bytes) -> str:
    """Write the PNG and return its file name (content-addressed, so caches can keep it forever)."""
    folder = Path(upload_root) / "avatars"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{user_id}-{hashlib.sha256(png).hexdigest()[:16]}.png"
    path = folder / name
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(png)
    tmp.replace(path)
    return name


def avatar_path(upload_root: str, name: str) -> Path:
    return Path(upload_root) / "avatars" / Path(name).name
