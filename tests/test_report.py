"""The report a centre hands over: figures that match the call log, small counts shown as
"<5", and no hidden count that a reader can work out from the row and column totals."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import AuditEntry, Call
from hotline.reports import tables
from hotline.simulator import SimClock
from tests.console_support import Console
from tests.suppression_attack import worked_out

ZONE = ZoneInfo("Asia/Bishkek")


def grid_of(table: tables.Table) -> list[list[str]]:
    """The table as a reader sees it: rows, then the totals row; the totals column last."""
    body = [
        [*cells, *([table.row_totals[i]] if table.row_totals is not None else [])]
        for i, cells in enumerate(table.cells)
    ]
    ending = [table.total] if table.total is not None else []
    return [*body, [*table.column_totals, *ending]]


def truth_of(values: tables.Values, rows: list[str], columns: list[str]) -> list[list[int]]:
    body = [[values[r, c] for c in columns] + [sum(values[r, c] for c in columns)] for r in rows]
    totals = [sum(values[r, c] for r in rows) for c in columns]
    return [*body, [*totals, sum(totals)]]


def test_the_attacker_works_out_a_lone_hidden_count() -> None:
    # Only the small count hidden: the row total gives it away. The attacker must see that.
    assert worked_out([["<5", "9", "12"], ["7", "8", "15"], ["10", "17", "27"]]) == [(0, 0)]
    # Two hidden cells of a line adding up to 9, one of them "x" (5 or more), the other "<5":
    # 4 and 5 are all that fits.
    found = worked_out([["<5", "x", "9", "18"], ["6", "7", "8", "21"], ["10", "12", "17", "39"]])
    assert sorted(found) == [(0, 0), (0, 1)]


@pytest.mark.parametrize("seed", range(60))
def test_no_hidden_count_can_be_worked_out_from_the_totals(seed: int) -> None:
    rng = random.Random(seed)
    rows = [f"r{n}" for n in range(rng.randrange(2, 6))]
    columns = [f"c{n}" for n in range(rng.randrange(2, 5))]
    values = tables.Values()
    for r in rows:
        for c in columns:
            values[r, c] = rng.choice((0, 0, 1, 1, 2, 3, 4, 5, 6, 9, 14, 30))
    made = tables.table("t", rows, columns, values, row_totals=True, shared=False)
    assert made is not None
    shown, truth = grid_of(made), truth_of(values, rows, columns)
    for shown_row, true_row in zip(shown, truth, strict=True):
        for mark, value in zip(shown_row, true_row, strict=True):
            if 1 <= value <= 4:
                assert mark == "<5"
            elif mark == "<5":
                assert value == 0  # a zero hidden beside small counts
            elif mark == "x":
                assert value >= 5
            else:
                assert mark == str(value)
    assert worked_out(shown) == []


def test_tables_without_row_totals_are_protected_column_by_column() -> None:
    values = tables.Values(
        {
            ("m1", "a"): 3,
            ("m2", "a"): 40,
            ("m3", "a"): 12,
            ("m1", "b"): 9,
            ("m2", "b"): 0,
            ("m3", "b"): 2,
        }
    )
    made = tables.table(
        "usage", ["m1", "m2", "m3"], ["a", "b"], values, row_totals=False, shared=False
    )
    assert made is not None and made.row_totals is None
    assert worked_out(grid_of(made), row_totals=False) == []
    # The cheapest partner hides the least: 12 rather than 40; beside 2, a zero.
    assert made.cells == [["<5", "9"], ["40", "<5"], ["x", "<5"]]


def report_csv(runner: FlaskCliRunner, *args: str) -> dict[str, list[list[str]]]:
    """The CLI's CSV report, table title -> its rows (header first, totals last)."""
    result = runner.invoke(args=["report", *args, "--format", "csv", "--language", "en"])
    assert result.exit_code == 0, result.output
    found: dict[str, list[list[str]]] = {}
    title = None
    for row in list(csv.reader(io.StringIO(result.output)))[2:]:
        if not row:
            title = None
        elif title is None:
            title = row[0]
            found[title] = []
        else:
            found[title].append(row)
    return found


@pytest.mark.slow  # the attacker searches every table of a year's report
def test_the_report_matches_the_call_log_and_hides_nothing_recoverable(
    runner: FlaskCliRunner, session: Session, clock: SimClock
) -> None:
    assert (
        runner.invoke(
            args=["demo", "data", "--calls", "400", "--days", "300", "--seed", "5"]
        ).exit_code
        == 0
    )
    today = clock.now().astimezone(ZONE).date()
    first, last = today - timedelta(days=300), today
    report = report_csv(runner, "--from", str(first), "--to", str(last))
    assert list(report) == [
        "Calls by month and outcome",
        "Calls by language and outcome",
        "Calls by oblast and outcome",
        "Callbacks asked for, by month and how they ended",
        "SMS conversations by month and language",
        "Telephony used, by month",
    ]
    hidden = 0
    for title, rows in report.items():
        grid = [row[1:] for row in rows[1:]]
        hidden += sum(mark in ("<5", "x") for row in grid for mark in row)
        assert worked_out(grid, row_totals=title != "Telephony used, by month") == [], title
    assert hidden > 10  # a small history: there is something to hide

    by_month = report["Calls by month and outcome"]
    calls = session.scalars(select(Call)).all()
    months = Counter(c.started_at.astimezone(ZONE).strftime("%Y-%m") for c in calls)
    for row in by_month[1:-1]:
        true = months[row[0]]
        shown = row[-1]  # a month's total: exact, or hidden as a small or a complementary cell
        assert shown in (str(true), "<5" if true <= 4 else "x"), row
    assert by_month[-1][-1] == str(len(calls))
    # The three call tables share their outcome totals, shown alike and never hidden.
    totals = {tuple(report[t][-1][1:]) for t in list(report)[:3]}
    assert len(totals) == 1 and "x" not in next(iter(totals)) and "<5" not in next(iter(totals))


def test_the_report_is_in_the_readers_language_and_each_export_is_audited(
    runner: FlaskCliRunner, as_supervisor: Console, session: Session, clock: SimClock
) -> None:
    runner.invoke(args=["demo", "data", "--calls", "50", "--days", "20", "--seed", "1"])
    today = clock.now().astimezone(ZONE).date()
    russian = runner.invoke(
        args=[
            "report",
            "--from",
            str(today - timedelta(days=30)),
            "--to",
            str(today),
            "--language",
            "ru",
        ]
    )
    assert russian.output.startswith("# Отчёт")
    assert "Звонки по месяцам и исходам" in russian.output
    as_supervisor.post("/supervisor/language", {"language": "ky"}, page="/supervisor/")
    page = as_supervisor.get(f"/supervisor/report.md?since={today - timedelta(days=30)}")
    assert page.status_code == 200
    assert page.headers["Content-Disposition"].startswith("attachment; filename=report-")
    assert "Айлар жана натыйжалар боюнча чалуулар" in page.get_data(as_text=True)
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-1] == "export-report" and "export-report" in actions[:-1]
