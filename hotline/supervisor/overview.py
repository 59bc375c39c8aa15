"""The front page: today's figures, who is on call now, gaps in the coming day's cover, and a
period's charts (from the daily figures; the period and line picked in a GET form)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from hotline import logbook, reports, roster
from hotline.db import get_session
from hotline.extensions import local_zone, now
from hotline.supervisor import dashboard, labels
from hotline.supervisor.forms import PeriodForm
from hotline.supervisor.i18n import SPOKEN
from hotline.supervisor.pages import line_options, period, read_span, recent

bp = Blueprint("overview", __name__)
PRESETS = (7, 30, 90, 365)  # days, for one-click periods


@bp.get("/")
def index() -> ResponseReturnValue:
    """How the line is doing today and over a period; never who called."""
    session = get_session()
    form = PeriodForm(request.args)
    form.line.choices = line_options(session, _l("all lines"))
    form.validate()
    span = read_span(form)
    figures = reports.overview(session, span)
    since, until = period(span.first, span.last)
    assert since is not None and until is not None
    repeats = logbook.repeat_callers(session, since, until, span.line_id)
    charts = dashboard.charts(session, figures, span.monthly)
    return render_template(
        "supervisor/overview.html",
        figures=logbook.today(session, now(), local_zone()),
        names=labels.FIGURES,
        on_call=logbook.on_call_now(session, now(), local_zone()),
        gaps=roster.coming_gaps(session, now(), local_zone()),
        spoken=SPOKEN,
        form=form,
        span=span,
        presets=[(days, *recent(days)) for days in PRESETS],
        summary=dashboard.summary(figures, repeats),
        charts=[(chart, reports.draw(chart)) for chart in charts],
    )
