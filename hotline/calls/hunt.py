"""The hunt for a counsellor, stored: routing decides, this module records offers and answers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    Connection,
    Integer,
    Select,
    Update,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    not_,
    null,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, selectinload

from hotline.callbacks.state import THIS_CLAIM
from hotline.calls import ending, log, reservations
from hotline.calls.candidates import Candidates, first_free_alike, hunt_candidates
from hotline.calls.ending import RANG, Dialled, seconds_between
from hotline.calls.log import MenuStep
from hotline.db_direct import run
from hotline.directory import catchment
from hotline.models import (
    AttemptResult,
    Call,
    CallAttempt,
    Callback,
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

LOST_RACES_AT_MOST = 2
"""Offers a hunt makes in one request while other callers' offers take its counsellors first.
Each round tries the next counsellor at once; past this many, a crowd of callers is hunting
the same few at the same moment, and the caller holds one turn rather than keep racing."""


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
# `ring_nobody`, `_record_offer`): the step writes the row anyway, and a first turn on hold
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


@dataclass(frozen=True)
class Looked:
    """A hunt's look at the roster before it takes anyone: what it asks, whom routing was shown,
    and routing's decision."""

    hunt: HuntRequest
    candidates: Candidates
    decision: Offer | Hold | NoOffer


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
        run(connection, _HUNT_SO_FAR, values)
    if isinstance(looked.decision, NoOffer):
        log.settle(connection, call.call_sid, CallOutcome.NO_COUNSELLOR)


def take_offer(
    connection: Connection, call: HuntingCall, line: HuntingLine, looked: Looked
) -> tuple[Offer | Hold | NoOffer, list[Ring]]:
    """Reserve whom `looked` offers the call to and record a RINGING attempt for each; others'
    offers may take them first, and the call then rings the next alike, or holds
    (`ring_nobody`, in the same transaction)."""
    recording = Recording(call.id, looked.hunt.started_at)
    decision, phones, attempts = _reserve_offer(connection, line, looked, call.call_sid, recording)
    if not isinstance(decision, Offer):
        ring_nobody(connection, call, replace(looked, decision=decision))
        return decision, []
    unrecorded = [c for c in decision.counsellor_ids if c not in attempts]
    if unrecorded:
        started, now = looked.hunt.started_at, looked.hunt.now
        attempts = {**attempts, **_record_offer(connection, call.id, unrecorded, started, now)}
    return decision, [Ring(attempts[c], phones[c]) for c in decision.counsellor_ids]


@dataclass(frozen=True)
class Recording:
    """The call an offer is made for: its attempts are recorded with the reservation."""

    call_id: int
    started: datetime  # when the call's hunt began

    def values(self) -> dict[str, Any]:
        """The bound values of `_recorded`'s statements."""
        return {"call_id": self.call_id, "started": self.started}


@dataclass(frozen=True)
class Claim:
    """The claimed callback an offer is made for: the counsellor taken is noted on it with the
    reservation, for this claim only (the sweeper and the screen read it)."""

    callback_id: int
    claimed_at: datetime

    def values(self) -> dict[str, Any]:
        """The bound values of the statements that note it (`_noted`)."""
        return {"callback": self.callback_id, "claimed": self.claimed_at}


Reservation = tuple[dict[int, str], dict[int, int]]
"""The counsellors an offer took: their sealed phones and their attempts' ids, by id."""


# The statements of every offer, built once, values bound (building them cost more than
# running them).
_ATTEMPTS = insert(CallAttempt).returning(CallAttempt.counsellor_id, CallAttempt.id)
# The call's hunt so far: when it started and how many offers it made (`added` more).
_HUNT_SO_FAR = (
    update(Call)
    .where(Call.id == bindparam("id_"))
    .values(
        attempt_count=Call.attempt_count + bindparam("added"), hunt_started_at=bindparam("started")
    )
)


# What an offer is recorded on: a call (its attempts and count) or a claimed callback.
Recorded = type[Recording] | type[Claim]
_KINDS: tuple[Recorded, ...] = (Recording, Claim)


