"""Retention: call and SMS metadata older than the retention period is folded into the daily
figures (so reports of those days stay the same) and deleted: calls with their offers, SMS,
closed callbacks, closed conversations. Sealed numbers left on closed rows are erased too.

A purge deletes in batches, committing each (a year of a busy line is too much for one
transaction); a dry run only counts. Either way the counts are all anyone is told.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from rq import Queue
from sqlalchemy import ColumnElement, delete, exists, false, func, select, update
from sqlalchemy.orm import Session

from hotline import audit, queue_jobs, reports
from hotline.models import Call, CallAttempt, Callback, Conversation, Message, SendState
from hotline.models.enums import TERMINAL_CALLBACK_STATES

DELETE_BATCH = 10_000
PURGE_JOB = "workers.jobs.purge_old"
PURGE_JOB_ID = "retention-purge"
PURGE_JOB_TIMEOUT = 3600  # the first purge of a long history deletes a lot
SHORTEST_DAYS, LONGEST_DAYS = 30, 3650


@dataclass(frozen=True)
class Purge:
    """What a purge removed (or would): counts only."""

    folded: int = 0  # old rows not yet in the figures, counted before deletion
    calls: int = 0
    offers: int = 0
    messages: int = 0
    callbacks: int = 0
    conversations: int = 0
    numbers: int = 0  # sealed numbers erased from closed rows

    def describe(self) -> str:
        """'folded 0, calls 120, offers 210, ...'."""
        return ", ".join(f"{f.name} {getattr(self, f.name)}" for f in fields(self))


def cutoff(now: datetime, zone: tzinfo, days: int) -> datetime:
    """Local midnight `days` days ago: whole days go, so a day's figures never straddle."""
    if not SHORTEST_DAYS <= days <= LONGEST_DAYS:
        raise ValueError(f"retention must be {SHORTEST_DAYS} to {LONGEST_DAYS} days")
    return datetime.combine(now.astimezone(zone).date() - timedelta(days=days), time(0), zone)


def _old(before: datetime) -> dict[Any, ColumnElement[bool]]:
    """Which rows of each table go."""
    return {
        Call: Call.started_at < before,
        Message: Message.created_at < before,
        Callback: (Callback.requested_at < before) & Callback.state.in_(TERMINAL_CALLBACK_STATES),
        Conversation: (Conversation.opened_at < before)
        & Conversation.closed_at.is_not(None)
        # Its messages go first; one a newer message still names stays.
        & ~exists().where(Message.conversation_id == Conversation.id, Message.created_at >= before),
    }


def _erasable() -> list[tuple[Any, Any, ColumnElement[bool]]]:
    """Sealed numbers that should be gone already: (table, column, which rows)."""
    return [
        (Callback, Callback.number_sealed, Callback.state.in_(TERMINAL_CALLBACK_STATES)),
        (Conversation, Conversation.caller_number_sealed, Conversation.closed_at.is_not(None)),
        (
            Message,
            Message.recipient_sealed,
            Message.send_state.in_([SendState.HANDED, SendState.FAILED]),
        ),
    ]


def _count(session: Session, model: Any, where: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(model).where(where)) or 0


def plan(session: Session, before: datetime) -> Purge:
    """What a purge would remove, counted; nothing is written."""
    old = _old(before)
    offers = CallAttempt.call_id.in_(select(Call.id).where(old[Call]))
    return Purge(
        folded=sum(
            _count(session, model, where & (model.tallied == false()))
            for model, where in old.items()
        ),
        calls=_count(session, Call, old[Call]),
        offers=_count(session, CallAttempt, offers),
        messages=_count(session, Message, old[Message]),
        callbacks=_count(session, Callback, old[Callback]),
        conversations=_count(session, Conversation, old[Conversation]),
        numbers=sum(
            _count(session, model, where & column.is_not(None))
            for model, column, where in _erasable()
        ),
    )


def purge(
    session: Session, now: datetime, zone: tzinfo, before: datetime, actor: audit.Actor
) -> Purge:
    """Fold, erase, delete; the counts go to the audit trail. Commits as it goes."""
    counted = plan(session, before)
    reports.fold_all(session, now, zone)
    numbers = _erase(session)
    old = _old(before)
    calls, offers = _delete_calls(session, old[Call])
    done = Purge(
        folded=counted.folded,
        calls=calls,
        offers=offers,
        messages=_delete(session, Message, old[Message]),
        callbacks=_delete(session, Callback, old[Callback]),
        conversations=_delete(session, Conversation, old[Conversation]),
        numbers=numbers,
    )
    audit.record(
        session, actor, audit.Action.PURGE, now, f"before {before.date()}", done.describe()
    )
    session.commit()
    return done


def _erase(session: Session) -> int:
    """Sealed numbers closed rows should no longer hold; how many were erased."""
    erased = 0
    for model, column, where in _erasable():
        leftover = update(model).where(where, column.is_not(None)).values({column.key: None})
        erased += _rows(session.execute(leftover))
    return erased


def _rows(result: Any) -> int:
    return int(result.rowcount)


def _delete_calls(session: Session, where: ColumnElement[bool]) -> tuple[int, int]:
    """Calls and their offers, a batch at a time."""
    calls = offers = 0
    while ids := list(session.scalars(select(Call.id).where(where).limit(DELETE_BATCH))):
        offers += _rows(session.execute(delete(CallAttempt).where(CallAttempt.call_id.in_(ids))))
        calls += _rows(session.execute(delete(Call).where(Call.id.in_(ids))))
        session.commit()
    return calls, offers


def _delete(session: Session, model: Any, where: ColumnElement[bool]) -> int:
    """The rows of `model` matching `where`, a batch at a time."""
    removed = 0
    while ids := list(session.scalars(select(model.id).where(where).limit(DELETE_BATCH))):
        removed += _rows(session.execute(delete(model).where(model.id.in_(ids))))
        session.commit()
    return removed


def schedule_purge(queue: Queue, seconds: int, now: datetime | None = None) -> None:
    """Purge in `seconds` from `now` (one job id, so one purge)."""
    queue_jobs.come_back(queue, PURGE_JOB, PURGE_JOB_ID, seconds, PURGE_JOB_TIMEOUT, now)
