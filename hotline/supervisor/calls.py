"""The call log: filters, pages, one call's offers and times, and the CSV export."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hotline import audit, logbook
from hotline.db import get_session
from hotline.models import CallOutcome
from hotline.supervisor import labels
from hotline.supervisor.access import note
from hotline.supervisor.forms import ANY, BlockForm, CallFilterForm
from hotline.supervisor.i18n import local_time
from hotline.supervisor.pages import (
    counsellor_options,
    filter_period,
    filter_summary,
    line_options,
    number_or_none,
    page_number,
)

bp = Blueprint("calls", __name__)
EXPORT_LIMIT = 10_000


def read_filter() -> tuple[CallFilterForm, logbook.CallFilter]:
    """The filter form from the query string, and the filter it means."""
    form = CallFilterForm(request.args)
    form.line.choices = line_options(get_session(), ANY)
    form.counsellor.choices = counsellor_options(get_session(), ANY)
    form.validate()
    since, until = filter_period(form)
    outcome = form.outcome.data if form.outcome.data in labels.OUTCOMES else None
    wanted = logbook.CallFilter(
        since=since,
        until=until,
        line_id=number_or_none(form.line.data),
        language=form.language.data or None,
        outcome=CallOutcome(outcome) if outcome else None,
        counsellor_id=number_or_none(form.counsellor.data),
        area=form.area.data or None,
        callback={"yes": True, "no": False}.get(form.callback.data or ""),
    )
    return form, wanted


@bp.get("/calls")
def index() -> ResponseReturnValue:
    """A page of calls, newest first."""
    form, wanted = read_filter()
    page = logbook.find_calls(get_session(), wanted, page_number())
    note(audit.Action.VIEW_CALLS, detail=filter_summary(form))
    get_session().commit()
    return render_template("supervisor/calls.html", form=form, page=page, labels=labels)


@bp.get("/calls/<int:call_id>")
def call(call_id: int) -> ResponseReturnValue:
    """One call: times, outcome, each counsellor offered it, and blocking its caller."""
    found = logbook.find_call(get_session(), call_id)
    if found is None:
        abort(404)
    note(audit.Action.VIEW_CALL, target=f"call {call_id}")
    get_session().commit()
    form = BlockForm(source=f"call:{call_id}")
    return render_template(
        "supervisor/call.html",
        row=found,
        names=logbook.offer_names(get_session(), found.call),
        labels=labels,
        block_form=form,
    )


@bp.get("/calls.csv")
def export() -> ResponseReturnValue:
    """The filtered log as CSV (at most 10 000 rows): tags and counts, never a number."""
    form, wanted = read_filter()
    rows = logbook.all_calls(get_session(), wanted, EXPORT_LIMIT)
    lines = {line_id: line.number for line_id, line in logbook.lines_by_id(get_session()).items()}
    note(audit.Action.EXPORT_CALLS, detail=filter_summary(form))
    get_session().commit()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([
        _("Started"), _("Line"), _("Language"), _("Oblast"), _("Outcome"), _("Counsellor"),
        _("Offers"), _("Seconds"), _("Caller"), _("Calls in the period"), _("Callback asked"),
    ])  # fmt: skip
    for row in rows:
        c = row.call
        writer.writerow([
            local_time(c.started_at), lines.get(c.line_id or 0, ""), c.language or "",
            labels.AREAS.get(c.caller_area or "", ""), labels.OUTCOMES.get(c.outcome, c.outcome),
            c.counsellor.name if c.counsellor else "", c.attempt_count, c.duration_seconds or "",
            row.tag or "", row.repeats, _("yes") if row.callback_asked else _("no"),
        ])  # fmt: skip
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=calls.csv"},
    )
