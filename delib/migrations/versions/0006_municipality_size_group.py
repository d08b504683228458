"""Size groups shipped with the municipalities; preliminary programmes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:45:00

`municipality.size_group` holds KL's size group from delib/data/size_groups_2021.csv, used while
no population is imported (`flask load-municipalities` fills it in). `event.preliminary` marks a
programme whose items are placeholders (the next summit, created from the previous one).
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('size_group', sa.String(length=16), nullable=True))
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preliminary', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('preliminary')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('size_group')
