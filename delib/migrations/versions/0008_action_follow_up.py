"""Follow-up on the previous event's actions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 21:45:00

The next event's committee updates each action its municipality submitted at the previous
event (action_follow_up, a working copy per committee); at submission the updates are copied
into the contribution (submission_follow_up, immutable like the other submitted rows).
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'action_follow_up',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('committee_id', sa.Integer(), nullable=False),
        sa.Column('submission_action_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('updated_by_name', sa.String(length=120), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_action_id'], ['submission_action.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('committee_id', 'submission_action_id'),
    )
    op.create_index('ix_action_follow_up_submission_action_id', 'action_follow_up',
                    ['submission_action_id'])
    op.create_table(
        'submission_follow_up',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('municipality_code', sa.Integer(), nullable=False),
        sa.Column('submission_action_id', sa.Integer(), nullable=True),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('responsible', sa.String(length=200), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('previous_status', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['municipality_code'], ['municipality.code']),
        sa.ForeignKeyConstraint(['submission_action_id'], ['submission_action.id'],
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('submission_id', 'event_id', 'municipality_code'):
        op.create_index(f'ix_submission_follow_up_{column}', 'submission_follow_up', [column])


def downgrade():
    op.drop_table('submission_follow_up')
    op.drop_index('ix_action_follow_up_submission_action_id', table_name='action_follow_up')
    op.drop_table('action_follow_up')
