"""Statements run direct (hotline.db_direct): through the driver itself (psycopg, or sqlite3 with
named parameters), with the same rows, writes, transactions, errors and events as
`Connection.execute`. The webhooks' and jobs' own tests run every statement of the call path
this way too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import (
    Connection,
    bindparam,
    event,
    func,
    insert,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError, MultipleResultsFound, NoResultFound, OperationalError

from hotline.db import engine, make_engine
from hotline.db_direct import run
from hotline.models import Base, Call, CallOutcome, Line

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
LINE = "+996312000111"

# Statements built once, as the hotline's are.
NEW_CALL = (
    insert(Call)
    .values(
        call_sid=bindparam("sid"),
        line_id=bindparam("line"),
        started_at=bindparam("now"),
        outcome=bindparam("outcome"),
    )
    .returning(Call.id, Call.menu_path, Call.attempt_count, Call.tallied, Call.started_at)
)
CALLS_OF_LINE = (
    select(Call.id, Call.call_sid, Call.started_at, Call.outcome, Line.number.label("line"))
    .join(Line, Line.id == Call.line_id)
    .where(Line.id == bindparam("line"))
    .order_by(Call.id)
)
THESE_CALLS = select(Call.call_sid).where(Call.id.in_(bindparam("ids", expanding=True)))
BOTH_ENDS = union_all(
    select(func.min(Call.started_at).label("at")), select(func.max(Call.started_at))
)
WRONG_KEY = (
    update(Call)
    .where(Call.id.in_(bindparam("ids", expanding=True)))
    .values(invalid_keys=Call.invalid_keys + 1)
    .returning(Call.id, Call.invalid_keys)
)
STEP = update(Call).where(Call.call_sid == bindparam("sid"))  # sets the columns it is given


@pytest.fixture
def connection(app: Flask) -> Iterator[Connection]:
    with engine(app).connect() as connection:
        yield connection


@pytest.fixture
def line_id(connection: Connection) -> int:
    found = add_line(connection, LINE)
    connection.commit()
    return found


def add_line(connection: Connection, number: str) -> int:
    values = {"number": number, "language": "ky", "strategy": "linear"}
    return int(connection.execute(insert(Line).values(**values).returning(Line.id)).scalar_one())


def new_call(connection: Connection, line_id: int, sid: str, minutes: int = 0) -> Any:
    values = {
        "sid": sid,
        "line": line_id,
        "now": NOW + timedelta(minutes=minutes),
        "outcome": CallOutcome.IN_PROGRESS,
    }
    return run(connection, NEW_CALL, values).one()


def is_postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def test_rows_read_as_execute_reads_them(connection: Connection, line_id: int) -> None:
    """Values through their types (aware UTC times, enums), rows by position and by name."""
    ids = [new_call(connection, line_id, f"CA{n}", minutes=n).id for n in range(3)]
    for statement, values in [
        (CALLS_OF_LINE, {"line": line_id}),
        (THESE_CALLS, {"ids": ids[1:]}),
        (BOTH_ENDS, {}),
    ]:
        direct = run(connection, statement, values).all()
        assert [tuple(row) for row in direct] == [
            tuple(row) for row in connection.execute(statement, values)
        ]
    calls = run(connection, CALLS_OF_LINE, {"line": line_id})
    first = calls.first()
    assert first is not None
    assert (first.call_sid, first.line, first.outcome) == ("CA0", LINE, CallOutcome.IN_PROGRESS)
    assert isinstance(first.outcome, CallOutcome)
    assert first.started_at == NOW and first.started_at.tzinfo is not None
    assert len(calls.all()) == len(list(calls)) == 3
    assert run(connection, THESE_CALLS, {"ids": [ids[0]]}).scalar() == "CA0"
    with pytest.raises(MultipleResultsFound):
        calls.one()
    with pytest.raises(NoResultFound):
        run(connection, THESE_CALLS, {"ids": [-1]}).one()
    assert run(connection, THESE_CALLS, {"ids": [-1]}).one_or_none() is None


def test_lists_of_every_length_read_as_execute_reads_them(
    connection: Connection, line_id: int
) -> None:
    """Each list's placeholders are kept for its length: lists of other lengths, in any order,
    an empty one, two lists in one statement, and lists of tuples (never kept) read what
    `Connection.execute` reads."""
    ids = [new_call(connection, line_id, f"CA{n}", minutes=n).id for n in range(4)]
    sids = [f"CA{n}" for n in range(4)]
    both = THESE_CALLS.where(Call.call_sid.in_(bindparam("sids", expanding=True)))
    pairs = select(Call.call_sid).where(
        tuple_(Call.id, Call.call_sid).in_(bindparam("pairs", expanding=True))
    )
    for statement, values in [
        (THESE_CALLS, {"ids": ids[:1]}),
        (THESE_CALLS, {"ids": ids[1:3]}),
        (THESE_CALLS, {"ids": ids[3:]}),  # the length of the first, other items
        (THESE_CALLS, {"ids": []}),
        (THESE_CALLS, {"ids": ids}),
        (THESE_CALLS, {"ids": [-1, ids[2]]}),
        (both, {"ids": ids[:1], "sids": sids[:2]}),
        (both, {"ids": ids[:2], "sids": sids[1:2]}),  # the same lengths, the other way round
        (both, {"ids": ids, "sids": sids[2:]}),
        (pairs, {"pairs": [(ids[0], "CA0"), (ids[1], "CA-none")]}),
        (pairs, {"pairs": [(ids[2], "CA2"), (ids[3], "CA3")]}),
    ]:
        direct = run(connection, statement, values).all()
        assert sorted(direct) == sorted(connection.execute(statement, values).all())
    assert sorted(run(connection, both, {"ids": ids, "sids": sids[2:]}).all()) == [
        ("CA2",),
        ("CA3",),
    ]


def test_writes_as_execute_writes(connection: Connection, line_id: int) -> None:
    """Column defaults of a plain value filled in, lists for IN, the columns an UPDATE is given."""
    created = new_call(connection, line_id, "CA-new")
    assert (created.menu_path, created.attempt_count, created.tallied) == ("", 0, False)
    assert created.started_at == NOW
    other = new_call(connection, line_id, "CA-other").id
    keyed = run(connection, WRONG_KEY, {"ids": [created.id, other]})
    assert sorted(tuple(row) for row in keyed) == [(created.id, 1), (other, 1)]
    assert run(connection, STEP, {"sid": "CA-none", "language": "ru"}).rowcount == 0
    assert run(connection, STEP, {"sid": "CA-new", "language": "ru"}).rowcount == 1
    assert run(connection, STEP, {"sid": "CA-new", "menu_path": "2"}).rowcount == 1
    called_at = select(func.count()).select_from(Call).where(Call.started_at.is_not(None))
    without_time = insert(Call).values(call_sid=bindparam("sid"))  # its time: a Python default
    run(connection, without_time, {"sid": "CA-later"})
    assert run(connection, called_at).scalar() == 3
    row = connection.execute(
        select(Call.language, Call.menu_path, Call.invalid_keys).where(Call.call_sid == "CA-new")
    ).one()
    assert tuple(row) == ("ru", "2", 1)


def test_a_transaction_begun_and_ended_as_execute_would(app: Flask, line_id: int) -> None:
    with engine(app).connect() as connection:
        new_call(connection, line_id, "CA-rolled-back")
        connection.rollback()
        new_call(connection, line_id, "CA-kept")
        connection.commit()
    with engine(app).connect() as connection:
        kept = connection.execute(select(Call.call_sid)).scalars().all()
    assert kept == ["CA-kept"]


def test_errors_raised_as_sqlalchemy_raises_them(
    app: Flask, connection: Connection, line_id: int
) -> None:
    new_call(connection, line_id, "CA-once")
    connection.commit()
    with pytest.raises(IntegrityError):
        new_call(connection, line_id, "CA-once")
    connection.rollback()
    assert new_call(connection, line_id, "CA-twice").id  # the connection still works
    connection.commit()
    if not is_postgresql(connection):
        return
    connection.execute(text("SET LOCAL statement_timeout = 50"))
    with pytest.raises(OperationalError):  # cancelled by the server
        run(connection, select(func.pg_sleep(bindparam("seconds"))), {"seconds": 1})
    connection.rollback()
    backend = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    connection.commit()
    with engine(app).connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    with pytest.raises(OperationalError) as lost:
        run(connection, CALLS_OF_LINE, {"line": line_id})
    assert lost.value.connection_invalidated and connection.invalidated


def test_cursor_events_see_every_statement(
    app: Flask, connection: Connection, line_id: int
) -> None:
    """The engine's cursor events fire as for `Connection.execute`, with no execution context,
    since the statement goes to the driver direct."""
    seen: list[tuple[str, str, bool]] = []

    def before(_c: Any, _cursor: Any, statement: str, _p: Any, context: Any, _m: bool) -> None:
        seen.append(("before", statement.split()[0], context is None))

    def after(_c: Any, _cursor: Any, statement: str, _p: Any, context: Any, _m: bool) -> None:
        seen.append(("after", statement.split()[0], context is None))

    event.listen(engine(app), "before_cursor_execute", before)
    event.listen(engine(app), "after_cursor_execute", after)
    try:
        new_call(connection, line_id, "CA-seen")
    finally:
        event.remove(engine(app), "before_cursor_execute", before)
        event.remove(engine(app), "after_cursor_execute", after)
    assert seen == [("before", "INSERT", True), ("after", "INSERT", True)]


def test_one_statement_runs_on_both_backends_in_one_process(
    connection: Connection, line_id: int, tmp_path: Path
) -> None:
    """A statement's compiled form is kept for each dialect: the benchmarks stage PostgreSQL and
    SQLite in one process, and each must get its own SQL."""
    new_call(connection, line_id, "CA-here")
    connection.commit()
    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    Base.metadata.create_all(other)
    with other.connect() as sqlite:
        other_line = add_line(sqlite, "+996312000222")
        new_call(sqlite, other_line, "CA-there")
        assert [r.call_sid for r in run(sqlite, CALLS_OF_LINE, {"line": other_line})] == [
            "CA-there"
        ]
    other.dispose()
    assert [r.call_sid for r in run(connection, CALLS_OF_LINE, {"line": line_id})] == ["CA-here"]
