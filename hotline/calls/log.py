"""The call log: metadata of each call, written as the call moves. Never a number or content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Integer,
    Select,
    String,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.db_direct import run
from hotline.models import Block, Call, CallOutcome, Line
from hotline.models.base import UTCDateTime
from hotline.privacy import Keyring, caller_number, oblast_of

# The menu path is a short trail of keys ("L2 M1"); a caller mashing keys must not overflow it.
MENU_PATH_LIMIT = 64


@dataclass(frozen=True)
class CallerId:
    """Who is calling, as far as we may know it: a pseudonym and an area, never the number."""

    pseudonym: str | None
    area: str | None  # oblast slug for a Kyrgyz landline, "mobile", or None


def identify_caller(keyring: Keyring, raw_from: str | None, region: str) -> CallerId:
    """Pseudonymize Twilio's From; a hidden or malformed caller id gives no pseudonym."""
    number = caller_number(raw_from, region)
    if number is None:
        return CallerId(None, None)
    return CallerId(keyring.pseudonym(number), oblast_of(number))


def find_line(session: Session, number: str | None) -> Line | None:
    """The line Twilio says was called (To)."""
    if not number:
        return None
    return session.scalar(select(Line).where(Line.number == number))


@dataclass(frozen=True)
class Arrival:
    """What answering a new call needs: the line called, and what we know of the caller."""

    line_id: int
    line_number: str
    line_language: str
    blocked: bool
    known_language: str | None  # the language the caller chose last time


