"""The referat's attendance list

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 23:00:00

attendance_entry holds a committee's attendance list once the chair corrected the proposal
(submission_id null; a removed proposed name keeps its row with present off), and the copy
frozen into each submitted version (submission_id set).
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attendance_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('committee_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.Column('participant_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False, server_default=''),
        sa.Column('present', sa.Boolean(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_attendance_entry_committee_id', 'attendance_entry', ['committee_id'])
    op.create_index('ix_attendance_entry_submission_id', 'attendance_entry', ['submission_id'])


def downgrade():
    op.drop_index('ix_attendance_entry_submission_id', table_name='attendance_entry')
    op.drop_index('ix_attendance_entry_committee_id', table_name='attendance_entry')
    op.drop_table('attendance_entry')
