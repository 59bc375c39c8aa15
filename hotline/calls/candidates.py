"""The counsellors a hunt may ring, read in one indexed query of just the columns routing needs.

Routing (pure) decides; this module only narrows what it is shown, so that its decision is
the one it would take on the whole roster. First by routing's own rules: active, duty not
"off", on duty now (duty "on", a shift covering now, or standby), reached by the line,
speaking one of the hunt's languages. Then by likeness: counsellors alike in all routing reads
but their place in the strategy's order (same languages, centre, duty, standby, on shift now,
and state: tried, busy, in wrap-up or free) can only be told apart by that order, so of each
such group only the first (ringall: the first ten) in the strategy's order is shown, and of
those in wrap-up the first to be free. With 1,000 on duty that is a few dozen rows, not 1,000.
A counsellor's shifts are shown only when they cover now, which is all `is_on_call` asks.

On PostgreSQL, rrmemory, linear and leastrecent find each group's first with a GROUP BY and
`min` (a hash of the groups, no sort of every candidate: the window's sort was most of the
query at 1,000), then read the few chosen rows by their ids; SQLite and ringall (ten of each
group) use the window.

Most hunts need none of that: when someone on call who speaks the caller's own language is
free, routing offers the first of them in its order, whoever else is on the roster (unless a
local tier comes first: a centre's line, or a caller whose area is known). For rrmemory,
the database walks the ids' index in its order and stops at the first such counsellor: a row
or two read instead of every counsellor on duty (linear, with no index of its order, sorts
only its first few dozen). Both databases walk: on SQLite the window over everyone on duty
took 2.5 ms a hunt at 1,000, the walk 0.1 ms. The groups are read only when the walk finds
nobody among the first few dozen (everyone busy, in wrap-up or tried); after such a walk,
hunts of its kind read the groups at once until they show someone free again (a busy line:
one statement a hunt).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, assert_never

from sqlalchemy import (
    BigInteger,
    BindParameter,
    CompoundSelect,
    Connection,
    Executable,
    Integer,
    Select,
    String,
    Subquery,
    Time,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from hotline.db_direct import run
from hotline.directory import catchment
from hotline.models import CallAttempt, Centre, Counsellor, DutyOverride, Shift, Strategy
from hotline.routing import (
    MAX_NUMBERS_PER_DIAL,
    MOBILE,
    CounsellorState,
    HuntRequest,
    WeeklyShift,
    is_on_call,
)

# LIMIT 1 written into the statement, not bound: a prepared statement's generic plan, not
# knowing a bound limit, costs its walk as if a tenth of the rows were read, and PostgreSQL
# then plans the statement afresh on every run (1.7 ms at 1,000 counsellors).
ONE = literal_column("1", Integer)
# The duties written in too: PostgreSQL guesses `duty = $1` keeps one row in 200, so on a
# roster all "on" its plan for any values (its generic plan) looked dearer than one for this
# hunt's, and it planned the walk afresh at every hunt: 1.5 to 1.7 ms a walk at 1,000 on duty
# against 0.6 to 0.7 ms with the plan kept.
ON, OFF = (
    literal_column(f"'{duty.value}'", String) for duty in (DutyOverride.ON, DutyOverride.OFF)
)

# A counsellor's state for this hunt, as the query sorts them into groups.
TRIED, BUSY, WRAP_UP, FREE = 0, 1, 2, 3


@dataclass(frozen=True)
class Candidates:
    """Who may take the call, as routing sees them, and which of them this call tried."""

    states: list[CounsellorState]
    tried: frozenset[int]


def hunt_candidates(
    connection: Connection,
    hunt: HuntRequest,
    line_centre_id: int | None,
    call_id: int | None,
    lost: frozenset[int] = frozenset(),
) -> Candidates:
    """Everyone routing could offer this call to or hold for at `hunt.now`, but of those alike
    only the ones its strategy would pick first. `lost`: counsellors another caller's offer took
    since this hunt looked (not yet committed, so still free to read): they count as busy, and
    the next of their group is shown in their place."""
    shape = _shape(hunt, line_centre_id, call_id, lost)
    values = _values(hunt, line_centre_id, call_id, lost)
    postgresql = connection.dialect.name == "postgresql"
    grouped = _grouped_query if postgresql and shape.strategy in GROUPED else _query
    # Not after a lost race: the groups show who is next of those alike, and each list of the
    # lost would be one more statement to prepare (under load, slower than the groups).
    if shape.strategy not in WALKED or shape.centre_line or shape.local_by_area or lost:
        return _candidates(run(connection, grouped(shape), values), hunt.now)
    walk = (shape, hunt.language)
    if walk not in _WALKS_IN_VAIN:
        first_free = _candidates(run(connection, _walk_query(shape, postgresql), values), hunt.now)
        if first_free.states:
            return first_free
        _WALKS_IN_VAIN.add(walk)
    groups = _candidates(run(connection, grouped(shape), values), hunt.now)
    if _walk_would_find(groups, hunt):
        _WALKS_IN_VAIN.discard(walk)
    return groups


_WALKS_IN_VAIN: set[tuple[Shape, str]] = set()
"""Hunts (their shape and the caller's language) whose last walk in this process found nobody
free: the next such hunt reads the groups at once, until they show someone the walk would find.
A busy line's hunts (every turn on hold, every new caller) then make one statement, not two.
Only which statement runs first depends on it, never the decision: the groups show everyone
routing could choose (test_hunt_candidates)."""


def _walk_would_find(groups: Candidates, hunt: HuntRequest) -> bool:
    """Someone free, untried and on call who speaks the caller's own language: the walk's kind
    (if among its first WALK_AT_MOST, which the groups cannot tell)."""
    return any(
        state.id not in groups.tried
        and hunt.language in state.languages
        and state.is_free(hunt.now)
        and is_on_call(state, hunt.now, hunt.shift_zone)
        for state in groups.states
    )


def first_free_alike(
    hunt: HuntRequest,
    line_centre_id: int | None,
    call_id: int | None,
    like: int,
    lost: frozenset[int],
) -> tuple[Select[Any], dict[str, Any]]:
    """The first, in the strategy's order, of the free counsellors alike to `like` (whom
    another caller's offer took first) but for those `lost`, whose row no other offer is
    taking: to be reserved in the same statement. Callers hunting at the same moment so each
    take a different one in a single round, instead of all trying the same next one.

    The query (built once for each shape of hunt) and its values."""
    values = {**_values(hunt, line_centre_id, call_id, lost), "like": like}
    return _alike_query(_shape(hunt, line_centre_id, call_id, lost)), values


def _shape(
    hunt: HuntRequest, line_centre_id: int | None, call_id: int | None, lost: frozenset[int]
) -> Shape:
    return Shape(
        hunt.strategy,
        remembers=hunt.last_offered_on_line is not None,
        of_call=call_id is not None,
        names_tried=bool(hunt.tried),
        names_lost=bool(lost),
        centre_line=line_centre_id is not None,
        local_by_area=line_centre_id is None and hunt.caller_oblast not in (None, MOBILE),
        languages=len(hunt.languages),
    )


def _values(
    hunt: HuntRequest, line_centre_id: int | None, call_id: int | None, lost: frozenset[int]
) -> dict[str, Any]:
    local = hunt.now.astimezone(hunt.shift_zone)
    return {
        "now": hunt.now,
        "day": local.weekday(),
        "yesterday": (local.weekday() - 1) % 7,
        "clock": local.time().replace(tzinfo=None),
        "last": hunt.last_offered_on_line,
        "call_id": call_id,
        "tried": sorted(hunt.tried),
        "lost": sorted(lost),
        "line_centre_id": line_centre_id,
        **{f"language_{n}": json.dumps(code) for n, code in enumerate(hunt.languages)},
    }


@dataclass(frozen=True)
class Shape:
    """What changes the query's text (the rest are bound values): built once per shape."""

    strategy: Strategy
    remembers: bool  # rrmemory has a last one offered on the line
    of_call: bool  # the call's own attempts are its tried
    names_tried: bool  # the hunt names tried counsellors (a callback's)
    names_lost: bool  # counsellors lost to another caller's offer a moment ago
    centre_line: bool
    local_by_area: bool  # a national line, the caller's area known: its centres are local
    languages: int


# Strategies whose first of a group `min` finds (ringall wants ten of each: the window).
GROUPED = frozenset({Strategy.RRMEMORY, Strategy.LINEAR, Strategy.LEASTRECENT})
# Strategies whose first free is found by walking their order: rrmemory's is the ids' index;
# linear's is sorted, a top few of those on call (leastrecent's changes with every call).
WALKED = {
    Strategy.RRMEMORY: (Counsellor.id,),
    Strategy.LINEAR: (Counsellor.position, Counsellor.id),
}
WALK_AT_MOST = 32
"""Counsellors on call of the caller's language a walk reads before it gives up (everyone busy,
say) and the groups are read instead: a busy line pays a few dozen rows for it, not the roster."""


@lru_cache(maxsize=128)
def _query(shape: Shape) -> Executable:
    covers = _covers()
    # Joined, not EXISTS: each is then found once, however often the query names it.
    covering = select(Shift.counsellor_id).where(covers).distinct().subquery()
    on_shift = covering.c.counsellor_id.is_not(None)
    attempted = (
        select(CallAttempt.counsellor_id)
        .where(CallAttempt.call_id == bindparam("call_id"))
        .subquery()
    )
    state = case(
        (_tried(shape, attempted), TRIED),
        (_busy(shape), BUSY),
        (Counsellor.wrap_up_until > bindparam("now"), WRAP_UP),
        else_=FREE,
    )
    languages = cast(Counsellor.languages, String)
    place = func.row_number().over(
        partition_by=(
            state,
            languages,
            Counsellor.centre_id,
            Counsellor.duty,
            Counsellor.standby,
            on_shift,
        ),
        order_by=(case((state == WRAP_UP, Counsellor.wrap_up_until)), *_pick_order(shape)),
    )
    alike = select(Counsellor.id, state.label("state"), place.label("place")).outerjoin(
        covering, covering.c.counsellor_id == Counsellor.id
    )
    if shape.of_call:
        alike = alike.outerjoin(attempted, attempted.c.counsellor_id == Counsellor.id)
    alike_rows = alike.where(
        *_reach(shape),
        or_(Counsellor.duty == ON, Counsellor.standby.is_(True), on_shift),
    ).subquery()
    shown = MAX_NUMBERS_PER_DIAL if shape.strategy == Strategy.RINGALL else 1
    return (
        select(
            *_routing_columns(languages),  # languages parsed once per distinct list, not per row
            alike_rows.c.state,
        )
        .select_from(alike_rows)
        .join(Counsellor, Counsellor.id == alike_rows.c.id)
        .outerjoin(Centre, Centre.id == Counsellor.centre_id)
        .outerjoin(Shift, and_(Shift.counsellor_id == Counsellor.id, covers))
        .where(or_(alike_rows.c.state == TRIED, alike_rows.c.place <= shown))
    )


@lru_cache(maxsize=128)
def _walk_query(shape: Shape, postgresql: bool) -> Executable:
    """Rrmemory and linear, no local tier: the first free counsellor on call who speaks the
    caller's own language, found by walking the strategy's order, or no row. (Two statements,
    not one: psycopg parses a statement longer than 4 kB afresh on every run.)"""
    found = select(_first_free(shape, postgresql).cte("first_free")).scalar_subquery()
    if postgresql:
        return _rows_of(found, literal(FREE))
    return _row_of(found, literal(FREE))


def _first_free(shape: Shape, postgresql: bool) -> Select[Any]:
    """The first free, untried counsellor on call who speaks the caller's own language, in the
    strategy's order, if among the first WALK_AT_MOST on call: whoever else is on the roster,
    routing offers them (a hunt with a local tier, which routing tries first, does not walk)."""
    walked = _walked(shape, postgresql)
    order = [walked.c.wrapped, *(walked.c[column.key] for column in WALKED[shape.strategy])]
    return select(walked.c.id).where(walked.c.free).order_by(*order).limit(ONE)


def _walked(shape: Shape, postgresql: bool) -> Subquery:
    """The first WALK_AT_MOST counsellors on call who speak the caller's own language, in the
    strategy's order, each with whether they are free and untried (rrmemory's order: after the
    last one offered, then round again from the top, `wrapped`)."""
    free = and_(*_free_now(), ~_tried_in(shape))
    speaks = _speaks_by_position if postgresql else _speaks_by_like
    on_call = select(Counsellor.id, Counsellor.position, free.label("free")).where(
        *_reach(shape, speaks, own_language_only=True),
        # Looked up for each counsellor walked (a few), not hashed for everyone on shift.
        or_(Counsellor.duty == ON, _covering(Counsellor.id).exists()),
    )
    at_most = literal_column(str(WALK_AT_MOST), Integer)
    order = WALKED[shape.strategy]
    if shape.strategy != Strategy.RRMEMORY or not shape.remembers:
        walk = on_call.add_columns(false().label("wrapped")).order_by(*order).limit(at_most)
        return walk.subquery()
    # Each part one range of the ids' index, read in order and no further than needed.
    last = select(bindparam("last", type_=Integer)).scalar_subquery()
    after, wrapped = (
        on_call.add_columns(literal(wraps).label("wrapped"))
        .where(Counsellor.id <= last if wraps else Counsellor.id > last)
        .order_by(*order)
        .limit(at_most)
        for wraps in (False, True)
    )
    if postgresql:  # its Append yields the parts in turn and stops at the limit
        return union_all(after, wrapped).limit(at_most).subquery()
    # SQLite takes no ORDER BY within a part of a compound, nor promises the parts' order.
    parts = union_all(select(after.subquery()), select(wrapped.subquery()))
    ranked = parts.selected_columns
    return parts.order_by(ranked.wrapped, ranked.id).limit(at_most).subquery()


@lru_cache(maxsize=128)
def _grouped_query(shape: Shape) -> Executable:
    """PostgreSQL: each group's first by `min` over a hash of the groups, then those rows."""
    on_shift = Counsellor.id.in_(_covering_ids()).label("on_shift")
    tried = _tried_in(shape)
    state = case(
        (tried, TRIED),
        (_busy(shape), BUSY),
        (Counsellor.wrap_up_until > bindparam("now"), WRAP_UP),
        else_=FREE,
    )
    languages = cast(Counsellor.languages, String)
    reached = (
        select(
            Counsellor.id,
            state.label("state"),
            languages.label("languages"),
            Counsellor.centre_id,
            Counsellor.duty,
            Counsellor.standby,
            Counsellor.position,
            Counsellor.wrap_up_until,
            Counsellor.last_answered_at,
            Counsellor.last_offered_at,
            on_shift,
        )
        .where(*_reach(shape, _speaks_by_position))
        # OFFSET 0 keeps this a subquery: `on_shift` is then found once a row, not twice.
        .offset(0)
        .subquery("reached")
    )
    r = reached.c
    firsts = (
        select(
            case(
                # Of those in wrap-up, the first to be free; busy or tried, any one stands for all.
                (r.state == WRAP_UP, _second(_least(_micros(r.wrap_up_until), r, WRAP_UP))),
                else_=_first_in_order(shape, r),
            ).label("id")
        )
        .where(or_(r.duty == ON, r.standby.is_(True), r.on_shift))
        .group_by(r.state, r.languages, r.centre_id, r.duty, r.standby, r.on_shift)
        .cte("firsts")
    )
    # Only whether it was tried is read of the state.
    return _rows_of(select(firsts.c.id).scalar_subquery(), case((tried, TRIED), else_=FREE))


def _rows_of(chosen_ids: ScalarSelect[Any], state: ColumnElement[int]) -> Select[Any]:
    """What routing reads of the counsellors chosen (their shifts covering now with them)."""
    # An array, not a join: the planner then reads the few chosen by their ids.
    chosen = func.array(chosen_ids)
    return (
        select(*_routing_columns(cast(Counsellor.languages, String)), state)
        .outerjoin(Centre, Centre.id == Counsellor.centre_id)
        .outerjoin(
            Shift,
            and_(
                Shift.counsellor_id == Counsellor.id,
                Shift.counsellor_id == func.any(chosen),
                _covers(),
            ),
        )
        .where(Counsellor.id == func.any(chosen))
    )


def _row_of(chosen_id: ScalarSelect[Any], state: ColumnElement[int]) -> Select[Any]:
    """What routing reads of the one counsellor chosen (SQLite: no arrays)."""
    return (
        select(*_routing_columns(cast(Counsellor.languages, String)), state)
        .outerjoin(Centre, Centre.id == Counsellor.centre_id)
        .outerjoin(Shift, and_(Shift.counsellor_id == Counsellor.id, _covers()))
        .where(Counsellor.id == chosen_id)
    )


@lru_cache(maxsize=128)
def _alike_query(shape: Shape) -> Select[Any]:
    """Free, untried, not lost, and in the same group (of `_query`) as counsellor `like`, so on
    duty as they are; the first in the strategy's order whose row is not being taken, locked."""
    like = aliased(Counsellor)
    on_shift = Counsellor.id.in_(_covering_ids())
    return (
        select(Counsellor.id)
        .join(like, like.id == bindparam("like"))
        .where(
            *_reach(shape),
            ~_tried_in(shape),  # attempts name a counsellor always: no NULL in the NOT IN
            Counsellor.id.not_in(bindparam("lost", expanding=True)),
            *_free_now(),
            cast(Counsellor.languages, String) == cast(like.languages, String),
            Counsellor.centre_id.is_not_distinct_from(like.centre_id),
            Counsellor.duty.is_not_distinct_from(like.duty),
            Counsellor.standby == like.standby,
            on_shift == like.id.in_(_covering_ids()),
        )
        .order_by(*_pick_order(shape))
        .limit(ONE)
        # Only the row taken is locked: `like` is another caller's right now.
        .with_for_update(of=Counsellor, key_share=True, skip_locked=True)
    )


def _first_in_order(shape: Shape, r: Any) -> ColumnElement[Any]:
    """The group's first in the strategy's order (hotline.routing.strategies), by `min`."""
    match shape.strategy:
        case Strategy.RRMEMORY:  # the first after the last one offered, round again from the top
            if not shape.remembers:
                return func.min(r.id)
            return func.coalesce(func.min(r.id).filter(r.id > bindparam("last")), func.min(r.id))
        case Strategy.LINEAR:
            return _second(_least(r.position, r))
        case Strategy.LEASTRECENT:  # idle_order: never answered first, then the longest idle
            idle = [
                case((r.last_answered_at.is_(None), 0), else_=1),
                func.coalesce(_micros(r.last_answered_at), 0),
                case((r.last_offered_at.is_(None), 0), else_=1),
                func.coalesce(_micros(r.last_offered_at), 0),
            ]
            least = func.min(postgresql.array([*(cast(k, BigInteger) for k in idle), r.id]))
            return cast(type_coerce(least, postgresql.ARRAY(BigInteger))[5], Integer)
        case _:
            raise ValueError(f"{shape.strategy} is not chosen by min")


def _least(key: ColumnElement[Any], r: Any, state: int | None = None) -> ColumnElement[Any]:
    """The least [key, id] of the group (of its rows in `state`: the key is worked out for them)."""
    least = func.min(postgresql.array([key, r.id]))
    return least if state is None else least.filter(r.state == state)


def _second(pair: ColumnElement[Any]) -> ColumnElement[Any]:
    """The id of a `min` of [key, id] arrays (PostgreSQL arrays count from 1)."""
    return cast(type_coerce(pair, postgresql.ARRAY(BigInteger))[2], Integer)


def _micros(moment: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """A timestamp as whole microseconds since 1970, exact (EXTRACT(EPOCH) is a float before
    PostgreSQL 14): so that [instant, id] arrays compare as the instants do."""
    seconds = cast(func.extract("epoch", func.date_trunc("second", moment)), BigInteger)
    return seconds * 1_000_000 + cast(func.extract("microseconds", moment), BigInteger) % 1_000_000


def _candidates(rows: Any, now: datetime) -> Candidates:
    states: dict[int, CounsellorState] = {}
    shifts: dict[int, list[WeeklyShift]] = {}
    tried = set()
    for row in rows:
        cid = row[0]
        if row[11] is not None:
            shifts.setdefault(cid, []).append(WeeklyShift(row[11], row[12], row[13]))
        if row[14] == TRIED:
            tried.add(cid)
        if cid not in states:
            states[cid] = _state(row, now)
    for cid, covering in shifts.items():
        states[cid] = replace(states[cid], shifts=tuple(covering))
    return Candidates(list(states.values()), frozenset(tried))


def _pick_order(shape: Shape) -> list[ColumnElement[Any] | InstrumentedAttribute[Any]]:
    """The order the strategy picks in (hotline.routing.strategies), as SQL."""
    match shape.strategy:
        case Strategy.RRMEMORY:  # the first after the last one offered, round again from the top
            if not shape.remembers:
                return [Counsellor.id]
            return [Counsellor.id <= bindparam("last"), Counsellor.id]
        case Strategy.LEASTRECENT | Strategy.RINGALL:  # idle_order: never answered first
            return [
                Counsellor.last_answered_at.is_not(None),
                Counsellor.last_answered_at,
                Counsellor.last_offered_at.is_not(None),
                Counsellor.last_offered_at,
                Counsellor.id,
            ]
        case Strategy.LINEAR:
            return [Counsellor.position, Counsellor.id]
        case _:
            assert_never(shape.strategy)


def _speaks_by_like(stored: ColumnElement[str], language: BindParameter[Any]) -> Any:
    return stored.contains(language)


def _speaks_by_position(stored: ColumnElement[str], language: BindParameter[Any]) -> Any:
    # LIKE on a cast has no statistics: PostgreSQL guesses it keeps 1 row in 200 and then sorts
    # the candidates into groups; strpos it guesses at a third, and hashes them.
    return func.strpos(stored, language) > 0


def _reach(
    shape: Shape, speaks_test: Any = _speaks_by_like, own_language_only: bool = False
) -> list[ColumnElement[bool]]:
    """Active, not "off", reached by the line and speaking one of the hunt's languages (or the
    caller's own)."""
    speaks = cast(Counsellor.languages, String)
    languages = 1 if own_language_only else shape.languages
    return [
        Counsellor.active.is_(True),
        or_(Counsellor.duty.is_(None), Counsellor.duty != OFF),
        # A centre line reaches its own centre and national staff; a national line, everyone.
        or_(
            Counsellor.centre_id == bindparam("line_centre_id"),
            Counsellor.centre_id.is_(None),
        )
        if shape.centre_line
        else true(),
        # The stored JSON list holds one of the languages (codes need no JSON escaping).
        or_(*(speaks_test(speaks, bindparam(f"language_{n}")) for n in range(languages))),
    ]


def _free_now() -> list[ColumnElement[bool]]:
    """Neither reserved for a call nor in wrap-up at `now` (bound): `CounsellorState.is_free`."""
    now: BindParameter[datetime] = bindparam("now")
    return [
        or_(Counsellor.reserved_until.is_(None), Counsellor.reserved_until <= now),
        or_(Counsellor.wrap_up_until.is_(None), Counsellor.wrap_up_until <= now),
    ]


def _tried_in(shape: Shape) -> ColumnElement[bool]:
    """Offered this call already, as a test of the counsellor's id (no join)."""
    tried: ColumnElement[bool] = false()
    if shape.of_call:
        attempted = select(CallAttempt.counsellor_id).where(
            CallAttempt.call_id == bindparam("call_id")
        )
        tried = or_(tried, Counsellor.id.in_(attempted))
    if shape.names_tried:
        tried = or_(tried, Counsellor.id.in_(bindparam("tried", expanding=True)))
    return tried


def _busy(shape: Shape) -> ColumnElement[bool]:
    """Reserved for another call, or (`names_lost`) just taken by another caller's offer."""
    busy: ColumnElement[bool] = Counsellor.reserved_until > bindparam("now")
    if shape.names_lost:
        busy = or_(busy, Counsellor.id.in_(bindparam("lost", expanding=True)))
    return busy


def _tried(shape: Shape, attempted: Subquery) -> ColumnElement[bool]:
    """Offered this call already: an attempt of the call, or named by the hunt."""
    tried: ColumnElement[bool] = false()
    if shape.of_call:
        tried = or_(tried, attempted.c.counsellor_id.is_not(None))
    if shape.names_tried:
        tried = or_(tried, Counsellor.id.in_(bindparam("tried", expanding=True)))
    return tried


def _state(row: Sequence[Any], now: datetime) -> CounsellorState:
    reserved_until = row[7]
    return CounsellorState(
        id=row[0],
        languages=_languages(row[1]),
        centre=row[2],
        oblast=catchment(row[3]),
        active=True,
        duty=DutyOverride(row[4]) if row[4] is not None else None,
        shifts=(),
        standby=row[5],
        busy=reserved_until is not None and reserved_until > now,
        wrap_up_until=row[8],
        last_offered_at=row[9],
        last_answered_at=row[10],
        position=row[6],
    )


@lru_cache(maxsize=256)
def _languages(stored: str) -> frozenset[str]:
    """A counsellor's languages from the stored JSON list; few distinct lists exist."""
    return frozenset(json.loads(stored))


def _covering(counsellor_id: Any) -> Select[Any]:
    """The shifts of this counsellor's covering now: probes of the shifts' index. (OFFSET 0:
    PostgreSQL would otherwise turn an EXISTS of this into a hash of every shift covering now.)"""
    covering = select(Shift.id).where(Shift.counsellor_id == counsellor_id, _covers())
    return covering.offset(literal_column("0", Integer))


def _covers() -> ColumnElement[bool]:
    """`WeeklyShift.covers` in SQL: a shift covering the local `day` and `clock` (bound)."""
    return or_(_covers_today(), _covers_from_yesterday())


def _covering_ids() -> CompoundSelect[int]:
    """The ids of those a shift covers now; in two parts, each one range of the shifts' index."""
    return union_all(
        select(Shift.counsellor_id).where(_covers_today()),
        select(Shift.counsellor_id).where(_covers_from_yesterday()),
    )


def _covers_today() -> ColumnElement[bool]:
    """Begun today by now: a day's shift not yet ended, or one running past midnight."""
    clock = bindparam("clock", type_=Time)
    return and_(
        Shift.weekday == bindparam("day", type_=Integer),
        Shift.start <= clock,
        or_(Shift.start >= Shift.end, Shift.end > clock),
    )


def _covers_from_yesterday() -> ColumnElement[bool]:
    """Yesterday's, past midnight and not yet ended (end <= start runs past midnight)."""
    return and_(
        Shift.weekday == bindparam("yesterday", type_=Integer),
        Shift.start >= Shift.end,
        Shift.end > bindparam("clock", type_=Time),
    )


def _routing_columns(languages: Any) -> tuple[Any, ...]:
    """What routing reads of a candidate, in the order `_candidates` unpacks a row (its state
    comes last)."""
    return (
        Counsellor.id,
        languages,
        Centre.slug,
        Centre.oblast,
        Counsellor.duty,
        Counsellor.standby,
        Counsellor.position,
        Counsellor.reserved_until,
        Counsellor.wrap_up_until,
        Counsellor.last_offered_at,
        Counsellor.last_answered_at,
        Shift.weekday,
        Shift.start,
        Shift.end,
    )
