"""Pages of a long list: a fixed size, a count, and whether there is a next page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

Row = TypeVar("Row")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of rows, its number (from 1) and the total count."""

    rows: Sequence[Row]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number * self.size < self.total


def page_of(session: Session, query: Select[Any], number: int, size: int = PAGE_SIZE) -> Page[Any]:
    """Page `number` (from 1) of what `query` selects, with the count of all of it."""
    number = max(number, 1)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.limit(size).offset((number - 1) * size)).all()
    return Page(rows, number, total, size)
