"""The call log as a supervisor reads it: filtered, paged, each caller a tag with a count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, selectinload

from hotline.logbook.paging import Page, page_of
from hotline.logbook.tags import caller_tag, repeat_counts
from hotline.models import Call, Callback, CallOutcome, Counsellor, Line


@dataclass(frozen=True)
class CallFilter:
    """What a supervisor narrows the log to; None: any. `since`/`until` are instants."""

    since: datetime | None = None
    until: datetime | None = None
    line_id: int | None = None
    language: str | None = None
    outcome: CallOutcome | None = None
    counsellor_id: int | None = None
    area: str | None = None  # an oblast slug, or "mobile"
    callback: bool | None = None  # whether the caller asked for a callback


@dataclass(frozen=True)
class LoggedCall:
    """One call as listed: the row, its caller's tag and calls in the period, callback asked."""

    call: Call
    tag: str | None
    repeats: int
    callback_asked: bool


def calls_query(wanted: CallFilter) -> Select[Any]:
    """Calls matching `wanted`, newest first."""
    query = select(Call).order_by(Call.started_at.desc(), Call.id.desc())
    if wanted.since is not None:
        query = query.where(Call.started_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(Call.started_at < wanted.until)
    equal: list[tuple[Any, object]] = [
        (Call.line_id, wanted.line_id),
        (Call.language, wanted.language),
        (Call.outcome, wanted.outcome),
        (Call.counsellor_id, wanted.counsellor_id),
        (Call.caller_area, wanted.area),
    ]
    for column, value in equal:
        if value is not None:
            query = query.where(column == value)
    asked = exists().where(Callback.source_call_sid == Call.call_sid)
    if wanted.callback is not None:
        query = query.where(asked if wanted.callback else ~asked)
    return query


def find_calls(session: Session, wanted: CallFilter, number: int) -> Page[LoggedCall]:
    """Page `number` of the matching calls, each with its caller's tag and count."""
    page = page_of(session, calls_query(wanted).options(selectinload(Call.counsellor)), number)
    return Page(_logged(session, page.rows, wanted), page.number, page.total, page.size)


def all_calls(session: Session, wanted: CallFilter, limit: int) -> list[LoggedCall]:
    """Up to `limit` matching calls for an export."""
    rows = session.scalars(
        calls_query(wanted).options(selectinload(Call.counsellor)).limit(limit)
    ).all()
    return _logged(session, rows, wanted)


def _logged(session: Session, rows: Sequence[Call], wanted: CallFilter) -> list[LoggedCall]:
    counts = repeat_counts(
        session, Call.caller, Call.started_at, [c.caller for c in rows], wanted.since, wanted.until
    )
    sids = [c.call_sid for c in rows]
    asked = set(
        session.scalars(select(Callback.source_call_sid).where(Callback.source_call_sid.in_(sids)))
    )
    return [
        LoggedCall(c, caller_tag(c.caller), counts.get(c.caller or "", 0), c.call_sid in asked)
        for c in rows
    ]


def find_call(session: Session, call_id: int) -> LoggedCall | None:
    """One call with its offers, its caller's tag and all their calls."""
    call = session.get(Call, call_id, options=[selectinload(Call.attempts)])
    if call is None:
        return None
    return _logged(session, [call], CallFilter())[0]


def offer_names(session: Session, call: Call) -> dict[int, str]:
    """The names of the counsellors offered `call`, by id."""
    ids = {attempt.counsellor_id for attempt in call.attempts}
    people = session.execute(select(Counsellor.id, Counsellor.name).where(Counsellor.id.in_(ids)))
    return {person_id: name for person_id, name in people}


def lines_by_id(session: Session) -> dict[int, Line]:
    """Every line by its id, for labels."""
    return {line.id: line for line in session.scalars(select(Line).order_by(Line.id))}
