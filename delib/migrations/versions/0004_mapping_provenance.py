"""Provenance of task and message mappings, and suggested mappings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 20:30:00

Every mapping of a note (and of a submitted note) to a task or message says who set it: a
person ticked it, or a person accepted the model's suggestion. Existing mappings were all set
by people, hence the server default. `note_suggestion` holds suggestions awaiting a decision,
and the decided ones, so a rejected suggestion is never offered again.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

MAPPING_TABLES = ('note_task', 'note_message', 'submission_note_task', 'submission_note_message')


def upgrade():
    for table in MAPPING_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('source', sa.String(length=20), nullable=False,
                                          server_default='person'))
            batch_op.add_column(sa.Column('model_version', sa.String(length=60), nullable=True))
            batch_op.add_column(sa.Column('decided_by_name', sa.String(length=120),
                                          nullable=True))
    op.create_table(
        'note_suggestion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('note_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('model_version', sa.String(length=60), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('decided_by_name', sa.String(length=120), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('task', 'message')", name='ck_note_suggestion_kind'),
        sa.CheckConstraint("status IN ('open', 'accepted', 'rejected')",
                           name='ck_note_suggestion_status'),
        sa.ForeignKeyConstraint(['note_id'], ['note.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('note_id', 'kind', 'number'),
    )


def downgrade():
    op.drop_table('note_suggestion')
    for table in reversed(MAPPING_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('decided_by_name')
            batch_op.drop_column('model_version')
            batch_op.drop_column('source')
