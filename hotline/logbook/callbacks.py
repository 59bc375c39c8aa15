"""The callback queue as a supervisor reads it: state, window, attempts, age; never the number."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.logbook.paging import Page, page_of
from hotline.logbook.tags import caller_tag
from hotline.models import Callback
from hotline.models.enums import TERMINAL_CALLBACK_STATES


@dataclass(frozen=True)
class QueuedCallback:
    """One callback request as listed, its caller a tag."""

    callback: Callback
    tag: str | None


def find_callbacks(session: Session, open_only: bool, number: int) -> Page[QueuedCallback]:
    """Page `number` of callback requests, newest first; `open_only` hides finished ones."""
    query = select(Callback).order_by(Callback.requested_at.desc(), Callback.id.desc())
    if open_only:
        query = query.where(Callback.state.not_in(TERMINAL_CALLBACK_STATES))
    page = page_of(session, query, number)
    rows = [QueuedCallback(c, caller_tag(c.caller)) for c in page.rows]
    return Page(rows, page.number, page.total, page.size)
