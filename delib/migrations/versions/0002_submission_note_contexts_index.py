"""An index for KL's overview: submitted notes by submission, talk, theme meeting and break

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 23:00:00

The overview's matrices group the submitted notes by these columns; with the index SQLite reads
them in that order instead of sorting 20,000 rows per matrix.
"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission_note', schema=None) as batch_op:
        batch_op.create_index('ix_submission_note_contexts',
                              ['submission_id', 'talk_id', 'theme_meeting_id', 'slot_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('submission_note', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_note_contexts')
