"""The report: calls, callbacks and SMS conversations of a period by month, language, oblast
and outcome, and the telephony used, as tables safe to hand over (see `suppression`).

The three call tables break the same calls down three ways, so their column totals (calls by
outcome) and grand total are one set of numbers: they are never hidden. An outcome whose total
is small, or whose column cannot be protected otherwise, is merged into "other" in all three.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from hotline.languages import LANGUAGES as HOTLINE_LANGUAGES
from hotline.models import CallbackState, CallOutcome, Direction, Measure
from hotline.privacy import MOBILE, OBLASTS
from hotline.reports.figures import Span, sums
from hotline.reports.suppression import SMALLEST_SHOWN, Cell, protect

OTHER = "other"
LANGUAGES = (*HOTLINE_LANGUAGES, "")  # "": not known (a blocked caller chose none)
AREAS = (*OBLASTS, MOBILE, "")  # "": not known (a hidden or foreign number)
CLOSED = (CallbackState.COMPLETED, CallbackState.EXPIRED, CallbackState.CANCELLED,
          CallbackState.FAILED)  # fmt: skip
USAGE = ("minutes", "segments-in", "segments-out")

Values = Counter[tuple[str, str]]  # (row, column) -> count


@dataclass(frozen=True)
class Table:
    """One table as shown: counts, "<5" or "x"; `row_totals` None when rows do not add up."""

    key: str  # calls-by-month, calls-by-language, calls-by-oblast, callbacks, sms, usage
    rows: list[str]
    columns: list[str]
    cells: list[list[str]]
    row_totals: list[str] | None
    column_totals: list[str]
    total: str | None


@dataclass(frozen=True)
class Report:
    """A period's tables (one line's, or every line's)."""

    first: date
    last: date
    line_id: int | None
    tables: list[Table]


def months(span: Span) -> list[str]:
    """'2026-01' ... for every month the span touches."""
    found, day = [], span.first.replace(day=1)
    while day <= span.last:
        found.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return found


def report(session: Session, span: Span) -> Report:
    """Every table of the report for `span`, protected."""
    outcome, usage = Values(), Values()
    by_language, by_area = Values(), Values()
    for month, kind, items, minutes in sums(session, Measure.CALLS, span, "month", "kind"):
        outcome[month, kind] += items
        usage[month, "minutes"] += minutes
    for language, kind, items, _ in sums(session, Measure.CALLS, span, "language", "kind"):
        by_language[language, kind] += items
    for area, kind, items, _ in sums(session, Measure.CALLS, span, "area", "kind"):
        by_area[area, kind] += items
    callbacks, sms = Values(), Values()
    for month, state, items, _ in sums(session, Measure.CALLBACKS, span, "month", "kind"):
        callbacks[month, state] += items
    for month, language, items, _ in sums(
        session, Measure.CONVERSATIONS, span, "month", "language"
    ):
        sms[month, language] += items
    for month, direction, _, segments in sums(session, Measure.MESSAGES, span, "month", "kind"):
        side = "segments-in" if direction == Direction.INBOUND else "segments-out"
        usage[month, side] += segments
    every_month = months(span)
    calls = linked(
        [("calls-by-month", every_month, outcome),
         ("calls-by-language", present(LANGUAGES, by_language), by_language),
         ("calls-by-oblast", present(AREAS, by_area), by_area)],
        [str(o) for o in CallOutcome],
    )  # fmt: skip
    states = [str(s) for s in CLOSED]
    return Report(span.first, span.last, span.line_id, [
        *calls,
        *linked([("callbacks", every_month, callbacks)], states),
        *linked([("sms", every_month, sms)], list(LANGUAGES)),
        *linked([("usage", every_month, usage)], list(USAGE), row_totals=False),
    ])  # fmt: skip


def present(order: Sequence[str], values: Values) -> list[str]:
    """The rows of `order` that have any count."""
    counted = {row for (row, _), value in values.items() if value}
    return [key for key in order if key in counted]


