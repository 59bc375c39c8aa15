"""The callback queue: state, safe window, attempts, age; never the number."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from hotline import audit, logbook
from hotline.db import get_session
from hotline.extensions import now
from hotline.supervisor import labels
from hotline.supervisor.access import note
from hotline.supervisor.pages import page_number

bp = Blueprint("callbacks", __name__)


@bp.get("/callbacks")
def index() -> ResponseReturnValue:
    """Open callback requests (or all with ?all=1), newest first."""
    show_all = request.args.get("all") == "1"
    page = logbook.find_callbacks(get_session(), not show_all, page_number())
    note(audit.Action.VIEW_CALLBACKS, detail="all" if show_all else "open")
    get_session().commit()
    return render_template(
        "supervisor/callbacks.html", page=page, labels=labels, show_all=show_all, now=now()
    )
