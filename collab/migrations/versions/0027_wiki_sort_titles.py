"""A sort key beside each wiki page's title (wiki_pages.sort_title, collab.text.sort_key): the lists
of pages by title (pages with a tag, backlinks) order by it, so accented and Chinese titles (by
pinyin) come where a reader looks for them; filled here for the pages already there

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-25 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from unidecode import unidecode


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

CHUNK = 1000


def _key(title):  # collab.text.sort_key as of this revision
    return " ".join(unidecode(title or "").split()).casefold()[:200]


def upgrade():
    op.add_column('wiki_pages', sa.Column('sort_title', sa.String(length=200), server_default='', nullable=False))
    conn = op.get_bind()
    t = sa.table('wiki_pages', sa.column('id'), sa.column('title'), sa.column('sort_title'))
    update = sa.update(t).where(t.c.id == sa.bindparam('pk')).values(sort_title=sa.bindparam('key'))
    last = 0
    while True:  # in chunks of ids: a big wiki's titles never all in memory at once
        rows = conn.execute(sa.select(t.c.id, t.c.title).where(t.c.id > last).order_by(t.c.id).limit(CHUNK)).all()
        if not rows:
            break
        conn.execute(update, [{"pk": pk, "key": _key(title)} for pk, title in rows])
        last = rows[-1][0]


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ has it), as 0024 does: a batch copy would lose the partial
    # index on live paths.
    op.execute('ALTER TABLE wiki_pages DROP COLUMN sort_title')
