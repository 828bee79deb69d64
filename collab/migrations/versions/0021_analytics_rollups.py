"""Analytics roll-ups: active people per month (analytics_active_monthly), distinct active people
per day and per week as daily figures (filled from the daily rows already there by the first
roll-up round), and the top lists of settled periods (analytics_top)

Revision ID: 0021
Revises: 0015
Create Date: 2026-11-22 21:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('analytics_active_monthly',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('scope', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('actions', sa.Integer(), nullable=False),
    sa.Column('posts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_analytics_active_monthly_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_analytics_active_monthly_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('month', 'scope', 'user_id', name=op.f('pk_analytics_active_monthly'))
    )
    with op.batch_alter_table('analytics_active_monthly', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_active_monthly_community_id', ['community_id'], unique=False)
        batch_op.create_index('ix_analytics_active_monthly_scope_month', ['scope', 'month', 'user_id', 'posts', 'actions'], unique=False)
        batch_op.create_index('ix_analytics_active_monthly_user_id', ['user_id'], unique=False)

    op.create_table('analytics_top',
    sa.Column('scope', sa.String(length=24), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_analytics_top_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('scope', 'first_day', 'last_day', name=op.f('pk_analytics_top'))
    )
    with op.batch_alter_table('analytics_top', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_top_community_id', ['community_id'], unique=False)
        batch_op.create_index('ix_analytics_top_last_day', ['last_day'], unique=False)

    # The rows of the new roll-ups are made from the daily ones by the first roll-up round
    # (collab.analytics.rollup.fill_once), under the roll-up's own lock.


def downgrade():
    op.execute("DELETE FROM analytics_daily WHERE metric IN ('active', 'active_week')")
    with op.batch_alter_table('analytics_top', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_top_last_day')
        batch_op.drop_index('ix_analytics_top_community_id')

    op.drop_table('analytics_top')
    with op.batch_alter_table('analytics_active_monthly', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_active_monthly_user_id')
        batch_op.drop_index('ix_analytics_active_monthly_scope_month')
        batch_op.drop_index('ix_analytics_active_monthly_community_id')

    op.drop_table('analytics_active_monthly')
