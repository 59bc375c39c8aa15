"""The hunt for a counsellor, stored: what a hunt reads of its call and line, routing's look at the
roster, and the offer taken (`hotline.calls.offers`) or the caller held."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, bindparam, func, not_, select, update
from sqlalchemy.orm import Session, selectinload

from hotline.calls import ending, log, offers, reservations
from hotline.calls.candidates import hunt_candidates
from hotline.calls.ending import Dialled
from hotline.calls.log import MenuStep
from hotline.calls.offers import Looked
from hotline.db_direct import run
from hotline.directory import catchment
from hotline.models import (
    AttemptResult,
    Call,
    CallAttempt,
    CallOutcome,
    Centre,
    Counsellor,
    Line,
    Strategy,
)
from hotline.routing import (
    CounsellorState,
    Hold,
    HuntRequest,
    NoOffer,
    Offer,
    WeeklyShift,
    next_offer,
)


@dataclass(frozen=True)
class Ring:
    """One counsellor to ring: the attempt id (for the screen URL) and the sealed phone."""

    attempt_id: int
    phone_sealed: str


@dataclass(frozen=True)
class Reserved:
    """A counsellor reserved for a callback: their id and sealed phone."""

    counsellor_id: int
    phone_sealed: str
    noted: bool  # noted on the claimed callback with the reservation (PostgreSQL)


@dataclass(frozen=True)
class HuntingLine:
    """A line as a hunt reads it: how it routes, and the rrmemory it keeps."""

    id: int
    number: str
    strategy: Strategy
    fallback_languages: tuple[str, ...]
    centre_id: int | None
    centre: str | None  # the centre's slug
    last_offered_counsellor_id: int | None
    max_wait_seconds: int
    ring_seconds: int

    @classmethod
    def read(cls, values: Sequence[Any]) -> HuntingLine:
        """A line from a row of `HUNTING_LINE`'s columns."""
        line_id, number, strategy, fallbacks, centre_id, centre, memory, wait, ring = values
        return cls(
            line_id, number, strategy, tuple(fallbacks), centre_id, centre, memory, wait, ring
        )


# The columns of `HuntingLine`, in its order, for a query that joins the line and outer-joins
# its centre: the hunt's own read and a callback's.
HUNTING_LINE = (
    Line.id,
    Line.number,
    Line.strategy,
    Line.fallback_languages,
    Line.centre_id,
    Centre.slug,
    Line.last_offered_counsellor_id,
    Line.max_wait_seconds,
    Line.ring_seconds,
)


@dataclass(frozen=True)
class HuntingCall:
    """A call as its hunt reads it."""

    id: int
    call_sid: str
    language: str  # the caller's, or the line's until they choose
    caller_area: str | None
    hunt_started_at: datetime | None
    attempt_count: int  # counsellors offered it so far


# The columns of `HuntingCall`, in its order, for a query that joins the call's line.
HUNTING_CALL = (
    Call.id,
    Call.call_sid,
    func.coalesce(Call.language, Line.language),
    Call.caller_area,
    Call.hunt_started_at,
    Call.attempt_count,
)
# A hunt's call and line in one round trip of just the columns it reads: every holding caller
# comes back here every few seconds.
_HUNTING = (
    select(*HUNTING_CALL, *HUNTING_LINE)
    .join(Line, Call.line_id == Line.id)
    .outerjoin(Centre, Line.centre_id == Centre.id)
    .where(Call.call_sid == bindparam("sid"))
)
# PostgreSQL: a menu step that goes on to hunt reads the same in its own UPDATE (joining the
# line; the centre, which an UPDATE cannot outer-join, by its id), one round trip fewer before
# the caller's first ring. SQLite's RETURNING cannot read the tables an UPDATE joins.
_CENTRE_BY_ID = select(Centre.slug).where(Centre.id == Line.centre_id).scalar_subquery()
# It also marks when the call's hunt began, if none had (the hunt would, whatever it decides:
# `ring_nobody`, `offers.record_offer`): the step writes the row anyway, and a first turn on hold
# then needs no UPDATE of its own.
_STEP_THEN_HUNTING = (
    log.MENU_STEP.where(Call.line_id == Line.id)
    .values(
        hunt_started_at=func.coalesce(
            Call.hunt_started_at, bindparam("now", type_=Call.__table__.c.hunt_started_at.type)
        )
    )
    .returning(
        *HUNTING_CALL,
        *(_CENTRE_BY_ID if column is Centre.slug else column for column in HUNTING_LINE),
    )
)
# The dial action's read: the hunt's, and whether a counsellor took the call (what ending the
# `<Dial>` needs), so that a hunt after no answer does not read the call a second time.
_DIALLED_AND_HUNTING = _HUNTING.add_columns(Call.counsellor_id.is_not(None))
Hunting = tuple[HuntingCall, HuntingLine]


