"""An offer taken: the counsellors routing chose reserved for a call or a callback, the offer
recorded in the same statement, and rrmemory's memory of the line moved; another caller's offer
may take a counsellor first, and the hunt then takes the next alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import (
    CTE,
    Connection,
    Integer,
    Select,
    Update,
    bindparam,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    true,
    update,
)

from hotline.callbacks.state import THIS_CLAIM
from hotline.calls import reservations
from hotline.calls.candidates import Candidates, first_free_alike, hunt_candidates
from hotline.db_direct import run
from hotline.models import AttemptResult, Call, CallAttempt, Callback, Line
from hotline.routing import Hold, HuntRequest, NoOffer, Offer, next_offer

LOST_RACES_AT_MOST = 2
"""Offers a hunt makes in one request while other callers' offers take its counsellors first.
Each round tries the next counsellor at once; past this many, a crowd of callers is hunting
the same few at the same moment, and the caller holds one turn rather than keep racing."""


@dataclass(frozen=True)
class Looked:
    """A hunt's look at the roster before it takes anyone: what it asks, whom routing was shown,
    and routing's decision."""

    hunt: HuntRequest
    candidates: Candidates
    decision: Offer | Hold | NoOffer


class OfferedOn(Protocol):
    """The line an offer is made on, as taking it reads it (a hunt's `HuntingLine`)."""

    @property
    def id(self) -> int: ...

    @property
    def centre_id(self) -> int | None: ...


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
HUNT_SO_FAR = (
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


def record_offer(
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
    run(connection, HUNT_SO_FAR, values)
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


def reserve_offer(
    connection: Connection,
    line: OfferedOn,
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
    line: OfferedOn,
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


def _remember(connection: Connection, line: OfferedOn, counsellor_id: int | None) -> None:
    """Set rrmemory's memory of the line (which also locks the line's row till the commit)."""
    _set_memory(connection, line, _REMEMBER, {"remembered": counsellor_id})


def _remember_if_unmoved(
    connection: Connection, line: OfferedOn, counsellor_id: int | None, was: int | None
) -> bool:
    """Set the memory only if it is still `was` and no other offer holds the line's row (SQLite,
    one writer at a time, has no row locks): whether it was set."""
    values = {"remembered": counsellor_id, "was": was}
    return _set_memory(connection, line, _REMEMBER_IF_UNMOVED, values)


def _set_memory(
    connection: Connection, line: OfferedOn, statement: Any, values: dict[str, Any]
) -> bool:
    """Run one of the memory's UPDATEs: whether it changed the line."""
    moved = run(connection, statement, {"line": line.id, **values})
    return bool(moved.rowcount == 1)
