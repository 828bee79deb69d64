"""admin console: community posting rule, password reset links, community email invitations

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 18:00:00

"""
from alembic import op
import sqlalchemy as sa

import collab.db


revision = '0013'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('posting', sa.String(length=16), server_default='members', nullable=False))
    op.create_table(
        'password_resets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', collab.db.UTCDateTime(), nullable=False),
        sa.Column('expires_at', collab.db.UTCDateTime(), nullable=False),
        sa.Column('used_at', collab.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_password_resets_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash')),
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)
    op.create_table(
        'community_email_invites',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', collab.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_community_email_invites_community_id_communities'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'],
                                name=op.f('fk_community_email_invites_invited_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_community_email_invites')),
        sa.UniqueConstraint('community_id', 'email', name='uq_community_email_invites_community_email'),
    )
    with op.batch_alter_table('community_email_invites', schema=None) as batch_op:
        batch_op.create_index('ix_community_email_invites_email', ['email'], unique=False)


def downgrade():
    op.drop_table('community_email_invites')
    op.drop_table('password_resets')
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('posting')
