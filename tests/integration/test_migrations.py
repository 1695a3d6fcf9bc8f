"""Migrations: one head, they build an empty database, and they match the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect

from portal.extensions import db
from portal.models import Base

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def test_migrations_have_a_single_head(app: Flask) -> None:
    config = AlembicConfig(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1


def test_upgrade_builds_every_table_of_the_models(app: Flask) -> None:
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrated_schema_matches_the_models(app: Flask) -> None:
    """Like `flask db check`: a model change without a migration fails here."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "target_metadata": Base.metadata}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
