"""Reports (any signed-in user): a period's figures with small counts hidden, on the page and
as CSV or Markdown files to hand over, in the reader's language."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from hotline import audit, reports
from hotline.db import get_session
from hotline.extensions import local_zone, now
from hotline.models import Line
from hotline.supervisor import report_files
from hotline.supervisor.access import note
from hotline.supervisor.forms import PeriodForm
from hotline.supervisor.pages import filter_summary, line_options, read_span

bp = Blueprint("reports", __name__)
TYPES = {"csv": "text/csv", "md": "text/markdown"}


def _made() -> tuple[PeriodForm, reports.Report, str | None]:
    """The form, the report it asks for (this year so far by default), the line's number."""
    session = get_session()
    form = PeriodForm(request.args)
    form.line.choices = line_options(session, _l("all lines"))
    form.validate()
    if not form.since.data:
        form.since.data = date(now().astimezone(local_zone()).year, 1, 1)
    span = read_span(form)
    form.since.data, form.until.data = span.first, span.last  # the form says what is shown
    line = session.get(Line, span.line_id) if span.line_id is not None else None
    return form, reports.report(session, span), line.number if line else None


@bp.get("/report")
def index() -> ResponseReturnValue:
    """The report on the page, with its files to download."""
    form, made, line = _made()
    note(audit.Action.VIEW_REPORT, detail=filter_summary(form))
    get_session().commit()
    return render_template(
        "supervisor/report.html",
        form=form,
        heading=report_files.heading(made, line),
        note=report_files.note(),
        sheets=report_files.sheets(made),
        args={"since": made.first, "until": made.last, "line": form.line.data or None},
    )


@bp.get("/report.csv")
def csv_file() -> ResponseReturnValue:
    """The report as CSV."""
    return _download("csv")


@bp.get("/report.md")
def markdown_file() -> ResponseReturnValue:
    """The report as Markdown."""
    return _download("md")


def _download(form_name: str) -> Response:
    form, made, line = _made()
    note(audit.Action.EXPORT_REPORT, detail=f"{form_name} {filter_summary(form)}"[:200])
    get_session().commit()
    name = f"report-{made.first}-{made.last}.{form_name}"
    return Response(
        report_files.render(made, form_name, line),
        mimetype=TYPES[form_name],
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )
