"""psycopg cursors whose `description` describes the columns only when a column is read.

SQLAlchemy asks for `cursor.description` after every statement, but once a statement has been
compiled and run it keeps what it learnt of the columns and only asks whether there are any.
psycopg builds a `Column` for each column on every such question (its name decoded, its type
looked up): a tenth of the instructions of a hunt that holds, which reads 45 columns in three
statements (docs/performance.md, "Counting instructions").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import psycopg
from psycopg import Column, pq

# The statuses psycopg describes even with no columns ("SELECT ;").
_TUPLES = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)


class LazyDescription(Sequence[Column]):
    """The current result's columns, as psycopg describes them, built at the first read."""

    __slots__ = ("_cursor", "_result", "_columns")

    def __init__(self, cursor: Cursor, result: pq.abc.PGresult) -> None:
        self._cursor = cursor
        self._result = result
        self._columns: list[Column] | None = None

    def __len__(self) -> int:
        return self._result.nfields

    @overload
    def __getitem__(self, index: int) -> Column: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Column]: ...

    def __getitem__(self, index: int | slice) -> Column | Sequence[Column]:
        if self._columns is None:
            # psycopg describes the cursor's current result: it must still be this one.
            if self._cursor.pgresult is not self._result:
                raise psycopg.InterfaceError("a description read after its cursor moved on")
            self._columns = self._cursor.columns()
        return self._columns[index]


class Cursor(psycopg.Cursor[Any]):
    """psycopg's cursor, its description built only when read (see the module)."""

    @property  # a sequence of columns as the DB-API asks, if not psycopg's list
    def description(self) -> LazyDescription | None:  # type: ignore[override]
        result = self.pgresult
        if result is not None and (result.nfields or result.status in _TUPLES):
            return LazyDescription(self, result)
        return None

    def columns(self) -> list[Column]:
        """psycopg's own description of the current result: a Column for each column."""
        return super().description or []
