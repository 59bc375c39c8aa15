"""Statements built once, run straight through the driver (psycopg, or sqlite3).

`Connection.execute` looks a statement up in SQLAlchemy's compiled cache by a key made from its
whole structure, then wraps each run in an execution context and a result: a fifth of the
instructions of a menu step that hunts (docs/performance.md, "Statements run direct"). The
statements of a call's webhooks are built once (module constants, or cached by shape), so their
compiled form can be kept with them. `run` compiles each once, as `Connection.execute` would
(same SQL, same types), and then binds the values through the types' own processors, sends the
SQL through the connection's driver cursor and reads the rows back through the types' result
processors.

It runs on the same connection, in the same transaction (begun as `Connection.execute` would
begin it), watched by the same deadline; the engine's cursor events fire; a driver's error is
raised as SQLAlchemy raises it. What it cannot take this way goes to `Connection.execute`:
positional parameters (SQLite's default "?": the hotline's SQLite engine uses named ones,
`hotline.db.make_engine`), and statements with execution options, literal-execute parameters,
or column defaults worked out for each row.

It uses a few of SQLAlchemy's attributes that are not public API (the compiler's bind
processors, result columns and expansion of IN lists; the types' result processors; the
connection's events and error handling), kept to the versions `pyproject.toml` allows:
`tests/test_db_direct.py` compares what it does with `Connection.execute`, and the webhooks'
and jobs' tests run the call path through it.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import CompoundSelect, Select

Processor = Callable[[Any], Any]

# Kinds of statement whose compiled form is plain SQL and bound values; text and DDL go to
# `Connection.execute`.
_DIRECT_KINDS = (Select, CompoundSelect, UpdateBase)
# Statements are built once, so this stays small; a bound keeps a mistake from growing it.
_KEPT_AT_MOST = 1000


class Rows:
    """A statement's rows, all read, and its row count: what the hotline reads of a result."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: Sequence[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        """Every row."""
        return list(self._rows)

    def first(self) -> Any | None:
        """The first row, or None."""
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        """The only row (SQLAlchemy's errors if there are none or several)."""
        row = self.one_or_none()
        if row is None:
            raise NoResultFound("No row was found when one was required")
        return row

    def one_or_none(self) -> Any | None:
        """The only row, or None (SQLAlchemy's error if there are several)."""
        if len(self._rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when one or none was required")
        return self.first()

    def scalar(self) -> Any:
        """The first column of the first row, or None."""
        return self._rows[0][0] if self._rows else None


class _Compiled:
    """A statement's compiled form and what a run needs of it."""

    __slots__ = (
        "statement", "compiled", "defaults", "expanding", "lists", "expansions", "row", "results"
    )  # fmt: skip

    def __init__(
        self, statement: Executable, compiled: SQLCompiler, defaults: dict[str, Any]
    ) -> None:
        self.statement = statement  # kept alive: the cache's key is its id
        self.compiled = compiled
        self.defaults = defaults  # the columns' own values where none is given (INSERT)
        self.expanding = bool(compiled.post_compile_params)  # lists for IN, as many as given
        self.lists = _plain_lists(compiled)
        # Each list's placeholders, kept by the lists' lengths (`_expanded`).
        self.expansions: dict[tuple[int, ...], _Expansion] = {}
        keys = [column[0] for column in compiled._result_columns]
        self.row: Any = namedtuple("Row", keys, rename=True) if keys else None
        # The types' result processors, looked up at the first run: some need the driver's
        # own type of the column.
        self.results: list[Processor | None] | None = None

    def bound(self, values: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The SQL and the values to send, each value through its type's bind processor, as
        SQLAlchemy's execution context makes them."""
        compiled = self.compiled
        if self.defaults:
            values = {**self.defaults, **values}
        params = compiled.construct_params(values, escape_names=False)
        processors: Mapping[str, Processor] = compiled._bind_processors  # type: ignore[assignment]
        sql = compiled.string
        if self.expanding:  # a placeholder for each item of each list
            sql, processors = self._expanded(params)
        escaped = compiled.escaped_bind_names
        return sql, {
            escaped.get(key, key): processors[key](value) if key in processors else value
            for key, value in params.items()
        }

    def _expanded(self, params: MutableMapping[str, Any]) -> tuple[str, Mapping[str, Processor]]:
        """The SQL with a placeholder for each item of each list in `params`, and the
        processors of every value; `params` gets each item under its placeholder's name in
        place of the list. SQLAlchemy's post-compile step rewrote the whole SQL on every run
        (3 to 5% of the instructions of a menu step, a hunt or a dial action that rings): for
        lists of plain values its result depends on their lengths alone, so it is kept for each
        set of lengths."""
        compiled = self.compiled
        lengths = tuple(len(params[name]) for name in self.lists) if self.lists else None
        kept = None if lengths is None else self.expansions.get(lengths)
        if kept is None:
            done = compiled._process_parameters_for_postcompile(params)
            processors: Mapping[str, Processor] = {
                **compiled._bind_processors,  # type: ignore[dict-item]
                **done.processors,
            }
            kept = _Expansion(done.statement, processors, done.parameter_expansion)
            if lengths is not None and len(self.expansions) < _KEPT_AT_MOST:
                self.expansions[lengths] = kept
            return kept.sql, kept.processors
        for name, names in kept.names.items():
            params.update(zip(names, params.pop(name), strict=True))
        return kept.sql, kept.processors

    def read(self, cursor: Any) -> list[Any]:
        """The rows of the cursor's result, each value through its type's result processor."""
        raw = cursor.fetchall()
        if self.results is None:
            types = [column[3] for column in self.compiled._result_columns]
            dialect = self.compiled.dialect
            self.results = [
                type_._cached_result_processor(dialect, column[1])  # DB-API: its type_code
                for type_, column in zip(types, cursor.description, strict=True)
            ]
        processors = self.results
        make = self.row._make if self.row is not None else tuple
        if not any(processors):
            return [make(row) for row in raw]
        return [
            make(
                value if process is None else process(value)
                for process, value in zip(processors, row, strict=True)
            )
            for row in raw
        ]


class _Expansion(NamedTuple):
    """What SQLAlchemy's post-compile step made of a statement's lists of some lengths."""

    sql: str
    processors: Mapping[str, Processor]
    names: Mapping[str, list[str]]  # each list's placeholders, in its items' order


def _plain_lists(compiled: SQLCompiler) -> tuple[str, ...] | None:
    """The names of a statement's lists for IN, if each is of plain values (one placeholder an
    item); None if any is of tuples or of no type, whose placeholders depend on the items."""
    names = []
    for parameter in compiled.post_compile_params:
        impl = parameter.type._unwrapped_dialect_impl(compiled.dialect)
        if impl._is_tuple_type or impl._isnull:
            return None
        names.append(compiled.bind_names[parameter])
    return tuple(sorted(names))


# By the statement's id, the keys of its values and the dialect (one process may have both, as
# the benchmarks do); the statement is kept beside its compiled form (None: `run` cannot take
# it), so that an id is never taken for another's.
_compiled: dict[tuple[int, tuple[str, ...], str], tuple[Executable, _Compiled | None]] = {}


def run(
    connection: Connection, statement: Executable, values: Mapping[str, Any] | None = None
) -> Rows:
    """Run a statement built once with `values`, as `connection.execute` would, and read all
    its rows."""
    values = values or {}
    compiled = _compile(connection, statement, values)
    if compiled is None:
        result = connection.execute(statement, values)
        return Rows(result.all() if result.returns_rows else [], result.rowcount)
    if not connection.in_transaction():
        connection.begin()  # as `Connection.execute` begins one (a no-op for the driver)
    sql, params = compiled.bound(values)
    events = connection._has_events or connection.engine._has_events
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if events:
            for before in connection.dispatch.before_cursor_execute:
                sql, params = before(connection, cursor, sql, params, None, False)
        cursor.execute(sql, params)
        if events:
            connection.dispatch.after_cursor_execute(connection, cursor, sql, params, None, False)
        rows = compiled.read(cursor) if cursor.description is not None else []
        return Rows(rows, cursor.rowcount)
    except BaseException as error:
        # As SQLAlchemy handles it: a driver's error becomes SQLAlchemy's (the connection
        # thrown away if it was lost), an interruption throws the connection away; any other
        # error is raised as it is.
        if isinstance(error, connection.dialect.loaded_dbapi.Error) or not isinstance(
            error, Exception
        ):
            connection._handle_dbapi_exception(error, sql, params, cursor, None)
        raise
    finally:
        cursor.close()


def _compile(
    connection: Connection, statement: Executable, values: Mapping[str, Any]
) -> _Compiled | None:
    """The statement's compiled form on this connection, or None if `run` cannot take it."""
    # The keys, as SQLAlchemy's cache has them: an INSERT or UPDATE sets the columns named.
    key = (id(statement), tuple(values), connection.dialect.name)
    kept = _compiled.get(key)
    if kept is not None and kept[0] is statement:
        return kept[1]
    if len(_compiled) >= _KEPT_AT_MOST:
        _compiled.clear()
    made = _made(connection, statement, sorted(values))
    _compiled[key] = (statement, made)
    return made


def _made(connection: Connection, statement: Executable, keys: list[str]) -> _Compiled | None:
    if not isinstance(statement, _DIRECT_KINDS) or statement.get_execution_options():
        return None
    compiled = statement.compile(dialect=connection.dialect, column_keys=keys)
    assert isinstance(compiled, SQLCompiler)
    if compiled.positional or compiled.literal_execute_params or compiled.update_prefetch:
        return None
    # An INSERT's columns with a default of a plain value are bound under their own key.
    defaults = {}
    for column in compiled.insert_prefetch:
        default = column.default
        if default is None or not default.is_scalar or column.key not in compiled.binds:
            return None  # worked out for each row: left to SQLAlchemy
        defaults[column.key] = default.arg  # type: ignore[attr-defined]
    return _Compiled(statement, compiled, defaults)
