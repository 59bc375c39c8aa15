"""Shifts (admins): who is on shift when, adding and removing, and the week's coverage."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline import audit, roster
from hotline.db import get_session
from hotline.models import Counsellor, Shift
from hotline.supervisor import labels
from hotline.supervisor.access import admin_only, note
from hotline.supervisor.forms import ActionForm, ShiftForm
from hotline.supervisor.i18n import SPOKEN

bp = Blueprint("shifts", __name__)
COVERAGE_LANGUAGES = ("ky", "ru", "uz", "en")


def _form() -> ShiftForm:
    form = ShiftForm()
    people = get_session().scalars(
        select(Counsellor).where(Counsellor.active.is_(True)).order_by(Counsellor.name)
    )
    form.counsellor.choices = labels.options((str(person.id), person.name) for person in people)
    return form


@bp.get("/shifts")
@admin_only
def index() -> ResponseReturnValue:
    """Each active counsellor's shifts, the form to add one, and the coverage grid."""
    people = list(
        get_session().scalars(
            select(Counsellor)
            .where(Counsellor.active.is_(True))
            .options(selectinload(Counsellor.shifts))
            .order_by(Counsellor.name)
        )
    )
    rotas = [
        roster.Rota(p.languages, [(s.weekday, s.start, s.end) for s in p.shifts]) for p in people
    ]
    return render_template(
        "supervisor/shifts.html",
        people=people,
        form=_form(),
        remove_form=ActionForm(),
        coverage=roster.coverage(rotas, COVERAGE_LANGUAGES),
        spoken=SPOKEN,
        days=labels.DAYS,
        describe=roster.describe_shift,
    )


@bp.post("/shifts")
@admin_only
def add() -> ResponseReturnValue:
    """Add a weekly shift; a duplicate or overlapping one is refused with a reason."""
    form = _form()
    session = get_session()
    if not form.validate_on_submit() or form.start.data is None:
        flash(_("A shift needs a counsellor, days, a start and an end."), "error")
        return redirect(url_for("supervisor.shifts.index"))
    person = session.get(Counsellor, int(form.counsellor.data or 0))
    spec = f"{form.days.data} {form.start.data:%H:%M}-{(form.end.data or '').strip()}"
    try:
        added = roster.add_shifts(session, person.name if person else "", spec)
        session.flush()
    except roster.RosterError as refused:
        session.rollback()
        flash(labels.refusal(refused), "error")
        return redirect(url_for("supervisor.shifts.index"))
    note(audit.Action.SHIFT_ADD, target=f"counsellor {form.counsellor.data}", detail=spec)
    session.commit()
    flash(_("Shift added: %(shift)s.", shift=", ".join(map(roster.describe_shift, added))), "info")
    return redirect(url_for("supervisor.shifts.index"))


@bp.post("/shifts/<int:shift_id>/remove")
@admin_only
def remove(shift_id: int) -> ResponseReturnValue:
    """Remove one shift."""
    session = get_session()
    shift = session.get(Shift, shift_id)
    if shift is None:
        flash(_("That shift is gone already."), "error")
        return redirect(url_for("supervisor.shifts.index"))
    target, detail = f"counsellor {shift.counsellor_id}", roster.describe_shift(shift)
    roster.remove_shift(session, shift_id)
    note(audit.Action.SHIFT_REMOVE, target=target, detail=detail)
    session.commit()
    return redirect(url_for("supervisor.shifts.index"))