def linked(
    parts: list[tuple[str, list[str], Values]], order: list[str], row_totals: bool = True
) -> list[Table]:
    """Tables of the same counts broken down by the same columns (one table, or several whose
    column totals must then be shown alike in all). Small columns, and any that cannot be
    protected otherwise, are merged into "other"."""
    totals = Counter[str]()
    for (_, column), value in parts[0][2].items():
        totals[column] += value
    columns = [c for c in order if totals[c]] or order[:1]
    merged = {c for c in columns if 0 < totals[c] < SMALLEST_SHOWN} if row_totals else set()
    shared = len(parts) > 1
    while True:
        shown = [c for c in columns if c not in merged] + ([OTHER] if merged else [])
        cuts = [(key, rows, _merge(values, merged)) for key, rows, values in parts]
        # A shared total is never hidden: a small "other" takes in one more column first.
        if not shared or sum(totals[c] for c in merged) not in range(1, SMALLEST_SHOWN):
            tables = [table(key, rows, shown, v, row_totals, shared) for key, rows, v in cuts]
            if all(t is not None for t in tables):
                return [t for t in tables if t is not None]
        remaining = [c for c in columns if c not in merged]
        if len(shown) == 1 or not remaining or not row_totals:
            return [hidden_all(key, rows, shown, v, row_totals) for key, rows, v in cuts]
        merged.add(min(remaining, key=lambda c: totals[c]))


def _merge(values: Values, merged: set[str]) -> Values:
    result = Values()
    for (row, column), value in values.items():
        result[row, OTHER if column in merged else column] += value
    return result


def table(
    key: str, rows: list[str], columns: list[str], values: Values, row_totals: bool, shared: bool
) -> Table | None:
    """The table protected; None when that would need a shared total hidden."""
    cells = layout(rows, columns, values, row_totals, shared)
    if not protect(cells):
        return None
    return _shown(key, rows, columns, cells, row_totals)


def layout(
    rows: list[str], columns: list[str], values: Values, row_totals: bool, shared: bool
) -> list[Cell]:
    """The table's cells as edges (see `suppression`): the rows' cells, then each row's total,
    then the column totals and the grand total; without row totals each column is its own sum.
    """
    cells = []
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            far = f"r{i}" if row_totals else f"g{j}"
            cells.append(Cell(far, f"c{j}", values[row, column]))
        if row_totals:
            total = sum(values[row, c] for c in columns)
            cells.append(Cell(f"r{i}", "cT", total, -1, total=True))
    for j, column in enumerate(columns):
        total = sum(values[r, column] for r in rows)
        far = "rT" if row_totals else f"g{j}"
        cells.append(Cell(far, f"c{j}", total, -1, total=True, shared=shared))
    if row_totals:
        grand = sum(values[r, c] for r in rows for c in columns)
        cells.append(Cell("rT", "cT", grand, 1, total=True, shared=shared))
    return cells


def _shown(
    key: str, rows: list[str], columns: list[str], cells: list[Cell], row_totals: bool
) -> Table:
    width = len(columns) + (1 if row_totals else 0)
    body = [[c.shown() for c in cells[i * width : (i + 1) * width]] for i in range(len(rows))]
    margin = [c.shown() for c in cells[len(rows) * width :]]
    return Table(
        key,
        rows,
        columns,
        [line[: len(columns)] for line in body],
        [line[-1] for line in body] if row_totals else None,
        margin[: len(columns)],
        margin[-1] if row_totals else None,
    )


def hidden_all(
    key: str, rows: list[str], columns: list[str], values: Values, row_totals: bool
) -> Table:
    """A table too small to protect cell by cell: every count but the zeros hidden."""
    cells = layout(rows, columns, values, row_totals, shared=False)
    for cell in cells:
        cell.hidden = cell.value > 0
    return _shown(key, rows, columns, cells, row_totals)
