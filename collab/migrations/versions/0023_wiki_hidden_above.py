"""wiki_pages.hidden_above: a page under a page a moderator hid (or one waiting for approval) is out
of sight with it; the flag lets every list, link and search filter such pages in the query it runs

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-24 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('wiki_pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_above', sa.Boolean(), server_default=sa.false(), nullable=False))
    pages = sa.table('wiki_pages', sa.column('community_id', sa.Integer), sa.column('path', sa.String),
                     sa.column('is_deleted', sa.Boolean), sa.column('moderation', sa.String),
                     sa.column('hidden_above', sa.Boolean))
    conn = op.get_bind()
    hidden = conn.execute(sa.select(pages.c.community_id, pages.c.path).where(
        pages.c.is_deleted == sa.false(), pages.c.moderation.is_not(None))).all()
    for community_id, path in hidden:
        conn.execute(pages.update().where(
            pages.c.community_id == community_id, pages.c.is_deleted == sa.false(),
            sa.func.substr(pages.c.path, 1, len(path) + 1) == path + "/").values(hidden_above=True))


def downgrade():
    with op.batch_alter_table('wiki_pages', schema=None) as batch_op:
        batch_op.drop_column('hidden_above')