def read_for_hunt(connection: Connection, call_sid: str) -> Hunting | None:
    """The call with this CallSid and its line, as a hunt reads them; None: no such call."""
    return _hunting(run(connection, _HUNTING, {"sid": call_sid}).first())


def end_dial_and_read(
    connection: Connection, call_sid: str, dial_status: str, now: datetime, wrap_up: int
) -> tuple[Dialled, Hunting] | None:
    """The dial action's work: the call with this CallSid as its `<Dial>`'s end needs it, and
    with its line as a hunt reads them (`read_for_hunt`, as before the offers ended: ending them
    changes neither), and the `<Dial>` ended (`ending.end_dial`). None: no such call, nothing
    written.

    On PostgreSQL in one statement, which may stand alone (`db.written_at_once`); elsewhere in
    the connection's transaction, statement by statement."""
    if connection.dialect.name == "postgresql":
        values = {
            **ending.free_values(call_sid, now, wrap_up),
            "holder": call_sid,
            "ended_as": ending.dial_ended_as(dial_status),
        }
        row = run(connection, _DIAL_ENDED_AND_HUNTING, values).first()
        return None if row is None else _dialled(row[:_DIALLED_WIDTH])
    row = run(connection, _DIALLED_AND_HUNTING, {"sid": call_sid}).first()
    if row is None:
        return None
    dialled, found = _dialled(row)
    ending.end_dial(connection, dialled, dial_status, now, wrap_up)
    return dialled, found


def _dialled(row: Sequence[Any]) -> tuple[Dialled, Hunting]:
    call, line = HuntingCall(*row[:6]), HuntingLine.read(row[6:-1])
    return Dialled(call.id, call.call_sid, call.attempt_count, bool(row[-1])), (call, line)


# PostgreSQL: the dial action in one statement (data-modifying CTEs): its read, the offers
# still ringing ended as Twilio says with how long each rang, and then, if nobody took the
# call, those offers' counsellors freed; if someone did, every counsellor the call held (a
# wrap-up pause for whoever talked). It sent BEGIN, four statements and COMMIT before.
_DIALLED = _DIALLED_AND_HUNTING.cte("dialled")
_DIALLED_WIDTH = len(_DIALLED.c)
_DIALLED_CALL = select(_DIALLED.c[0]).scalar_subquery()
_TAKEN = select(_DIALLED.c[_DIALLED_WIDTH - 1]).scalar_subquery()
_RINGING_ENDED = (
    update(CallAttempt)
    .where(CallAttempt.call_id == _DIALLED_CALL, CallAttempt.result == AttemptResult.RINGING)
    .values(
        result=bindparam("ended_as", type_=CallAttempt.__table__.c.result.type),
        ring_seconds=ending.RANG_SECONDS,
    )
    .returning(CallAttempt.counsellor_id)
    .cte("ringing_ended")
)
_NOT_TAKEN_FREED = reservations.RELEASE.where(
    Counsellor.id.in_(select(_RINGING_ENDED.c.counsellor_id)), not_(_TAKEN)
).cte("not_taken_freed")
_TAKEN_FREED = ending.FREE.where(_TAKEN).cte("taken_freed")
_DIAL_ENDED_AND_HUNTING = select(
    *_DIALLED.c,
    select(func.count()).select_from(_NOT_TAKEN_FREED).scalar_subquery(),
    select(func.count()).select_from(_TAKEN_FREED).scalar_subquery(),
)


def record_step_and_read(
    connection: Connection, call_sid: str, step: MenuStep, now: datetime
) -> Hunting | None:
    """Record a menu step that goes on to hunt (`log.record_menu_step`), and read the call and
    its line as `read_for_hunt` does: on PostgreSQL in the step's own UPDATE, which also marks
    `now` as when the hunt began (unless it had). None: no such call."""
    if connection.dialect.name != "postgresql":
        if log.record_menu_step(connection, call_sid, step) is None:
            return None
        return _hunting(run(connection, _HUNTING, {"sid": call_sid}).first())
    values = {**log.menu_step_values(call_sid, step), "now": now}
    return _hunting(run(connection, _STEP_THEN_HUNTING, values).first())


def _hunting(row: Sequence[Any] | None) -> Hunting | None:
    return None if row is None else (HuntingCall(*row[:6]), HuntingLine.read(row[6:]))


def roster_states(session: Session, now: datetime) -> list[CounsellorState]:
    """Every active counsellor as routing sees them at `now`."""
    query = (
        select(Counsellor)
        .where(Counsellor.active.is_(True))
        .options(selectinload(Counsellor.shifts), selectinload(Counsellor.centre))
    )
    return [_state(c, now) for c in session.scalars(query)]


