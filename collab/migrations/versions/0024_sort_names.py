"""Sort keys beside people's and communities' names (users.sort_name, communities.sort_name):
alphabetical lists order by them, so accented and Chinese names (by pinyin) come where a reader
looks for them; filled here for the rows already there

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-24 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from unidecode import unidecode


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

CHUNK = 1000


def _key(name):  # collab.text.sort_key as of this revision
    return " ".join(unidecode(name or "").split()).casefold()[:200]


def _fill(table: str, names: str) -> None:
    conn = op.get_bind()
    t = sa.table(table, sa.column("id"), sa.column("sort_name"), *(sa.column(n) for n in names.split(",")))
    rows = conn.execute(sa.select(t)).mappings().all()
    update = sa.update(t).where(t.c.id == sa.bindparam("pk")).values(sort_name=sa.bindparam("key"))
    params = [{"pk": r["id"], "key": _key(next((r[n] for n in names.split(",") if r[n]), ""))} for r in rows]
    for start in range(0, len(params), CHUNK):
        conn.execute(update, params[start:start + CHUNK])


def upgrade():
    op.add_column('users', sa.Column('sort_name', sa.String(length=200), server_default='', nullable=False))
    op.add_column('communities', sa.Column('sort_name', sa.String(length=200), server_default='', nullable=False))
    _fill('users', 'display_name,username')
    _fill('communities', 'name')
    op.create_index('ix_users_sort_name', 'users', ['sort_name', 'id'], unique=False)
    op.create_index('ix_communities_sort_name', 'communities', ['sort_name', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_communities_sort_name', table_name='communities')
    op.drop_index('ix_users_sort_name', table_name='users')
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch copy of the table would lose the
    # expression indexes of 0022 (lower(username), lower(email)).
    op.execute('ALTER TABLE communities DROP COLUMN sort_name')
    op.execute('ALTER TABLE users DROP COLUMN sort_name')
