"""The database layer: migrations both ways, SQLite in WAL mode, PostgreSQL with timeouts."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import Engine, inspect, text

from hotline import db_cursor, migrate
from hotline.db import (
    call_steps,
    database_url,
    engine,
    get_session,
    make_engine,
    session_scope,
    statements_alone,
)
from hotline.models import Base
from tests.conftest import AppMaker


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


def test_postgresql_commits_only_a_calls_steps_without_waiting_for_the_disk(
    app: Flask, migrated_engine: Engine
) -> None:
    """A new call and a key pressed (hotline.db.call_steps) stand alone and do not wait for
    the disk; a request's session, a job's session and the worker's statements standing alone
    (a callback's CallSid: exactly once) still do."""
    if engine(app).dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: make test runs it in its PostgreSQL pass")
    show = text("SHOW synchronous_commit")
    with app.test_request_context():
        with call_steps() as steps:
            assert steps.execute(show).scalar() == "off"
            assert steps.connection.dbapi_connection.autocommit  # type: ignore[union-attr]
        assert get_session().execute(show).scalar() == "on"
        with statements_alone() as alone:
            assert alone.execute(show).scalar() == "on"
    with session_scope(app) as session:
        assert session.execute(show).scalar() == "on"


def test_postgresql_prepares_a_statement_at_its_first_run(
    app: Flask, migrated_engine: Engine
) -> None:
    """A burst of calls meets pool connections that never ran the hunt: each must parse its
    statements once, not on every run as psycopg does before a statement's sixth."""
    bound = engine(app)
    if bound.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: make test runs it in its PostgreSQL pass")
    probe = sa.select(sa.literal_column("'a hunt'"))
    prepared = text(
        "SELECT count(*) FROM pg_prepared_statements"
        " WHERE statement LIKE '%a hunt%' AND statement NOT LIKE '%pg_prepared_statements%'"
    )
    with bound.connect() as connection:
        connection.execute(probe)
        assert connection.execute(prepared).scalar() == 1


def test_postgresql_cursors_describe_their_columns_as_psycopg_does(
    app: Flask, migrated_engine: Engine
) -> None:
    """Columns are described only when read (hotline.db_cursor), and then as psycopg would."""
    bound = engine(app)
    if bound.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: make test runs it in its PostgreSQL pass")
    query = "SELECT 1 AS one, 'a'::text AS letter, now() AS moment"
    raw = bound.raw_connection()
    try:
        ours = raw.cursor()
        assert isinstance(ours, db_cursor.Cursor)
        ours.execute(query)
        described = ours.description
        assert described is not None and len(described) == 3
        plain = psycopg.Cursor(raw.driver_connection)
        plain.execute(query)
        assert plain.description is not None
        assert [tuple(column) for column in described] == [
            tuple(column) for column in plain.description
        ]
        assert [column.name for column in described[1:]] == ["letter", "moment"]
        ours.execute("SELECT")  # rows, but no columns: described, and empty
        assert ours.description is not None and list(ours.description) == []
        ours.execute("SET LOCAL statement_timeout = 1000")  # no rows at all
        assert ours.description is None
        ours.execute(query)
        stale = ours.description
        ours.execute("SELECT 2 AS two")
        with pytest.raises(psycopg.InterfaceError):  # never another result's columns
            stale[0]
    finally:
        raw.close()
    with bound.connect() as connection:  # names SQLAlchemy learns from the description
        row = connection.execute(text("SELECT 1 AS one, 2 AS two")).mappings().one()
        assert dict(row) == {"one": 1, "two": 2}


def test_paas_postgres_urls_get_a_driver(tmp_path: Path) -> None:
    url = database_url({"DATABASE_URL": "postgres://u:p@db:5432/h"}, tmp_path)
    assert url == "postgresql+psycopg://u:p@db:5432/h"
    assert database_url({}, tmp_path) == f"sqlite:///{tmp_path / 'hotline.sqlite3'}"


def test_reservations_migration_moves_the_old_default_wait_both_ways(
    migrated_engine: Engine,
) -> None:
    """On this pass's backend: lines still at the old default (90 s) move to 180 s and back."""
    line = sa.table(
        "line",
        sa.column("id", sa.Integer),
        sa.column("number", sa.String),
        sa.column("language", sa.String),
        sa.column("strategy", sa.String),
        sa.column("max_wait_seconds", sa.Integer),
        sa.column("ring_seconds", sa.Integer),
    )

    def waits() -> list[int]:
        with migrated_engine.connect() as connection:
            query = sa.select(line.c.max_wait_seconds).order_by(line.c.id)
            return list(connection.execute(query).scalars())

    migrate.downgrade(migrated_engine, "1201_sms_relay")
    try:
        assert "reserved_for" not in columns(migrated_engine, "counsellor")
        with migrated_engine.begin() as connection:
            for number, wait in (("+996312900101", 90), ("+996312900102", 300)):
                connection.execute(
                    line.insert().values(
                        number=number,
                        language="ky",
                        strategy="rrmemory",
                        max_wait_seconds=wait,
                        ring_seconds=20,
                    )
                )
        migrate.upgrade(migrated_engine, "0801_reservations")
        assert waits() == [180, 300]  # an operator's own choice is kept
        assert {"reserved_for", "reserved_until"} <= columns(migrated_engine, "counsellor")
        migrate.downgrade(migrated_engine, "1201_sms_relay")
        assert waits() == [90, 300]
    finally:
        with migrated_engine.begin() as connection:
            connection.execute(line.delete())
        migrate.upgrade(migrated_engine)


def columns(bound: Engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(bound).get_columns(table)}


def test_the_figures_migration_comes_down_and_up_again(migrated_engine: Engine) -> None:
    """On this pass's backend: tallies, cover alerts, counted flags and phones go and return."""
    migrate.downgrade(migrated_engine, "0901_replays")
    try:
        tables = set(inspect(migrated_engine).get_table_names())
        assert {"tally", "cover_alert"} & tables == set()
        assert "tallied" not in columns(migrated_engine, "call")
        assert "phone_sealed" not in columns(migrated_engine, "user_account")
    finally:
        migrate.upgrade(migrated_engine)
    for table in ("call", "callback", "message", "conversation"):
        assert "tallied" in columns(migrated_engine, table)
    indexes = {index["name"] for index in inspect(migrated_engine).get_indexes("call")}
    assert "ix_call_not_tallied" in indexes


def test_the_pool_keeps_a_connection_for_every_web_thread(make_app: AppMaker) -> None:
    """HOTLINE_DB_POOL_SIZE connections in use at once all stay open afterwards: a busy web
    worker does not open (and close) a connection per request."""
    app, _ = make_app(HOTLINE_DB_POOL_SIZE=8)
    bound = engine(app)
    opened: list[object] = []
    sa.event.listen(bound, "connect", lambda connection, record: opened.append(connection))
    for _ in range(3):
        held = [bound.connect() for _ in range(8)]
        for connection in held:
            connection.close()
    assert len(opened) == 8


def test_the_routing_index_comes_down_and_up_again(migrated_engine: Engine) -> None:
    """On this pass's backend: the index the hunt's candidates' query joins shifts by."""

    def shift_indexes() -> set[str]:
        return {index["name"] or "" for index in inspect(migrated_engine).get_indexes("shift")}

    assert "ix_shift_weekday_counsellor" in shift_indexes()
    migrate.downgrade(migrated_engine, "1101_figures")
    try:
        assert "ix_shift_weekday_counsellor" not in shift_indexes()
    finally:
        migrate.upgrade(migrated_engine)
    assert "ix_shift_weekday_counsellor" in shift_indexes()


def test_the_covering_shifts_index_comes_down_and_up_again(migrated_engine: Engine) -> None:
    """On this pass's backend: the index the hunt finds who a shift covers now by."""

    def shift_indexes() -> set[str]:
        return {index["name"] or "" for index in inspect(migrated_engine).get_indexes("shift")}

    assert "ix_shift_weekday_hours" in shift_indexes()
    migrate.downgrade(migrated_engine, "1301_routing_index")
    try:
        assert "ix_shift_weekday_hours" not in shift_indexes()
        assert "ix_shift_weekday_counsellor" in shift_indexes()
    finally:
        migrate.upgrade(migrated_engine)
    assert "ix_shift_weekday_hours" in shift_indexes()
