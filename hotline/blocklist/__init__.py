"""The blocklist: a supervisor blocks the caller of a call or message, with a reason and an
expiry, and may lift it. The caller is known only by pseudonym, taken from the record on the
server: no form ever carries it. Blocked callers hear the polite message (calls.log.is_blocked)
and get no SMS reply. No flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from hotline.logbook import caller_tag
from hotline.models import Block, Call, Message
from hotline.privacy import mask_phone_numbers


class BlockError(ValueError):
    """A block cannot be set or lifted; the message says why."""


class BlockLength(StrEnum):
    """How long a block lasts."""

    DAY = "24h"
    MONTH = "30d"
    YEAR = "1y"


DURATIONS = {
    BlockLength.DAY: timedelta(hours=24),
    BlockLength.MONTH: timedelta(days=30),
    BlockLength.YEAR: timedelta(days=365),
}


@dataclass(frozen=True)
class ListedBlock:
    """A block as listed: its row and its caller's tag."""

    block: Block
    tag: str | None


def caller_of(session: Session, source: str) -> str:
    """The pseudonym behind "call:12" or "message:7"; BlockError when there is none."""
    kind, _, raw_id = source.partition(":")
    model = {"call": Call, "message": Message}.get(kind)
    if model is None or not raw_id.isdigit():
        raise BlockError("a block is set from a call or a message")
    record = session.get(model, int(raw_id))
    pseudonym = getattr(record, "caller" if model is Call else "party", None)
    if not pseudonym:
        raise BlockError("that caller's number was hidden: there is nobody to block")
    return str(pseudonym)


def block_caller(
    session: Session,
    source: str,
    reason: str,
    length: BlockLength,
    user_id: int | None,
    now: datetime,
) -> Block:
    """Block the caller of `source` until `length` from now; a longer block replaces a shorter."""
    # A reason is free text: a number typed into it is masked, like in the logs.
    reason = mask_phone_numbers(" ".join(reason.split()))
    if not reason:
        raise BlockError("a block needs a reason")
    pseudonym = caller_of(session, source)
    for earlier in active_blocks_of(session, pseudonym, now):
        earlier.expires_at = now  # one block per caller at a time: the new one says how long
    block = Block(
        caller=pseudonym,
        reason=reason[:200],
        created_at=now,
        expires_at=now + DURATIONS[length],
        set_by_id=user_id,
        source=source.replace(":", " "),
    )
    session.add(block)
    return block


def active_blocks_of(session: Session, pseudonym: str, now: datetime) -> list[Block]:
    """This caller's blocks still in force."""
    query = select(Block).where(Block.caller == pseudonym, _in_force(now))
    return list(session.scalars(query))


def lift_block(session: Session, block_id: int, now: datetime) -> Block:
    """End a block now; it stays listed as lifted."""
    block = session.get(Block, block_id)
    if block is None or (block.expires_at is not None and block.expires_at <= now):
        raise BlockError("that block is not in force")
    block.expires_at = now
    block.lifted_at = now
    return block


def list_blocks(session: Session, now: datetime, in_force: bool) -> list[ListedBlock]:
    """Blocks in force (or the last 100 ended ones), newest first."""
    query = select(Block).order_by(Block.created_at.desc(), Block.id.desc())
    query = query.where(_in_force(now) if in_force else ~_in_force(now)).limit(100)
    return [ListedBlock(b, caller_tag(b.caller)) for b in session.scalars(query)]


def _in_force(now: datetime) -> ColumnElement[bool]:
    return or_(Block.expires_at.is_(None), Block.expires_at > now)
