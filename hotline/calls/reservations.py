"""Reservations: a counsellor is busy for one call at a time, ringing or talking, across every
web process. Taken by compare-and-set in the database, with an expiry, so that a status
callback that never comes cannot keep a counsellor from the next caller for long."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Select,
    Update,
    bindparam,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hotline.db_direct import Rows, run
from hotline.models import Counsellor

RING_GRACE_SECONDS = 30
"""A ringing reservation outlives the ring by this much: screening and a slow dial action."""

CALL_TIME_LIMIT_SECONDS = 4 * 3600
"""The longest a bridged call may last (its `<Dial timeLimit>`), so a talking reservation
ends with it even when both the dial action and the status callback are lost."""


def callback_holder(callback_id: int) -> str:
    """What a counsellor rung for a callback is reserved for (its CallSid comes later)."""
    return f"callback:{callback_id}"


def reserve_for_offer(
    connection: Connection,
    counsellor_ids: tuple[int, ...],
    holder: str,
    until: datetime,
    now: datetime,
) -> dict[int, str]:
    """Take each of the counsellors for `holder` unless another holder has them (each row its
    own compare-and-set) and note the offer: the sealed phones of those taken, by id."""
    values = {"ids": list(counsellor_ids), "holder": holder, "until": until, "now": now}
    return _taken(run(connection, RESERVE_OFFERED, values))


def reserve_chosen(
    connection: Connection,
    chosen: Select[Any],
    values: dict[str, Any],
    holder: str,
    until: datetime,
    now: datetime,
) -> dict[int, str]:
    """Take the counsellors `chosen` selects (and locks; its `values` bound) for `holder`, each
    that is still free when its row is updated: the sealed phones of those taken, by id."""
    # Core, not the ORM's bulk update: one round trip and no unit of work.
    taken = run(
        connection,
        chosen_reservation(chosen),
        {**values, "holder": holder, "until": until, "now": now},
    )
    return _taken(taken)


@lru_cache(maxsize=64)
def chosen_reservation(chosen: Select[Any]) -> Update:
    """The UPDATE of `reserve_chosen`, returning the id and sealed phone of each taken; built
    once for each query of the chosen (the hunt also runs it inside a larger statement).
    Values: holder, until, now and those of `chosen`."""
    return (
        update(Counsellor)
        .where(Counsellor.id.in_(chosen), _free_for(bindparam("holder"), bindparam("now")))
        .values(
            reserved_for=bindparam("holder"),
            reserved_until=bindparam("until"),
            last_offered_at=bindparam("now"),
        )
        .returning(Counsellor.id, Counsellor.phone_sealed)
    )


def _taken(taken: Rows) -> dict[int, str]:
    """The sealed phones of the counsellors a reservation took, by id."""
    return {counsellor_id: phone for counsellor_id, phone in taken}


def forget_held(session: Session, counsellor_ids: Iterable[int], changed: list[str]) -> None:
    """Counsellors a Core statement `changed`: those this session holds read those columns
    again when next asked for (it rarely holds any)."""
    for counsellor_id in counsellor_ids:
        held = session.identity_map.get(session.identity_key(Counsellor, counsellor_id))
        if held is not None:
            session.expire(held, changed)


def _free_for(
    holder: str | BindParameter[str], now: datetime | BindParameter[datetime]
) -> ColumnElement[bool]:
    return or_(
        Counsellor.reserved_until.is_(None),
        Counsellor.reserved_until <= now,
        Counsellor.reserved_for == holder,
    )


# The offer's counsellors, each still free, taken in one UPDATE built once (building it cost
# more than running it). A counsellor row another transaction is changing (another caller's
# offer, most likely) is skipped, not waited for: it counts as taken and routing decides again.
# Values: ids, holder, until, now. The hunt also runs it as part of one larger statement.
RESERVE_OFFERED = (
    update(Counsellor)
    .where(
        Counsellor.id.in_(
            select(Counsellor.id)
            .where(Counsellor.id.in_(bindparam("ids", expanding=True)))
            .with_for_update(key_share=True, skip_locked=True)
        ),
        _free_for(bindparam("holder"), bindparam("now")),
    )
    .values(
        reserved_for=bindparam("holder"),
        reserved_until=bindparam("until"),
        last_offered_at=bindparam("now"),
    )
    .returning(Counsellor.id, Counsellor.phone_sealed)
)


def ringing_until(now: datetime, ring_seconds: int) -> datetime:
    """When a reservation for a ring of `ring_seconds` lapses on its own."""
    return now + timedelta(seconds=ring_seconds + RING_GRACE_SECONDS)


def talking_until(now: datetime) -> datetime:
    """When a reservation for a call answered at `now` lapses on its own."""
    return now + timedelta(seconds=CALL_TIME_LIMIT_SECONDS + RING_GRACE_SECONDS)


def release(session: Session, holder: str, counsellor_ids: Collection[int] | None = None) -> None:
    """Free the counsellors `holder` has (these, or all of them); others' are untouched."""
    session.flush()  # changes made so far go first, as before any statement of the ORM's
    if counsellor_ids is None:
        freed = [freed_id for (freed_id,) in run(session.connection(), RELEASE, {"holder": holder})]
    else:
        freed = release_these(session.connection(), holder, counsellor_ids)
    forget_held(session, freed, ["reserved_for", "reserved_until"])


def release_these(
    connection: Connection, holder: str, counsellor_ids: Collection[int]
) -> list[int]:
    """Free these counsellors if `holder` has them (a Core connection: no session to update);
    those freed."""
    values = {"holder": holder, "counsellors": list(counsellor_ids)}
    return [freed_id for (freed_id,) in run(connection, _RELEASE_THESE, values)]


# Every reservation `holder` has ends. Values: holder.
RELEASE = (
    update(Counsellor)
    .where(Counsellor.reserved_for == bindparam("holder"))
    .values(reserved_for=None, reserved_until=None)
    .returning(Counsellor.id)
)
_RELEASE_THESE = RELEASE.where(Counsellor.id.in_(bindparam("counsellors", expanding=True)))
