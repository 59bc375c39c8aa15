"""Counsellors (admins): add, edit, duty, deactivate. The phone is written, never shown whole."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline import audit, roster
from hotline.db import get_session
from hotline.extensions import get_keyring
from hotline.models import Centre, Counsellor, DutyOverride
from hotline.supervisor import labels
from hotline.supervisor.access import admin_only, note
from hotline.supervisor.forms import ActionForm, CounsellorForm, DutyForm
from hotline.supervisor.pages import Options, first_error

bp = Blueprint("counsellors", __name__)


def _centre_options() -> Options:
    centres = get_session().scalars(select(Centre).order_by(Centre.name))
    return labels.options([("", _("national (no centre)")), *((c.slug, c.name) for c in centres)])


def _form(counsellor: Counsellor | None = None) -> CounsellorForm:
    form = CounsellorForm(obj=None)
    form.centre.choices = _centre_options()
    if counsellor is not None and not form.is_submitted():
        form.name.data = counsellor.name
        form.languages.data = list(counsellor.languages)
        form.centre.data = counsellor.centre.slug if counsellor.centre else ""
        form.standby.data = counsellor.standby
    return form


def _find(counsellor_id: int) -> Counsellor:
    counsellor = get_session().get(Counsellor, counsellor_id)
    if counsellor is None:
        abort(404)
    return counsellor


@bp.get("/counsellors")
@admin_only
def index() -> ResponseReturnValue:
    """Everyone, active first, with masked phones, languages, centre and duty."""
    people = get_session().scalars(
        select(Counsellor)
        .options(selectinload(Counsellor.shifts), selectinload(Counsellor.centre))
        .order_by(Counsellor.active.desc(), Counsellor.name)
    )
    return render_template("supervisor/counsellors.html", people=list(people), form=_form())


@bp.post("/counsellors")
@admin_only
def add() -> ResponseReturnValue:
    """A new counsellor; a blank name, a bad or taken phone is refused with a reason."""
    form = _form()
    if not form.validate_on_submit():
        flash(first_error(form), "error")
        return redirect(url_for("supervisor.counsellors.index"))
    added = _saved(
        lambda: roster.add_counsellor(
            get_session(),
            get_keyring(),
            name=form.name.data or "",
            phone=form.phone.data or "",
            languages=list(form.languages.data or []),
            centre_slug=form.centre.data or None,
            standby=bool(form.standby.data),
        ),
        audit.Action.COUNSELLOR_ADD,
    )
    if added is not None:
        flash(_("%(name)s is added.", name=added.name), "info")
    return redirect(url_for("supervisor.counsellors.index"))


def _saved(change: Callable[[], Counsellor], action: audit.Action) -> Counsellor | None:
    """Make a roster change and audit it; a refusal is flashed and nothing is written."""
    session = get_session()
    try:
        done = change()
        session.flush()
    except roster.RosterError as refused:
        session.rollback()
        flash(labels.refusal(refused), "error")
        return None
    note(action, target=f"counsellor {done.id}")
    session.commit()
    return done


@bp.route("/counsellors/<int:counsellor_id>", methods=["GET", "POST"])
@admin_only
def edit(counsellor_id: int) -> ResponseReturnValue:
    """Change a counsellor; a blank phone keeps the one on file."""
    counsellor = _find(counsellor_id)
    form = _form(counsellor)
    if form.validate_on_submit():
        changed = _saved(
            lambda: roster.edit_counsellor(
                get_session(),
                get_keyring(),
                counsellor.name,
                new_name=form.name.data or "",
                phone=form.phone.data or None,
                languages=list(form.languages.data or []),
                centre_slug=form.centre.data or "",
                standby=bool(form.standby.data),
            ),
            audit.Action.COUNSELLOR_EDIT,
        )
        if changed is not None:
            flash(_("%(name)s is changed.", name=changed.name), "info")
            return redirect(url_for("supervisor.counsellors.index"))
        counsellor = _find(counsellor_id)
    form.phone.data = ""  # never sent back, not even what was typed
    duty = DutyForm(duty=counsellor.duty.value if counsellor.duty else "shifts")
    return render_template(
        "supervisor/counsellor.html", person=counsellor, form=form, duty_form=duty,
        active_form=ActionForm(),
    )  # fmt: skip


@bp.post("/counsellors/<int:counsellor_id>/duty")
@admin_only
def duty(counsellor_id: int) -> ResponseReturnValue:
    """On call now, off call now, or by shifts (a warning when they have none)."""
    counsellor = _find(counsellor_id)
    form = DutyForm()
    if form.validate_on_submit():
        state = None if form.duty.data == "shifts" else DutyOverride(form.duty.data)
        roster.set_duty(get_session(), counsellor.name, state)
        note(audit.Action.COUNSELLOR_EDIT, target=f"counsellor {counsellor.id}",
             detail=f"duty {form.duty.data}")  # fmt: skip
        get_session().commit()
        if state is None and not counsellor.shifts:
            flash(
                _("%(name)s has no shifts: they are now off call.", name=counsellor.name), "warning"
            )
        else:
            flash(_("%(name)s is changed.", name=counsellor.name), "info")
    return redirect(url_for("supervisor.counsellors.edit", counsellor_id=counsellor_id))


@bp.post("/counsellors/<int:counsellor_id>/active")
@admin_only
def active(counsellor_id: int) -> ResponseReturnValue:
    """Deactivate (never rung again, history kept) or bring back."""
    counsellor = _find(counsellor_id)
    roster.set_active(get_session(), counsellor.name, not counsellor.active)
    note(audit.Action.COUNSELLOR_ACTIVE, target=f"counsellor {counsellor.id}",
         detail="active" if counsellor.active else "inactive")  # fmt: skip
    get_session().commit()
    return redirect(url_for("supervisor.counsellors.index"))
