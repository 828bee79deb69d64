"""notification email claims: a sender process claims the rows it mails (several servers)

Revision ID: 0017
Revises: 0012
Create Date: 2026-11-22 18:10:00

"""
from alembic import op
import sqlalchemy as sa

import collab.db


revision = '0017'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_claimed_at', collab.db.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('mail_claimed_at')
