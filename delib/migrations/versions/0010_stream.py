"""Server push: what the stream process reads (indexes, access stamps)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_note_updated_at', 'note', ['updated_at'])
    with op.batch_alter_table('participant') as batch:
        batch.add_column(sa.Column('access_changed_at', sa.DateTime(), nullable=True))
        batch.create_index('ix_participant_access_changed_at', ['access_changed_at'])
    op.create_index('ix_user_session_ended_at', 'user_session', ['ended_at'])


def downgrade():
    op.drop_index('ix_user_session_ended_at', table_name='user_session')
    with op.batch_alter_table('participant') as batch:
        batch.drop_index('ix_participant_access_changed_at')
        batch.drop_column('access_changed_at')
    op.drop_index('ix_note_updated_at', table_name='note')
