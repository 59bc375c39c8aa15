"""The SMS log: intent, language, segments, status; never a body, never a number."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from hotline import audit, logbook
from hotline.db import get_session
from hotline.models import Direction
from hotline.supervisor import labels
from hotline.supervisor.access import note
from hotline.supervisor.forms import ANY, BlockForm, MessageFilterForm
from hotline.supervisor.pages import (
    filter_period,
    filter_summary,
    line_options,
    number_or_none,
    page_number,
)

bp = Blueprint("messages", __name__)


@bp.get("/messages")
def index() -> ResponseReturnValue:
    """A page of SMS, newest first."""
    session = get_session()
    form = MessageFilterForm(request.args)
    form.line.choices = line_options(session, ANY)
    form.intent.choices = labels.options([("", ANY), *((i, i) for i in logbook.intents(session))])
    form.validate()
    since, until = filter_period(form)
    direction = form.direction.data if form.direction.data in labels.DIRECTIONS else None
    wanted = logbook.MessageFilter(
        since=since,
        until=until,
        line_id=number_or_none(form.line.data),
        language=form.language.data or None,
        direction=Direction(direction) if direction else None,
        intent=form.intent.data or None,
    )
    page = logbook.find_messages(session, wanted, page_number())
    note(
        audit.Action.VIEW_MESSAGES,
        detail=filter_summary(form),
    )
    session.commit()
    return render_template("supervisor/messages.html", form=form, page=page, labels=labels)


@bp.get("/messages/<int:message_id>")
def message(message_id: int) -> ResponseReturnValue:
    """One SMS's metadata, and blocking its sender."""
    found = logbook.find_message(get_session(), message_id)
    if found is None:
        abort(404)
    note(audit.Action.VIEW_MESSAGES, target=f"message {message_id}")
    get_session().commit()
    form = BlockForm(source=f"message:{message_id}")
    return render_template("supervisor/message.html", row=found, labels=labels, block_form=form)
