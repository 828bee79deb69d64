from __future__ import annotations

import pytest

from collab.extensions import db
from tests.search.conftest import app_on_same_instance, find, index_now  # noqa: F401  (shared fixtures)


@pytest.fixture
def people(make_user, admin_user):
    return {
        "owner": make_user("owner"),
        "moderator": make_user("moder"),
        "member": make_user("member"),
        "other": make_user("other"),
        "outsider": make_user("outsider"),
        "admin": admin_user,
    }


@pytest.fixture
def community(make_community, people):
    return make_community(people["owner"], name="Handbook", access="public",
                          members=[people["member"], people["other"]], moderators=[people["moderator"]])


@pytest.fixture
def wiki(app):
    """Service calls as a test writes them: wiki.create(community, user, title, ...) commits and
    returns the page's id; wiki.page(id) loads it in a fresh session. Each call runs in a POST
    request context, as the views do (so SQLite begins its write transactions IMMEDIATE)."""
    from wiki import services
    from wiki.models import WikiPage

    class Wiki:
        def _objs(self, community, user):
            from collab.accounts.models import User
            from communities.models import Community

            return db.session.get(Community, community.id), db.session.get(User, user.id)

        def create(self, community, user, title, body="", parent=None, summary=""):
            with app.test_request_context("/", method="POST"):
                c, u = self._objs(community, user)
                page = services.create_page(c, u, title=title, parent_id=parent, body=body, summary=summary)
                db.session.commit()
                return page.id

        def save(self, page_id, user, body, base, summary="", resolving=False):
            from collab.accounts.models import User

            with app.test_request_context("/", method="POST"):
                page = db.session.get(WikiPage, page_id)
                result = services.save_page(page, db.session.get(User, user.id), body=body, base_number=base,
                                            summary=summary, resolving=resolving)
                db.session.commit()
                return result.revision.number if result.revision else None, result.merged

        def call(self, fn, page_id, user, *args):
            from collab.accounts.models import User

            with app.test_request_context("/", method="POST"):
                page = db.session.get(WikiPage, page_id)
                result = getattr(services, fn)(page, db.session.get(User, user.id), *args)
                db.session.commit()
                return result

        def find(self, community, path):
            from sqlalchemy import select

            with app.app_context():
                return db.session.scalar(select(WikiPage.id).where(
                    WikiPage.community_id == community.id, WikiPage.path == path))

        def page(self, page_id):
            with app.app_context():
                page = db.session.get(WikiPage, page_id)
                _ = page.body, page.body_html  # load the deferred columns before detaching
                db.session.expunge(page)
                return page

        def revisions(self, page_id):
            from sqlalchemy import select

            from wiki.models import WikiRevision

            with app.app_context():
                return [(r.number, r.body, r.kind, r.author_id) for r in db.session.scalars(
                    select(WikiRevision).where(WikiRevision.page_id == page_id).order_by(WikiRevision.number))]

    return Wiki()


def url(community, path="", action=None):
    base = f"/c/{community.slug}/wiki/{path}"
    return f"{base}/-/{action}" if action else base
