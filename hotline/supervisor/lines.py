"""Lines (admins): default language, fallback languages, strategy, longest wait."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from hotline import audit, roster
from hotline.db import get_session
from hotline.languages import parse_languages
from hotline.models import Line, Strategy
from hotline.supervisor import labels
from hotline.supervisor.access import admin_only, note
from hotline.supervisor.forms import LineForm

bp = Blueprint("lines", __name__)


@bp.get("/lines")
@admin_only
def index() -> ResponseReturnValue:
    """Every line and its settings."""
    lines = get_session().scalars(select(Line).order_by(Line.number))
    return render_template("supervisor/lines.html", lines=list(lines), labels=labels)


@bp.route("/lines/<int:line_id>", methods=["GET", "POST"])
@admin_only
def edit(line_id: int) -> ResponseReturnValue:
    """Change one line's settings (the same change as `hotline line set`)."""
    session = get_session()
    line = session.get(Line, line_id)
    if line is None:
        abort(404)
    form = LineForm(
        data={
            "language": line.language,
            "fallback": ",".join(line.fallback_languages),
            "strategy": line.strategy.value,
            "wait": line.max_wait_seconds,
        }
    )
    if form.validate_on_submit():
        try:
            fallback = parse_languages(form.fallback.data) if form.fallback.data else []
            roster.update_line(
                session,
                line.number,
                language=form.language.data,
                fallback_languages=fallback,
                strategy=Strategy(form.strategy.data),
                max_wait_seconds=form.wait.data,
            )
        except (roster.RosterError, ValueError) as refused:
            session.rollback()
            flash(labels.refusal(refused), "error")
        else:
            note(audit.Action.LINE_EDIT, target=f"line {line.number}")
            session.commit()
            flash(_("The line is changed."), "info")
            return redirect(url_for("supervisor.lines.index"))
    return render_template("supervisor/line.html", line=line, form=form)