# PostgreSQL: an offer's reservation and its record in one statement (data-modifying CTEs see
# each other's RETURNING): a call's RINGING attempts and count, two round trips fewer on every
# offer, the hunt's commonest write; a callback's counsellor, one fewer on every callback.
def _recorded(reservation: Update, kind: Recorded) -> Select[Any]:
    """`reservation` (an UPDATE returning each counsellor taken: id, sealed phone) and its
    record (`_taking`), in one statement: rows of id, sealed phone, attempt id (a callback's:
    NULL). Values: the reservation's, now and those of `kind`."""
    columns, taken, records = _taking(reservation, kind)
    return select(*columns).select_from(taken).add_cte(*records)


def _taking(reservation: Update, kind: Recorded) -> tuple[tuple[Any, ...], Any, tuple[CTE, ...]]:
    """The parts of a statement that runs `reservation` and records it as `kind` wants: the
    columns of each counsellor taken (id, sealed phone, attempt id), what they are read from,
    and the CTEs that record the offer."""
    if kind is Claim:
        taken = reservation.cte("taken")
        return (taken.c.id, taken.c.phone_sealed, null()), taken, (_noted(taken),)
    taken, ringing, counted = _offer_parts(reservation)
    rung = taken.join(ringing, ringing.c.counsellor_id == taken.c.id)
    return (taken.c.id, taken.c.phone_sealed, ringing.c.id), rung, (counted,)


def _noted(taken: CTE) -> CTE:
    """The counsellor `taken` noted on the claimed callback, this claim only (nothing if none
    was taken): `hotline.callbacks.counsellor_chosen` in the reservation's statement. Values:
    callback and claimed."""
    return (
        update(Callback)
        .where(*THIS_CLAIM, select(taken.c.id).exists())
        .values(counsellor_id=select(taken.c.id).scalar_subquery())  # a callback rings one
        .cte("noted")
    )


def _offer_parts(reservation: Update) -> tuple[CTE, CTE, CTE]:
    """`_recorded`'s parts: the counsellors taken, their attempts (counsellor_id, id) and the
    call's count."""
    taken = reservation.cte("taken")
    ringing = (
        insert(CallAttempt)
        .from_select(
            ["call_id", "counsellor_id", "offered_at", "result"],
            select(
                bindparam("call_id", type_=Integer),
                taken.c.id,
                bindparam("now", type_=CallAttempt.__table__.c.offered_at.type),
                literal(AttemptResult.RINGING, CallAttempt.__table__.c.result.type),
            ),
        )
        .returning(CallAttempt.counsellor_id, CallAttempt.id)
        .cte("ringing")
    )
    counted = (
        update(Call)
        .where(Call.id == bindparam("call_id"))
        .values(
            attempt_count=Call.attempt_count
            + select(func.count()).select_from(taken).scalar_subquery(),
            hunt_started_at=bindparam("started"),
        )
        .cte("counted")
    )
    return taken, ringing, counted


# Values: ids, holder, until.
_RESERVE_AND_RECORD = {kind: _recorded(reservations.RESERVE_OFFERED, kind) for kind in _KINDS}


def _if_free(*columns: Any) -> Select[Any]:
    """The line's `columns`, its row locked for this transaction unless another holds it: then
    no row, at once (SQLite, one writer at a time, has no row locks)."""
    return (
        select(*columns)
        .where(Line.id == bindparam("line"))
        .with_for_update(key_share=True, skip_locked=True)
    )


_LINE_IF_FREE = _if_free(Line.id)
_MEMORY_IF_FREE = _if_free(Line.last_offered_counsellor_id)
_REMEMBER = (
    update(Line)
    .where(Line.id == bindparam("line"))
    .values(last_offered_counsellor_id=bindparam("remembered"))
)
# rrmemory's memory moves only if no other offer moved it since it was read ("was"), and only
# if no other offer holds the line's row.
_REMEMBER_IF_UNMOVED = _REMEMBER.where(
    Line.last_offered_counsellor_id.is_not_distinct_from(bindparam("was")),
    Line.id.in_(_LINE_IF_FREE),
)


