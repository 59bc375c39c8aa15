"""The audit trail (admins): who did what and when, filtered; it is only ever appended to."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from hotline import audit
from hotline.db import get_session
from hotline.logbook.paging import page_of
from hotline.supervisor import labels
from hotline.supervisor.access import admin_only, note
from hotline.supervisor.forms import ANY, AuditFilterForm
from hotline.supervisor.pages import filter_period, filter_summary, page_number

bp = Blueprint("trail", __name__)


@bp.get("/audit")
@admin_only
def index() -> ResponseReturnValue:
    """A page of the trail, newest first."""
    session = get_session()
    form = AuditFilterForm(request.args)
    form.actor.choices = labels.options([("", ANY), *((a, a) for a in audit.actors(session))])
    form.validate()
    since, until = filter_period(form)
    wanted = audit.TrailFilter(
        actor=form.actor.data or None, action=form.action.data or None, since=since, until=until
    )
    page = page_of(session, audit.trail_query(wanted), page_number())
    note(
        audit.Action.VIEW_AUDIT,
        detail=filter_summary(form),
    )
    session.commit()
    return render_template("supervisor/audit.html", form=form, page=page, labels=labels)
