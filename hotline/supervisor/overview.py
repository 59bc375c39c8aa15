"""The front page: today's figures and who is on call now."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from hotline import logbook
from hotline.db import get_session
from hotline.extensions import local_zone, now
from hotline.supervisor import labels

bp = Blueprint("overview", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """How the line is doing today; never who called."""
    session = get_session()
    return render_template(
        "supervisor/overview.html",
        figures=logbook.today(session, now(), local_zone()),
        names=labels.FIGURES,
        on_call=logbook.on_call_now(session, now(), local_zone()),
    )