def _remembered_and_recorded(kind: Recorded) -> Select[Any]:
    """PostgreSQL, an offer's first reservation: `_REMEMBER_IF_UNMOVED` and `_RESERVE_AND_RECORD`
    in one statement, one round trip fewer on every offer. The counsellors are taken unless
    another offer moved the memory since the candidates were read (then the line's row is
    locked, nothing taken, and the hunt sees the memory anew); a line another offer holds
    leaves the memory to it, and the counsellors are taken all the same. A row for each
    counsellor taken, or one if none was: whether this statement holds the line's row, the
    memory as it found it, then the taken's id, sealed phone and attempt id (NULLs if none).
    Values: `_RESERVE_AND_RECORD`'s, line, was and remembered."""
    line = _if_free(Line.id, Line.last_offered_counsellor_id.label("memory")).cte("line_free")
    moved = exists().where(line.c.memory.is_distinct_from(bindparam("was")))
    remembered = (
        update(Line)
        .where(Line.id == line.c.id, line.c.memory.is_not_distinct_from(bindparam("was")))
        .values(last_offered_counsellor_id=bindparam("remembered"))
        .cte("remembered")  # run for its effect: a WITH's UPDATE runs though nothing reads it
    )
    columns, taken, records = _taking(reservations.RESERVE_OFFERED.where(~moved), kind)
    found = select(
        func.count(line.c.id).label("held"), func.max(line.c.memory).label("memory")
    ).subquery("found")  # one row, also when another offer holds the line
    return (
        select(found.c.held, found.c.memory, *columns)
        .select_from(found.outerjoin(taken, true()))
        .add_cte(*records, remembered)
    )


_REMEMBER_RESERVE_AND_RECORD = {kind: _remembered_and_recorded(kind) for kind in _KINDS}


def _record_offer(
    connection: Connection,
    call_id: int,
    counsellor_ids: list[int],
    started: datetime,
    now: datetime,
) -> dict[int, int]:
    """A RINGING attempt for each counsellor offered and the call's count and start, in two Core
    statements (no unit of work). The attempts' ids by counsellor."""
    inserted = connection.execute(
        _ATTEMPTS,
        [{"call_id": call_id, "counsellor_id": c, "offered_at": now} for c in counsellor_ids],
    )
    attempts = {counsellor_id: attempt_id for counsellor_id, attempt_id in inserted}
    values = {"id_": call_id, "added": len(counsellor_ids), "started": started}
    run(connection, _HUNT_SO_FAR, values)
    return attempts


def _reserve(
    connection: Connection,
    counsellor_ids: tuple[int, ...],
    holder: str,
    until: datetime,
    now: datetime,
    recording: Recording | Claim | None,
) -> Reservation:
    """Reserve the offer's counsellors: their sealed phones and (PostgreSQL) the offer recorded
    in the same statement, a call's attempts by counsellor."""
    if recording is None or connection.dialect.name != "postgresql":
        return reservations.reserve_for_offer(connection, counsellor_ids, holder, until, now), {}
    values = {"ids": list(counsellor_ids), "holder": holder, "until": until}
    statement = _RESERVE_AND_RECORD[type(recording)]
    return _reserved_and_recorded(connection, statement, values, now, recording)


def _reserve_chosen(
    connection: Connection,
    chosen: tuple[Select[Any], dict[str, Any]],
    holder: str,
    until: datetime,
    now: datetime,
    recording: Recording | Claim | None,
) -> Reservation:
    """Reserve the counsellor `chosen` (a query and its values) selects, as `_reserve` does
    those named."""
    query, values = chosen
    if recording is None or connection.dialect.name != "postgresql":
        return reservations.reserve_chosen(connection, query, values, holder, until, now), {}
    values = {**values, "holder": holder, "until": until}
    statement = _recorded_chosen(query, isinstance(recording, Claim))
    return _reserved_and_recorded(connection, statement, values, now, recording)


@lru_cache(maxsize=64)
def _recorded_chosen(query: Select[Any], for_claim: bool) -> Select[Any]:
    """`_recorded` around `reserve_chosen`'s UPDATE, built once for each query of the chosen:
    built anew for each offer it took half a millisecond, more than its round trips saved."""
    return _recorded(reservations.chosen_reservation(query), Claim if for_claim else Recording)


def _reserved_and_recorded(
    connection: Connection,
    statement: Select[Any],
    values: dict[str, Any],
    now: datetime,
    recording: Recording | Claim,
) -> Reservation:
    """Run a `_recorded` statement: the sealed phones and attempt ids of those taken."""
    values = {**values, "now": now, **recording.values()}
    return _reservation(run(connection, statement, values))


def _reservation(taken: Iterable[tuple[int | None, str | None, int | None]]) -> Reservation:
    """The reservation of rows of id, sealed phone and attempt id (an id of None: nobody; an
    attempt id of None: a callback's)."""
    phones, attempts = {}, {}
    for counsellor_id, phone, attempt_id in taken:
        if counsellor_id is not None and phone is not None:
            phones[counsellor_id] = phone
            if attempt_id is not None:
                attempts[counsellor_id] = attempt_id
    return phones, attempts


