"""Indexes on lower(users.username) and lower(users.email): every case-insensitive lookup of a name
(sign-in by name or email, @mentions, chat, the search's author facet, the audit log) used to
scan every account

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-24 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_users_username_lower', 'users', [sa.text('lower(username)')], unique=False)
    op.create_index('ix_users_email_lower', 'users', [sa.text('lower(email)')], unique=False)


def downgrade():
    op.drop_index('ix_users_email_lower', table_name='users')
    op.drop_index('ix_users_username_lower', table_name='users')
