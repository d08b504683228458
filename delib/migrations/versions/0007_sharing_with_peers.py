"""Contributions shared with other municipalities, and actions taken over from peers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 21:45:00

At submission the chair chooses whether other municipalities' chairs may see the version
(`submission.shared_with_peers`, off for every version submitted before the choice existed). An
action taken over from a peer ("vil vi også") keeps the shared action and its municipality.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SOURCE_ACTION_FK = 'fk_action_source_submission_action_id_submission_action'
SOURCE_MUNICIPALITY_FK = 'fk_action_source_municipality_code_municipality'


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_with_peers', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_submission_action_id', sa.Integer(),
                                      nullable=True))
        batch_op.add_column(sa.Column('source_municipality_code', sa.Integer(), nullable=True))
        batch_op.create_index('ix_action_source_submission_action_id',
                              ['source_submission_action_id'], unique=False)
        batch_op.create_foreign_key(SOURCE_ACTION_FK, 'submission_action',
                                    ['source_submission_action_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key(SOURCE_MUNICIPALITY_FK, 'municipality',
                                    ['source_municipality_code'], ['code'])


def downgrade():
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_constraint(SOURCE_MUNICIPALITY_FK, type_='foreignkey')
        batch_op.drop_constraint(SOURCE_ACTION_FK, type_='foreignkey')
        batch_op.drop_index('ix_action_source_submission_action_id')
        batch_op.drop_column('source_municipality_code')
        batch_op.drop_column('source_submission_action_id')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('shared_with_peers')
