"""The migrations build exactly the schema the models describe, from an empty database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from delib import create_app
from delib.extensions import db
from tests.conftest import TEST_DATABASE_URL, _config


def _fresh_app(tmp_path):
    return create_app(_config(tmp_path, SQLALCHEMY_DATABASE_URI=TEST_DATABASE_URL
                              or f"sqlite:///{tmp_path / 'migrated.sqlite'}"))


def _ignore_extras(obj, name, type_, reflected, compare_to):
    # The search index is engine-specific and lives outside the models (services/kl/search.py).
    if not (reflected and compare_to is None):
        return True
    if type_ == "table":
        return not (name.startswith("submission_note_fts") or name == "alembic_version")
    return not (type_ == "index" and name == "ix_submission_note_body_danish")


def test_upgrade_matches_models_and_downgrades(tmp_path):
    app = _fresh_app(tmp_path)
    with app.app_context():
        try:
            _check_upgrade_and_downgrade()
        finally:
            # An engine left open (say, after a failed assertion) warns later, in another test.
            db.engine.dispose()


def _check_upgrade_and_downgrade():
    if TEST_DATABASE_URL:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _ignore_extras}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
    tables = inspect(db.engine).get_table_names()
    assert "note" in tables
    if db.engine.dialect.name == "sqlite":
        assert "submission_note_fts" not in tables
    assert "search_term" in tables
    downgrade(revision="base")
    assert "note" not in inspect(db.engine).get_table_names()
    upgrade()
