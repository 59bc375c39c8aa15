"""The database layer: migrations both ways, SQLite in WAL mode, PostgreSQL with timeouts."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, inspect, text

from hotline import migrate
from hotline.db import database_url, engine, make_engine
from hotline.models import Base


def test_migrations_build_every_table_and_come_back_down(tmp_path: Path) -> None:
    fresh = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate.upgrade(fresh)
    assert set(Base.metadata.tables) <= set(inspect(fresh).get_table_names())
    migrate.downgrade(fresh, "base")
    assert inspect(fresh).get_table_names() == ["alembic_version"]
    fresh.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    sqlite = make_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    with sqlite.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    sqlite.dispose()


def test_postgresql_sessions_have_a_statement_timeout(app: Flask, migrated_engine: Engine) -> None:
    bound = engine(app)
    if bound.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: make test runs it in its PostgreSQL pass")
    with bound.connect() as connection:
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "5s"


def test_paas_postgres_urls_get_a_driver(tmp_path: Path) -> None:
    url = database_url({"DATABASE_URL": "postgres://u:p@db:5432/h"}, tmp_path)
    assert url == "postgresql+psycopg://u:p@db:5432/h"
    assert database_url({}, tmp_path) == f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
