"""Danish search terms (lemmas and compound parts), the same on SQLite and PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 20:30:00

The FTS5 tables (SQLite) and the Danish GIN index (PostgreSQL) of 0001 are replaced by one
ordinary table, `search_term`, filled in Python (delib/services/search.py). The notes already
submitted are indexed here, so the search finds them from the first request on.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS submission_note_fts_vocab")
        op.execute("DROP TABLE IF EXISTS submission_note_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_submission_note_body_danish")
    op.create_table('search_term',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['submission_note.id'], name=op.f('fk_search_term_note_id_submission_note'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('note_id', 'term', name=op.f('pk_search_term')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('search_term', schema=None) as batch_op:
        batch_op.create_index('ix_search_term_term', ['term', 'note_id'], unique=False,
                              postgresql_ops={'term': 'text_pattern_ops'})

    # Index what is already there. The terms come from the application's own reading of
    # Danish (it has no schema of its own to freeze here); a later change of that reading is
    # applied with `flask rebuild-search-index`.
    from delib.services.kl.search import terms

    notes = sa.table('submission_note', sa.column('id'), sa.column('body'))
    search_term = sa.table('search_term', sa.column('note_id'), sa.column('term'),
                           sa.column('kind'))
    result = bind.execute(sa.select(notes.c.id, notes.c.body).order_by(notes.c.id))
    while batch := result.fetchmany(2000):
        rows = [{"note_id": note_id, "term": term, "kind": kind}
                for note_id, body in batch for term, kind in terms(body).items()]
        if rows:
            bind.execute(sa.insert(search_term), rows)


def downgrade():
    with op.batch_alter_table('search_term', schema=None) as batch_op:
        batch_op.drop_index('ix_search_term_term', postgresql_ops={'term': 'text_pattern_ops'})

    op.drop_table('search_term')
    # The search of 0001, empty: `flask rebuild-search-index` of that version fills it.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS submission_note_fts USING fts5("
                   "stems, tokenize = 'unicode61 remove_diacritics 0')")
        op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS submission_note_fts_vocab "
                   "USING fts5vocab(submission_note_fts, 'row')")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS ix_submission_note_body_danish ON submission_note "
                   "USING gin (to_tsvector('danish', body))")