def _state(c: Counsellor, now: datetime) -> CounsellorState:
    return CounsellorState(
        id=c.id,
        languages=frozenset(c.languages),
        centre=c.centre.slug if c.centre else None,
        oblast=catchment(c.centre.oblast) if c.centre else None,
        active=c.active,
        duty=c.duty,
        shifts=tuple(WeeklyShift(s.weekday, s.start, s.end) for s in c.shifts),
        standby=c.standby,
        busy=c.reserved_until is not None and c.reserved_until > now,
        wrap_up_until=c.wrap_up_until,
        last_offered_at=c.last_offered_at,
        last_answered_at=c.last_answered_at,
        position=c.position,
    )


def look_for_counsellor(
    connection: Connection, call: HuntingCall, line: HuntingLine, now: datetime, zone: tzinfo
) -> Looked:
    """Whom routing would offer the call to now, read and decided, nobody taken yet.

    Nothing here writes, so it needs no transaction of its own: each statement reads the
    roster as committed when it runs, as it would inside one (READ COMMITTED). A hunt that
    rings nobody is then settled where it was read (`ring_nobody`); an offer is taken with
    `take_offer`, in a transaction."""
    hunt = HuntRequest(
        strategy=line.strategy,
        language=call.language,
        fallback_languages=line.fallback_languages,
        line_centre=line.centre,
        caller_oblast=catchment(call.caller_area),
        tried=frozenset(),  # the candidates' query says which of them this call tried
        last_offered_on_line=line.last_offered_counsellor_id,
        started_at=call.hunt_started_at or now,
        now=now,
        shift_zone=zone,
        max_wait_seconds=line.max_wait_seconds,
        ring_timeout_seconds=line.ring_seconds,
    )
    return _look(connection, hunt, line.centre_id, call.id)


def _look(
    connection: Connection, hunt: HuntRequest, line_centre_id: int | None, call_id: int | None
) -> Looked:
    candidates = hunt_candidates(connection, hunt, line_centre_id, call_id)
    decision = next_offer(candidates.states, replace(hunt, tried=hunt.tried | candidates.tried))
    return Looked(hunt, candidates, decision)


def ring_nobody(connection: Connection, call: HuntingCall, looked: Looked) -> None:
    """Record a hunt that rings nobody: on the caller's first turn on hold, when their hunt
    began (their wait counts from then); when nobody at all can answer, that as the call's
    outcome."""
    if call.hunt_started_at is None:
        values = {"id_": call.id, "added": 0, "started": looked.hunt.started_at}
        run(connection, offers.HUNT_SO_FAR, values)
    if isinstance(looked.decision, NoOffer):
        log.settle(connection, call.call_sid, CallOutcome.NO_COUNSELLOR)


def take_offer(
    connection: Connection, call: HuntingCall, line: HuntingLine, looked: Looked
) -> tuple[Offer | Hold | NoOffer, list[Ring]]:
    """Reserve whom `looked` offers the call to and record a RINGING attempt for each; others'
    offers may take them first, and the call then rings the next alike, or holds
    (`ring_nobody`, in the same transaction)."""
    recording = offers.Recording(call.id, looked.hunt.started_at)
    decision, phones, attempts = offers.reserve_offer(
        connection, line, looked, call.call_sid, recording
    )
    if not isinstance(decision, Offer):
        ring_nobody(connection, call, replace(looked, decision=decision))
        return decision, []
    unrecorded = [c for c in decision.counsellor_ids if c not in attempts]
    if unrecorded:
        started, now = looked.hunt.started_at, looked.hunt.now
        recorded = offers.record_offer(connection, call.id, unrecorded, started, now)
        attempts = {**attempts, **recorded}
    return decision, [Ring(attempts[c], phones[c]) for c in decision.counsellor_ids]


def choose_for_callback(
    connection: Connection,
    line: HuntingLine,
    callback_id: int,
    language: str,
    tried: list[int],
    now: datetime,
    zone: tzinfo,
) -> Reserved | None:
    """One on-call counsellor for a callback, by the line's own strategy and rules, reserved
    for it (their own language only: a callback is placed when one is free). `now`: when the
    callback was claimed; on PostgreSQL the counsellor is noted on it for that claim. On
    `connection`, in its transaction (the claim's)."""
    hunt = HuntRequest(
        strategy=line.strategy,
        language=language,
        line_centre=line.centre,
        caller_oblast=None,
        tried=frozenset(tried),
        last_offered_on_line=line.last_offered_counsellor_id,
        started_at=now,
        now=now,
        shift_zone=zone,
        ring_timeout_seconds=line.ring_seconds,
    )
    holder = reservations.callback_holder(callback_id)
    claim = offers.Claim(callback_id, now)
    looked = _look(connection, hunt, line.centre_id, None)
    decision, phones, _ = offers.reserve_offer(connection, line, looked, holder, claim)
    if not isinstance(decision, Offer):
        return None
    (chosen,) = decision.counsellor_ids  # the phone came with the reservation: no reload
    # Every reservation with a record notes it on PostgreSQL (`offers`), none elsewhere.
    noted = connection.dialect.name == "postgresql"
    return Reserved(chosen, phones[chosen], noted)
