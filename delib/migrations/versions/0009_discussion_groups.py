"""Discussion groups beyond the committee

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 22:10:00

A group (the school leaders' network, a youth council) is a committee row with a parent: the
municipality's committee for the event. Its chair sends its notes to that committee
(sent_to_parent_at); the committee's chair takes notes over, and group_note_source keeps where
each taken-over note came from. group_break holds a group's own time for one of the breaks.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('committee') as batch:
        batch.add_column(sa.Column('parent_committee_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('sent_to_parent_at', sa.DateTime(), nullable=True))
        batch.create_foreign_key('fk_committee_parent_committee_id_committee', 'committee',
                                 ['parent_committee_id'], ['id'], ondelete='CASCADE')
        batch.create_index('ix_committee_parent_committee_id', ['parent_committee_id'])
    op.create_table(
        'group_note_source',
        sa.Column('note_id', sa.Integer(), nullable=False),
        sa.Column('source_note_id', sa.Integer(), nullable=True),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('group_name', sa.String(length=150), nullable=False),
        sa.Column('taken_over_by_name', sa.String(length=120), nullable=False),
        sa.Column('taken_over_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['note_id'], ['note.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['source_note_id'], ['note.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['group_id'], ['committee.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('note_id'),
    )
    op.create_index('ix_group_note_source_source_note_id', 'group_note_source',
                    ['source_note_id'])
    op.create_index('ix_group_note_source_group_id', 'group_note_source', ['group_id'])
    op.create_table(
        'group_break',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('slot_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['committee.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['slot_id'], ['discussion_slot.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('group_id', 'slot_id'),
    )
    op.create_index('ix_group_break_slot_id', 'group_break', ['slot_id'])
    with op.batch_alter_table('submission_note') as batch:
        batch.add_column(sa.Column('source_group', sa.String(length=150), nullable=False,
                                   server_default=''))


def downgrade():
    with op.batch_alter_table('submission_note') as batch:
        batch.drop_column('source_group')
    op.drop_index('ix_group_break_slot_id', table_name='group_break')
    op.drop_table('group_break')
    op.drop_index('ix_group_note_source_group_id', table_name='group_note_source')
    op.drop_index('ix_group_note_source_source_note_id', table_name='group_note_source')
    op.drop_table('group_note_source')
    with op.batch_alter_table('committee') as batch:
        batch.drop_index('ix_committee_parent_committee_id')
        batch.drop_constraint('fk_committee_parent_committee_id_committee', type_='foreignkey')
        batch.drop_column('sent_to_parent_at')
        batch.drop_column('parent_committee_id')