def _reserve_offer(
    connection: Connection,
    line: HuntingLine,
    looked: Looked,
    holder: str,
    recording: Recording | Claim | None,
) -> tuple[Offer | Hold | NoOffer, dict[int, str], dict[int, int]]:
    """Routing's offer (`looked`'s decision), with each counsellor reserved for `holder`: their
    sealed phones and, on PostgreSQL, the offer recorded with the reservation (a call's
    attempts, by counsellor; a callback's counsellor).
    One taken by another caller's offer meanwhile is replaced by the first free one alike to
    them in the same statement, else counts as busy and routing decides again (twice at most,
    then the caller holds a turn).

    Offers on one line move rrmemory's memory under the line's row lock when it is free;
    holding and nobody-to-ring change nothing and are decided without it. Nothing here waits
    for another caller's transaction: a lock held elsewhere is skipped."""
    call_id = recording.call_id if isinstance(recording, Recording) else None
    hunt, candidates, decision = looked.hunt, looked.candidates, looked.decision
    if not isinstance(decision, Offer):
        return decision, {}, {}
    # rrmemory's memory of the line moves to this offer's last in the statement that takes the
    # line's lock, if no other offer moved it since the candidates were read (the usual case).
    # The lock is never waited for (a caller must not queue behind another caller's offer),
    # and is of the weaker kind, so calls being logged against the line are not held either.
    remembered: int | None = decision.counsellor_ids[-1]
    holds_line = True
    first: Reservation | None = None  # made for this decision with the memory's move
    if recording is not None and connection.dialect.name == "postgresql":
        holds_line, memory, first = _remember_and_reserve(
            connection, line, hunt, decision, holder, recording
        )
        if holds_line and memory != hunt.last_offered_on_line:  # moved first by another offer
            remembered, first = memory, None
            hunt = replace(hunt, last_offered_on_line=remembered)
            candidates = hunt_candidates(connection, hunt, line.centre_id, call_id)
    elif not _remember_if_unmoved(connection, line, remembered, hunt.last_offered_on_line):
        locked = run(connection, _MEMORY_IF_FREE, {"line": line.id}).first()
        if locked is None:  # another offer has the line: go ahead, leave the memory to it
            holds_line = False
        else:  # another offer moved the memory first: see it
            remembered = locked.last_offered_counsellor_id
            hunt = replace(hunt, last_offered_on_line=remembered)
            candidates = hunt_candidates(connection, hunt, line.centre_id, call_id)
    lost: set[int] = set()  # taken by another caller's offer since we looked
    for _ in range(LOST_RACES_AT_MOST):
        if first is None:  # else `decision` was just reserved: routing, pure, would decide it again
            if lost:  # of each group of alike counsellors only the first was shown: who is next
                candidates = hunt_candidates(
                    connection, hunt, line.centre_id, call_id, frozenset(lost)
                )
            states = [replace(s, busy=True) if s.id in lost else s for s in candidates.states]
            decision = next_offer(states, replace(hunt, tried=hunt.tried | candidates.tried))
            if not isinstance(decision, Offer):
                break
        until = reservations.ringing_until(hunt.now, decision.ring_timeout)
        if first is not None:  # reserved for `decision` with the memory's move
            (phones, attempts), first = first, None
        else:
            phones, attempts = _reserve(
                connection, decision.counsellor_ids, holder, until, hunt.now, recording
            )
        if not phones and len(decision.counsellor_ids) == 1:
            # Callers hunting this same moment all tried the one routing shows first: take the
            # first of those alike who is free and whose row no other offer is taking.
            (taken_first,) = decision.counsellor_ids
            lost.add(taken_first)
            alike = first_free_alike(hunt, line.centre_id, call_id, taken_first, frozenset(lost))
            phones, attempts = _reserve_chosen(
                connection, alike, holder, until, hunt.now, recording
            )
            decision = replace(decision, counsellor_ids=tuple(phones) or decision.counsellor_ids)
        won = tuple(c for c in decision.counsellor_ids if c in phones)  # routing's order
        if won:
            if holds_line and remembered != won[-1]:
                _remember(connection, line, won[-1])
            return replace(decision, counsellor_ids=won), phones, attempts
        lost.update(decision.counsellor_ids)
    else:  # a crowd of callers is after the same counsellors this very moment: hold one turn
        decision = Hold(hunt.deadline)
    if holds_line and remembered != hunt.last_offered_on_line:  # nobody rung: as it was
        _remember(connection, line, hunt.last_offered_on_line)
    return decision, {}, {}


