"""Personal data removed for good (redaction records)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 23:00:00

A redaction row says that personal data was removed from a note, by whom and when (never what);
submission.redacted_at says that a submitted version was changed after submission.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'redaction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('committee_id', sa.Integer(), nullable=False),
        sa.Column('note_id', sa.Integer(), nullable=True),
        sa.Column('redacted_by_id', sa.Integer(), nullable=True),
        sa.Column('redacted_by_name', sa.String(length=120), nullable=False),
        sa.Column('redacted_at', sa.DateTime(), nullable=False),
        sa.Column('places', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['note_id'], ['note.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['redacted_by_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_redaction_committee_id', 'redaction', ['committee_id'])
    op.create_index('ix_redaction_note_id', 'redaction', ['note_id'])
    with op.batch_alter_table('submission') as batch:
        batch.add_column(sa.Column('redacted_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('submission') as batch:
        batch.drop_column('redacted_at')
    op.drop_index('ix_redaction_note_id', table_name='redaction')
    op.drop_index('ix_redaction_committee_id', table_name='redaction')
    op.drop_table('redaction')
