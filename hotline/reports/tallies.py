"""Keeping the daily figures: each call, callback, SMS and conversation is counted once, when
it has settled, into tallies by local day and line (the `tally` table).

`fold` claims a batch of settled rows not yet counted (a compare-and-set on `tallied`, so a
row is counted once whoever folds it: the worker's sweep every minute, a command, or the purge
before it deletes) and adds what each row contributes. What a row contributes is decided here
only, so the live figures, a catch-up after an upgrade and retention agree by construction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from rq import Queue
from sqlalchemy import ColumnElement, Row, Table, false, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline import queue_jobs
from hotline.models import (
    AttemptResult,
    Call,
    CallAttempt,
    Callback,
    Conversation,
    Measure,
    Message,
    SendState,
    Tally,
)
from hotline.models.enums import TERMINAL_CALLBACK_STATES
from hotline.models.figures import TALLY_KEY

FOLD_BATCH = 5000
FOLD_JOB = "workers.jobs.fold_figures"
FOLD_JOB_ID = "figures-folder"
FOLD_EVERY_SECONDS = 60
FOLD_JOB_TIMEOUT = 600  # the first fold after an upgrade counts the whole history
# Twilio ends every call within 4 hours: a call still open after a day lost its status
# callback, and is counted as it stands. An outbox SMS still unsent after a day, likewise.
SETTLE_AFTER = timedelta(days=1)
WAIT_CAP = 3600  # seconds to answer above this share one bucket
MISSED = frozenset({AttemptResult.NO_ANSWER, AttemptResult.DECLINED, AttemptResult.BUSY})

# (measure, day, line_id, language, area, kind, bucket), as TALLY_KEY.
Key = tuple[Measure, date, int, str, str, str, int]


class Sheet:
    """Tallies being added up in memory: key -> [items, amount]."""

    def __init__(self) -> None:
        self.cells: dict[Key, list[int]] = {}

    def add(
        self,
        measure: Measure,
        day: date,
        line_id: int | None,
        *,
        items: int = 1,
        amount: int = 0,
        language: str | None = "",
        area: str | None = "",
        kind: str = "",
        bucket: int = 0,
    ) -> None:
        """Count `items` (and `amount`) under one key; missing parts of the key are ""/0."""
        key = (measure, day, line_id or 0, language or "", area or "", kind, bucket)
        cell = self.cells.setdefault(key, [0, 0])
        cell[0] += items
        cell[1] += amount

    def rows(self) -> list[dict[str, Any]]:
        """The tallies as rows, in key order (so concurrent folds lock rows in one order)."""
        return [
            {**dict(zip(TALLY_KEY, key, strict=True)), "items": cell[0], "amount": cell[1]}
            for key, cell in sorted(self.cells.items())
        ]


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The local date of an instant."""
    return moment.astimezone(zone).date()


def billed_minutes(seconds: int | None) -> int:
    """Twilio bills a call by the minute, rounded up."""
    return math.ceil(seconds / 60) if seconds else 0


def offer_kind(result: str) -> str:
    """accepted, missed (rang and nobody took it) or other (cancelled, failed, still ringing)."""
    if result == AttemptResult.ACCEPTED:
        return "accepted"
    return "missed" if result in MISSED else "other"


def count_call(sheet: Sheet, call: Any, offers: Iterable[Any], zone: tzinfo) -> None:
    """What one call contributes: its outcome and minutes, its hour, its wait, its offers."""
    local = call.started_at.astimezone(zone)
    day, line = local.date(), call.line_id
    sheet.add(
        Measure.CALLS,
        day,
        line,
        amount=billed_minutes(call.duration_seconds),
        language=call.language,
        area=call.caller_area,
        kind=str(call.outcome),
    )
    sheet.add(Measure.HOURS, day, line, bucket=local.hour)
    if call.answered_at is not None:
        waited = int((call.answered_at - call.started_at).total_seconds())
        sheet.add(Measure.WAITS, day, line, bucket=min(max(waited, 0), WAIT_CAP))
    for offer in offers:
        kind = offer_kind(offer.result)
        sheet.add(Measure.OFFERS, day, line, bucket=offer.counsellor_id, kind=kind)


def count_callback(sheet: Sheet, callback: Any, zone: tzinfo) -> None:
    """A closed callback, on the day it was asked for, by the state it closed in."""
    day = local_day(callback.requested_at, zone)
    sheet.add(
        Measure.CALLBACKS,
        day,
        callback.line_id,
        language=callback.language,
        kind=str(callback.state),
    )


def count_message(sheet: Sheet, message: Any, zone: tzinfo) -> None:
    """One SMS in or out and its segments."""
    day = local_day(message.created_at, zone)
    sheet.add(
        Measure.MESSAGES,
        day,
        message.line_id,
        amount=message.segments,
        language=message.language,
        kind=str(message.direction),
    )