# The new-call statements are built once, values bound: on the busiest webhook, building a
# statement cost more than running it. A NULL caller (no caller id) matches no block and no
# earlier call.
_BLOCKED_NOW = (
    select(Block.id)
    .where(
        Block.caller == bindparam("caller", type_=String),
        or_(Block.expires_at.is_(None), Block.expires_at > bindparam("now", type_=UTCDateTime())),
    )
    .exists()
)
_EARLIER = Call.__table__.alias("earlier")  # other calls of the caller, not the one recorded
_KNOWN_LANGUAGE = (
    select(_EARLIER.c.language)
    .where(
        _EARLIER.c.caller == bindparam("caller", type_=String),
        _EARLIER.c.call_sid != bindparam("call_sid", type_=String),
        _EARLIER.c.language.is_not(None),
    )
    .order_by(_EARLIER.c.started_at.desc())
    .limit(1)
    .scalar_subquery()
)
_ARRIVAL = select(Line.id, Line.number, Line.language, _BLOCKED_NOW, _KNOWN_LANGUAGE).where(
    Line.number == bindparam("number")
)
_OPEN_CALL = {
    name: dialect.insert(Call)
    .on_conflict_do_nothing(index_elements=["call_sid"])
    .returning(Call.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


# PostgreSQL: a new call on a line recorded and answered for in one statement, the usual case:
# the call INSERTed from the line's row, blocked or not, then what `Arrival` holds read beside
# it. No row for a number that is no line of ours, or a CallSid already recorded (a retry).
_OUTCOME = Call.__table__.c.outcome.type
_FROM_LINE = select(
    bindparam("call_sid", type_=String),
    Line.id,
    bindparam("caller", type_=String),
    bindparam("caller_area", type_=String),
    bindparam("now", type_=UTCDateTime()),
    case(
        (_BLOCKED_NOW, literal(CallOutcome.BLOCKED, _OUTCOME)),
        else_=literal(CallOutcome.IN_PROGRESS, _OUTCOME),
    ),
).where(Line.number == bindparam("number"))
_RECORDED = (
    postgresql.insert(Call)
    .from_select(
        ["call_sid", "line_id", "caller", "caller_area", "started_at", "outcome"], _FROM_LINE
    )
    .on_conflict_do_nothing(index_elements=["call_sid"])
    .returning(Call.line_id, Call.outcome)
    .cte("recorded")
)
_NEW_CALL = select(
    _RECORDED.c.line_id,
    Line.number,
    Line.language,
    _RECORDED.c.outcome == CallOutcome.BLOCKED,
    _KNOWN_LANGUAGE,
).join_from(_RECORDED, Line, Line.id == _RECORDED.c.line_id)


def open_new_call(
    connection: Connection, number: str | None, caller: CallerId, call_sid: str, now: datetime
) -> Arrival | None:
    """Record a new call to line `number` and read what answering it needs, in one statement.
    None when nothing was recorded: no such line, a CallSid recorded already, or SQLite (no
    INSERT inside a WITH); `arrival` and `open_call` then tell which, in two."""
    if not number or connection.dialect.name != "postgresql":
        return None
    values = {
        "call_sid": call_sid,
        "caller": caller.pseudonym,
        "caller_area": caller.area,
        "now": now,
        "number": number,
    }
    row = run(connection, _NEW_CALL, values).first()
    if row is None:
        return None
    line_id, line_number, line_language, blocked, known_language = row
    return Arrival(line_id, line_number, line_language, bool(blocked), known_language)


def arrival(
    connection: Connection, number: str | None, caller: CallerId, call_sid: str, now: datetime
) -> Arrival | None:
    """The line Twilio says was called (To), whether the caller is blocked and the language they
    chose last time, in one statement (a new call is the busiest webhook); None: no such line."""
    if not number:
        return None
    values = {"caller": caller.pseudonym, "now": now, "call_sid": call_sid, "number": number}
    row = run(connection, _ARRIVAL, values).one_or_none()
    if row is None:
        return None
    line_id, line_number, line_language, is_blocked_now, known_language = row
    return Arrival(line_id, line_number, line_language, bool(is_blocked_now), known_language)


def open_call(
    connection: Connection,
    call_sid: str,
    line_id: int,
    caller: CallerId,
    now: datetime,
    blocked: bool,
) -> None:
    """Record the call on first sight, in one INSERT that skips a CallSid already recorded:
    Twilio may retry the same request, and two copies may race."""
    values = {
        "call_sid": call_sid,
        "line_id": line_id,
        "caller": caller.pseudonym,
        "caller_area": caller.area,
        "started_at": now,
        "outcome": CallOutcome.BLOCKED if blocked else CallOutcome.IN_PROGRESS,
    }
    created = run(connection, _OPEN_CALL[connection.dialect.name], values).first() is not None
    if not created and blocked:  # a retry: the call recorded first is a blocked one too
        connection.execute(
            update(Call).where(Call.call_sid == call_sid).values(outcome=CallOutcome.BLOCKED)
        )


def is_blocked(session: Session, pseudonym: str | None, now: datetime) -> bool:
    """Whether a supervisor blocked this caller and the block has not expired."""
    if pseudonym is None:
        return False
    return session.scalar(_active_block(pseudonym, now).limit(1)) is not None


def _active_block(pseudonym: str, now: datetime) -> Select[int]:
    return select(Block.id).where(
        Block.caller == pseudonym, or_(Block.expires_at.is_(None), Block.expires_at > now)
    )


def note_key(call: Call, step: str) -> None:
    """Append a menu step (e.g. "L2", "M1") to the call's path (`_PATH_WITH_KEY` in SQL)."""
    path = f"{call.menu_path} {step}".strip()
    if len(path) <= MENU_PATH_LIMIT:
        call.menu_path = path


@dataclass(frozen=True)
class MenuStep:
    """One turn of a menu as the call's record keeps it."""

    key: str | None = None  # added to the menu path ("L2", "M-")
    wrong_key: bool = False  # counted in invalid_keys
    language: str | None = None  # the caller's choice
    line_language: bool = False  # no choice made: the caller goes on in the line's language


@dataclass(frozen=True)
class Heard:
    """What the next prompt of a menu needs, read back from the step's own UPDATE."""

    language: str | None  # the call's, once the step is recorded
    line_language: str
    line_number: str


def record_menu_step(connection: Connection, call_sid: str, step: MenuStep) -> Heard | None:
    """Record a menu step in one UPDATE that reads back the languages (no load of the call
    and its line, no unit of work): None for a call we have no record of."""
    row = run(connection, _MENU_STEP, menu_step_values(call_sid, step)).first()
    return None if row is None else Heard(*row)


def menu_step_values(call_sid: str, step: MenuStep) -> dict[str, Any]:
    """The bound values of `MENU_STEP` for this call's step."""
    return {
        "sid": call_sid,
        "key": step.key,
        "wrong": int(step.wrong_key),
        "chosen": step.language,
        "line_language": step.line_language,
    }


def _the_lines(column: Any) -> Any:
    """The call's line's `column`, read inside a statement on the call (also one that joins
    the line: the subquery reads its own)."""
    return select(column).where(Line.id == Call.line_id).correlate_except(Line).scalar_subquery()


_KEY = bindparam("key", type_=String)
# note_key's rule: the key after a space, unless the path would outgrow MENU_PATH_LIMIT.
_PATH_WITH_KEY = case(
    (_KEY.is_(None), Call.menu_path),
    (Call.menu_path == "", _KEY),
    (func.length(Call.menu_path) + 1 + func.length(_KEY) <= MENU_PATH_LIMIT,
     Call.menu_path + " " + _KEY),
    else_=Call.menu_path,
)  # fmt: skip
# A menu step's UPDATE; each use adds the RETURNING it needs (values: `menu_step_values`).
MENU_STEP = (
    update(Call)
    .where(Call.call_sid == bindparam("sid"))  # bound values are not named after columns
    .values(
        menu_path=_PATH_WITH_KEY,
        invalid_keys=Call.invalid_keys + bindparam("wrong", type_=Integer),
        language=case(
            (bindparam("line_language", type_=Boolean), _the_lines(Line.language)),
            else_=func.coalesce(bindparam("chosen", type_=String), Call.language),
        ),
    )
)
_MENU_STEP = MENU_STEP.returning(Call.language, _the_lines(Line.language), _the_lines(Line.number))


def settle(connection: Connection, call_sid: str, outcome: CallOutcome) -> None:
    """Record how the call ends; a call already answered (or blocked) keeps that outcome."""
    run(connection, _SETTLE, {"sid": call_sid, "settled_as": outcome})


_SETTLE = (
    update(Call)
    .where(
        Call.call_sid == bindparam("sid"),
        Call.outcome.not_in([CallOutcome.ANSWERED, CallOutcome.BLOCKED]),
    )
    .values(outcome=bindparam("settled_as", type_=Call.__table__.c.outcome.type))
)