def _remember_and_reserve(
    connection: Connection,
    line: HuntingLine,
    hunt: HuntRequest,
    decision: Offer,
    holder: str,
    recording: Recording | Claim,
) -> tuple[bool, int | None, Reservation]:
    """Move the memory to the offer's last and reserve its counsellors, in one statement
    (`_REMEMBER_RESERVE_AND_RECORD`): whether this offer holds the line's row, the memory as
    found, and what was taken (nothing if the memory had moved)."""
    values = {
        "line": line.id,  # not "line_id": the UPDATE of the call would set its column of that name
        "was": hunt.last_offered_on_line,
        "remembered": decision.counsellor_ids[-1],
        "ids": list(decision.counsellor_ids),
        "holder": holder,
        "until": reservations.ringing_until(hunt.now, decision.ring_timeout),
        "now": hunt.now,
        **recording.values(),
    }
    statement = _REMEMBER_RESERVE_AND_RECORD[type(recording)]
    rows = run(connection, statement, values).all()
    held, memory = rows[0][0], rows[0][1]
    return held == 1, memory, _reservation(row[2:] for row in rows)


def _remember(connection: Connection, line: HuntingLine, counsellor_id: int | None) -> None:
    """Set rrmemory's memory of the line (which also locks the line's row till the commit)."""
    _set_memory(connection, line, _REMEMBER, {"remembered": counsellor_id})


def _remember_if_unmoved(
    connection: Connection, line: HuntingLine, counsellor_id: int | None, was: int | None
) -> bool:
    """Set the memory only if it is still `was` and no other offer holds the line's row (SQLite,
    one writer at a time, has no row locks): whether it was set."""
    values = {"remembered": counsellor_id, "was": was}
    return _set_memory(connection, line, _REMEMBER_IF_UNMOVED, values)


def _set_memory(
    connection: Connection, line: HuntingLine, statement: Any, values: dict[str, Any]
) -> bool:
    """Run one of the memory's UPDATEs: whether it changed the line."""
    moved = run(connection, statement, {"line": line.id, **values})
    return bool(moved.rowcount == 1)


@dataclass(frozen=True)
class RungOffer:
    """An offer as the counsellor's leg reads it, with its call: one row."""

    attempt_id: int
    ringing: bool  # still open: nobody took the call, declined or ended it
    call_id: int
    call_sid: str
    caller_language: str | None
    counsellor_id: int
    offered_at: datetime


_RUNG_OFFER = (
    select(
        CallAttempt.id,
        CallAttempt.result == AttemptResult.RINGING,
        Call.id,
        Call.call_sid,
        Call.language,
        CallAttempt.counsellor_id,
        CallAttempt.offered_at,
    )
    .join(Call, Call.id == CallAttempt.call_id)
    .where(CallAttempt.id == bindparam("attempt"))
)


def read_offer(session: Session, attempt_id: int) -> RungOffer | None:
    """The offer with this attempt id; None: no such offer."""
    row = run(session.connection(), _RUNG_OFFER, {"attempt": attempt_id}).first()
    return None if row is None else RungOffer(*row)