def count_conversation(sheet: Sheet, conversation: Any, zone: tzinfo) -> None:
    """One SMS relay conversation, on the day it opened."""
    day = local_day(conversation.opened_at, zone)
    sheet.add(Measure.CONVERSATIONS, day, conversation.line_id, language=conversation.language)


def fold(session: Session, now: datetime, zone: tzinfo, batch: int = FOLD_BATCH) -> int:
    """Count up to `batch` settled rows of each kind not counted yet; how many were counted.

    The caller commits, and calls again while it returns more than 0.
    """
    sheet = Sheet()
    old = now - SETTLE_AFTER
    calls = _claim(
        session,
        Call,
        or_(Call.ended_at.is_not(None), Call.started_at < old),
        batch,
        Call.id,
        Call.line_id,
        Call.started_at,
        Call.answered_at,
        Call.language,
        Call.caller_area,
        Call.outcome,
        Call.duration_seconds,
    )
    offers = _offers(session, [call.id for call in calls])
    for call in calls:
        count_call(sheet, call, offers.get(call.id, ()), zone)
    settled_sms = or_(
        Message.send_state.is_(None),
        Message.send_state.in_([SendState.HANDED, SendState.FAILED]),
        Message.created_at < old,
    )
    messages = _claim(
        session,
        Message,
        settled_sms,
        batch,
        Message.line_id,
        Message.created_at,
        Message.language,
        Message.direction,
        Message.segments,
    )
    for message in messages:
        count_message(sheet, message, zone)
    closed = Callback.state.in_(TERMINAL_CALLBACK_STATES)
    callbacks = _claim(
        session,
        Callback,
        closed,
        batch,
        Callback.line_id,
        Callback.requested_at,
        Callback.language,
        Callback.state,
    )
    for callback in callbacks:
        count_callback(sheet, callback, zone)
    opened = _claim(
        session,
        Conversation,
        None,
        batch,
        Conversation.line_id,
        Conversation.opened_at,
        Conversation.language,
    )
    for conversation in opened:
        count_conversation(sheet, conversation, zone)
    add(session, sheet)
    return len(calls) + len(messages) + len(callbacks) + len(opened)


def fold_all(session: Session, now: datetime, zone: tzinfo) -> int:
    """Fold until nothing settled is left uncounted, committing each batch (a whole history
    after an upgrade is too much for one transaction); how many rows were counted."""
    counted = 0
    while batch := fold(session, now, zone):
        session.commit()
        counted += batch
    return counted


def _claim(
    session: Session,
    model: Any,
    settled: ColumnElement[bool] | None,
    batch: int,
    *columns: Any,
) -> Sequence[Row[Any]]:
    """Mark up to `batch` settled, uncounted rows counted; their columns (ours to count)."""
    waiting = select(model.id).where(model.tallied == false())
    if settled is not None:
        waiting = waiting.where(settled)
    ids = list(session.scalars(waiting.order_by(model.id).limit(batch)))
    if not ids:
        return []
    # Only the rows this statement flipped are ours: another folder may have taken some.
    claim = (
        update(model)
        .where(model.id.in_(ids), model.tallied == false())
        .values(tallied=True)
        .returning(*columns)
        .execution_options(synchronize_session=False)
    )
    return session.execute(claim).all()


def _offers(session: Session, call_ids: list[int]) -> dict[int, list[Any]]:
    """The offers of these calls, by call."""
    found: dict[int, list[Any]] = {}
    if not call_ids:
        return found
    query = select(CallAttempt.call_id, CallAttempt.counsellor_id, CallAttempt.result).where(
        CallAttempt.call_id.in_(call_ids)
    )
    for offer in session.execute(query):
        found.setdefault(offer.call_id, []).append(offer)
    return found


def add(session: Session, sheet: Sheet) -> None:
    """Add a sheet to the tallies (insert, or add to the row already there)."""
    rows = sheet.rows()
    if not rows:
        return
    table = Tally.__table__
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    upsert = insert.on_conflict_do_update(
        index_elements=list(TALLY_KEY),
        set_={
            "items": table.c["items"] + insert.excluded["items"],
            "amount": table.c["amount"] + insert.excluded["amount"],
        },
    )
    session.execute(upsert, rows)


def schedule_folding(
    queue: Queue, seconds: int = FOLD_EVERY_SECONDS, now: datetime | None = None
) -> None:
    """Fold again in `seconds` from `now` (one job id, so one folder)."""
    queue_jobs.come_back(queue, FOLD_JOB, FOLD_JOB_ID, seconds, FOLD_JOB_TIMEOUT, now)
