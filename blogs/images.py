"""Images of a blog's posts: uploaded through collab.files, linked to the blog, and shown to a
reader only once a live post of the blog shows them (an image in a draft is as private as the draft)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from collab import files
from collab.accounts.models import User
from collab.extensions import db

from .models import BlogImage, BlogPost
from .services import Blog, BlogError, _signed_in, may_write


def upload_image(blog: Blog, user: User, data, filename: str | None) -> BlogImage:
    """Keep an image for this blog's posts; raises BlogError with the upload check's message."""
    if not may_write(user, blog):
        raise BlogError(_l("You may not write posts in this blog."))
    try:
        stored = files.store(data, filename, uploader=user, community=blog.community, kind="image")
    except files.UploadError as e:
        raise BlogError(e.message, "image") from e
    db.session.flush()
    image = BlogImage(file_id=stored.id, file=stored, community_id=blog.community.id if blog.community else None,
                      uploader_id=user.id)
    db.session.add(image)
    db.session.flush()
    return image


def find_image(blog: Blog, image_id: int) -> BlogImage | None:
    image = db.session.get(BlogImage, image_id)
    if image is None:
        return None
    if blog.community is not None:
        return image if image.community_id == blog.community.id else None
    return image if image.community_id is None and image.uploader_id == blog.owner.id else None


def may_see_image(user, blog: Blog, image: BlogImage) -> bool:
    """Its uploader always; anyone else once a live post of the blog by its uploader shows it (an
    image that is only in a draft stays as private as the draft: another writer's post naming the
    image's number does not publish it)."""
    if _signed_in(user) and user.id == image.uploader_id:
        return True
    ref = f"images/{image.id}"
    shown = or_(*(BlogPost.body.like(f"%{ref}{end}%") for end in (")", " ", '"', "'")))
    return db.session.scalar(select(BlogPost.id).where(blog.posts_clause(), BlogPost.live_clause(), shown,
                                                       BlogPost.author_id == image.uploader_id)
                             .limit(1)) is not None
