"""The console's front page: how the line is doing today, and who is on call now.

`today` returns figures by key; the page names them. Later sections (charts, reports) add
their own functions here and their own part of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, tzinfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.calls.hunt import roster_states
from hotline.models import Block, Call, Callback, CallOutcome, Counsellor, Direction, Message
from hotline.models.enums import TERMINAL_CALLBACK_STATES
from hotline.routing import is_on_call

ABANDONED = (CallOutcome.ABANDONED_IN_MENU, CallOutcome.ABANDONED_WAITING)


@dataclass(frozen=True)
class Figure:
    """One number on the front page, named by `key` (the page translates it)."""

    key: str
    value: int


@dataclass(frozen=True)
class OnCall:
    """A counsellor on call now, and whether they are on a call."""

    name: str
    languages: list[str]
    busy: bool


def start_of_day(now: datetime, zone: tzinfo) -> datetime:
    """Local midnight today, as an instant."""
    return datetime.combine(now.astimezone(zone).date(), time(0), zone)


def today(session: Session, now: datetime, zone: tzinfo) -> list[Figure]:
    """Today's calls, answered and abandoned calls, SMS received, open callbacks, blocks."""
    since = start_of_day(now, zone)

    def calls(*outcomes: CallOutcome) -> int:
        query = select(func.count()).select_from(Call).where(Call.started_at >= since)
        if outcomes:
            query = query.where(Call.outcome.in_(outcomes))
        return session.scalar(query) or 0

    messages = (
        select(func.count())
        .select_from(Message)
        .where(Message.created_at >= since, Message.direction == Direction.INBOUND)
    )
    waiting = (
        select(func.count())
        .select_from(Callback)
        .where(Callback.state.not_in(TERMINAL_CALLBACK_STATES))
    )
    blocks = (
        select(func.count())
        .select_from(Block)
        .where(or_(Block.expires_at.is_(None), Block.expires_at > now))
    )
    return [
        Figure("calls", calls()),
        Figure("answered", calls(CallOutcome.ANSWERED)),
        Figure("abandoned", calls(*ABANDONED)),
        Figure("messages", session.scalar(messages) or 0),
        Figure("callbacks_waiting", session.scalar(waiting) or 0),
        Figure("blocks", session.scalar(blocks) or 0),
    ]


def on_call_now(session: Session, now: datetime, zone: tzinfo) -> list[OnCall]:
    """Counsellors on call at `now` (shift or their own word), by name."""
    states = {state.id: state for state in roster_states(session, now)}
    on = [i for i, state in states.items() if is_on_call(state, now, zone)]
    if not on:
        return []
    people = session.scalars(select(Counsellor).where(Counsellor.id.in_(on))).all()
    return sorted(
        (OnCall(c.name, list(c.languages), states[c.id].busy) for c in people),
        key=lambda person: person.name,
    )
