"""Members agree to the draft referat

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 23:00:00

agreement_round: the chair asks the participants to read the draft referat; at submission the
round is closed (agreed_count/asked_count frozen) and tied to the submitted version.
agreement_answer: one answer per participant and round ("Enig" or a comment).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agreement_round',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('committee_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('opened_by_name', sa.String(length=120), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('agreed_count', sa.Integer(), nullable=True),
        sa.Column('asked_count', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_agreement_round_committee_id', 'agreement_round', ['committee_id'])
    op.create_index('ix_agreement_round_submission_id', 'agreement_round', ['submission_id'])
    op.create_table(
        'agreement_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=True),
        sa.Column('participant_name', sa.String(length=80), nullable=False),
        sa.Column('agrees', sa.Boolean(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['agreement_round.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('round_id', 'participant_id'),
    )
    op.create_index('ix_agreement_answer_round_id', 'agreement_answer', ['round_id'])
    op.create_index('ix_agreement_answer_participant_id', 'agreement_answer',
                    ['participant_id'])


def downgrade():
    op.drop_index('ix_agreement_answer_participant_id', table_name='agreement_answer')
    op.drop_index('ix_agreement_answer_round_id', table_name='agreement_answer')
    op.drop_table('agreement_answer')
    op.drop_index('ix_agreement_round_submission_id', table_name='agreement_round')
    op.drop_index('ix_agreement_round_committee_id', table_name='agreement_round')
    op.drop_table('agreement_round')