# Answering an offer in Core statements built once: the ORM loaded the attempt, its call twice,
# the counsellor and the call's attempts (eight statements); now the read and three UPDATEs.
_TAKE_CALL = (
    update(Call)
    .where(Call.id == bindparam("call_id"), Call.counsellor_id.is_(None))
    .values(
        counsellor_id=bindparam("counsellor"),
        answered_at=bindparam("now"),
        outcome=literal(CallOutcome.ANSWERED, Call.__table__.c.outcome.type),
    )
)
_RESULT = CallAttempt.__table__.c.result.type
# The one who answered: ACCEPTED with their ring time; ringall's others: CANCELED (Twilio hangs
# up on them now), their ring times after.
_SETTLE_OFFERS = (
    update(CallAttempt)
    .where(
        CallAttempt.call_id == bindparam("answered_call"),  # not a column's name
        CallAttempt.result == AttemptResult.RINGING,
    )
    .values(
        result=case(
            (CallAttempt.id == bindparam("attempt"), literal(AttemptResult.ACCEPTED, _RESULT)),
            else_=literal(AttemptResult.CANCELED, _RESULT),
        ),
        ring_seconds=case(
            (CallAttempt.id == bindparam("attempt"), bindparam("seconds", type_=Integer)),
            else_=CallAttempt.ring_seconds,
        ),
    )
    .returning(CallAttempt.id, CallAttempt.counsellor_id, CallAttempt.offered_at)
)
_ENDS_OFFER = (
    update(CallAttempt)
    .where(CallAttempt.id == bindparam("attempt"), CallAttempt.result == AttemptResult.RINGING)
    .returning(CallAttempt.counsellor_id)
)
_CANCEL_OFFER = _ENDS_OFFER.values(result=literal(AttemptResult.CANCELED, _RESULT))
_DECLINE_OFFER = _ENDS_OFFER.values(
    result=literal(AttemptResult.DECLINED, _RESULT), ring_seconds=bindparam("seconds")
)
_ON_CALL = (
    update(Counsellor)
    .where(Counsellor.id == bindparam("counsellor"))
    .values(
        on_call_sid=bindparam("sid"),
        reserved_for=bindparam("sid"),
        reserved_until=bindparam("until"),
    )
)
_ANSWERED = _ON_CALL.values(last_answered_at=bindparam("now"))


def accept_offer(session: Session, offer: RungOffer, now: datetime) -> bool:
    """The counsellor pressed 1: the first to do so gets the call (a compare-and-set)."""
    if not offer.ringing:
        return False
    connection = session.connection()
    values = {"call_id": offer.call_id, "counsellor": offer.counsellor_id, "now": now}
    if run(connection, _TAKE_CALL, values).rowcount != 1:  # another took it first
        if run(connection, _CANCEL_OFFER, {"attempt": offer.attempt_id}).first() is not None:
            reservations.release(session, offer.call_sid, [offer.counsellor_id])
        return False
    seconds = seconds_between(offer.offered_at, now)
    values = {"answered_call": offer.call_id, "attempt": offer.attempt_id, "seconds": seconds}
    others = [row for row in run(connection, _SETTLE_OFFERS, values) if row[0] != offer.attempt_id]
    mark_on_call(session, offer.counsellor_id, offer.call_sid, now, answered=True)
    if others:  # ringall: Twilio hangs up on the others now
        rang = [{"attempt": a, "seconds": seconds_between(at, now)} for a, _, at in others]
        connection.execute(RANG, rang)
        reservations.release(session, offer.call_sid, [c for _, c, _ in others])
    return True


def decline_offer(session: Session, offer: RungOffer, now: datetime) -> None:
    """The counsellor (or their voicemail) did not press 1: free for the next caller."""
    values = {"attempt": offer.attempt_id, "seconds": seconds_between(offer.offered_at, now)}
    if run(session.connection(), _DECLINE_OFFER, values).first() is not None:
        reservations.release(session, offer.call_sid, [offer.counsellor_id])


def mark_on_call(
    session: Session, counsellor_id: int, call_sid: str, now: datetime, answered: bool = False
) -> None:
    """A counsellor is on a call: no other call rings them until it ends (or its time limit).
    `answered`: they took it from the line's hunt (leastrecent counts from now)."""
    session.flush()  # changes made so far go first, as before any statement of the ORM's
    values = {
        "counsellor": counsellor_id,
        "sid": call_sid,
        "until": reservations.talking_until(now),
    }
    run(session.connection(), _ANSWERED if answered else _ON_CALL, {**values, "now": now})
    changed = ["on_call_sid", "reserved_for", "reserved_until", "last_answered_at"]
    reservations.forget_held(session, [counsellor_id], changed)


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
    claim = Claim(callback_id, now)
    looked = _look(connection, hunt, line.centre_id, None)
    decision, phones, _ = _reserve_offer(connection, line, looked, holder, claim)
    if not isinstance(decision, Offer):
        return None
    (chosen,) = decision.counsellor_ids  # the phone came with the reservation: no reload
    # Every reservation with a record notes it on PostgreSQL (`_recorded`), none elsewhere.
    noted = connection.dialect.name == "postgresql"
    return Reserved(chosen, phones[chosen], noted)
