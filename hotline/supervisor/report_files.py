"""The report as people read it: each table named and labelled in the reader's language, as
Markdown, CSV or the console's page. The counts come suppressed from hotline.reports."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hotline import reports
from hotline.supervisor import labels
from hotline.supervisor.i18n import SPOKEN

TITLES: dict[str, LazyString] = {
    "calls-by-month": _l("Calls by month and outcome"),
    "calls-by-language": _l("Calls by language and outcome"),
    "calls-by-oblast": _l("Calls by oblast and outcome"),
    "callbacks": _l("Callbacks asked for, by month and how they ended"),
    "sms": _l("SMS conversations by month and language"),
    "usage": _l("Telephony used, by month"),
}
FIRST_COLUMN: dict[str, LazyString] = {
    "calls-by-language": _l("Language"),
    "calls-by-oblast": _l("Oblast"),
}
ROW_TOTALS: dict[str, LazyString] = {
    "calls-by-month": _l("calls received"),
    "calls-by-language": _l("calls received"),
    "calls-by-oblast": _l("calls received"),
    "callbacks": _l("asked for"),
    "sms": _l("conversations"),
}
USAGE: dict[str, LazyString] = {
    "minutes": _l("call minutes (incoming calls)"),
    "segments-in": _l("SMS segments received"),
    "segments-out": _l("SMS segments sent"),
}


@dataclass(frozen=True)
class Sheet:
    """One table ready to print: its title, header, rows and totals row, all text."""

    title: str
    header: list[str]
    rows: list[list[str]]
    totals: list[str]


def note() -> str:
    """What "<5" and "x" mean."""
    text: str = _(
        "Counts from 1 to 4 are shown as %(small)s (so, where needed, are some zeros: %(small)s "
        "means 0 to 4). A count shown as %(hidden)s is 5 or more, hidden so that no small count "
        "can be worked out from the totals.",
        small=reports.SMALL,
        hidden=reports.HIDDEN,
    )
    return text


def heading(report: reports.Report, line: str | None) -> str:
    """'Report 2026-01-01 to 2026-12-31, line +996...' in the reader's language."""
    period = _("Report %(first)s to %(last)s", first=report.first, last=report.last)
    return f"{period}, {_('line')} {line}" if line else f"{period}, {_('all lines')}"


def sheets(report: reports.Report) -> list[Sheet]:
    """Every table of the report, labelled."""
    return [_sheet(table) for table in report.tables]


def _sheet(table: reports.Table) -> Sheet:
    names = {
        "calls": labels.OUTCOMES,
        "callbacks": labels.CALLBACK_STATES,
        "sms": SPOKEN,
        "usage": USAGE,
    }[table.key.split("-")[0]]
    rows_named = SPOKEN if table.key == "calls-by-language" else labels.AREAS
    header = [str(FIRST_COLUMN.get(table.key, _("Month")))]
    header += [_name(names, column) for column in table.columns]
    if table.row_totals is not None:
        header.append(str(ROW_TOTALS[table.key]))
    rows = []
    for index, row in enumerate(table.rows):
        label = _name(rows_named, row) if table.key in FIRST_COLUMN else row
        totals = [table.row_totals[index]] if table.row_totals is not None else []
        rows.append([label, *table.cells[index], *totals])
    ending = [table.total] if table.total is not None else []
    return Sheet(str(TITLES[table.key]), header, rows, [_("Total"), *table.column_totals, *ending])


def _name(names: dict[str, LazyString], key: str) -> str:
    if key == reports.OTHER:
        return str(_("other"))
    return str(names[key]) if key in names else str(_("unknown"))


def markdown(report: reports.Report, line: str | None) -> str:
    """The report as Markdown tables."""
    parts = [f"# {heading(report, line)}", "", note(), ""]
    for sheet in sheets(report):
        parts += [f"## {sheet.title}", "", _md_row(sheet.header)]
        parts.append("| --- |" + " ---: |" * (len(sheet.header) - 1))
        parts += [_md_row(row) for row in [*sheet.rows, sheet.totals]]
        parts.append("")
    return "\n".join(parts)


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "/") for cell in cells) + " |"


def comma_separated(report: reports.Report, line: str | None) -> str:
    """The report as CSV: each table under its title, a blank line between tables."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading(report, line)])
    writer.writerow([note()])
    for sheet in sheets(report):
        writer.writerow([])
        writer.writerow([sheet.title])
        writer.writerows([sheet.header, *sheet.rows, sheet.totals])
    return out.getvalue()


def render(report: reports.Report, form: str, line: str | None) -> str:
    """The report as `form`: md or csv."""
    return markdown(report, line) if form == "md" else comma_separated(report, line)
