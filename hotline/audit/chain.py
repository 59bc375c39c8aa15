"""The audit trail as a hash chain: each entry carries the hash of the one before it.

Appending takes the head row's lock first (an UPDATE), so two appends never fork the chain;
`prev_hash` is unique besides. `verify` recomputes every hash and compares the head, so an
edited, deleted or newest-removed entry shows. Someone able to rewrite the whole table and
the head could forge a new chain: keep the head hash `hotline audit verify` prints elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.models import AuditEntry, AuditHead

GENESIS = "0" * 64
HEAD_ID = 1


class AuditBroken(RuntimeError):
    """The chain's head is missing while entries exist: nothing is appended to a broken trail."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a console user (id and email) or the command line."""

    user_id: int | None
    name: str


CLI = Actor(None, "cli")


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the entry's fields and the previous entry's hash."""
    fields = [
        entry.seq,
        entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        entry.user_id,
        entry.actor,
        entry.action,
        entry.target,
        entry.detail,
        entry.prev_hash,
    ]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    now: datetime,
    target: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction: it commits with the change it records."""
    head = _locked_head(session)
    entry = AuditEntry(
        seq=head.seq,
        at=now,
        user_id=actor.user_id,
        actor=actor.name[:64],
        action=action,
        target=target[:128] if target else None,
        detail=detail[:200] if detail else None,
        prev_hash=head.entry_hash,
    )
    entry.entry_hash = entry_hash(entry)
    head.entry_hash = entry.entry_hash
    session.add(entry)
    session.flush()
    return entry


def _locked_head(session: Session) -> AuditHead:
    """The head with its seq already moved on; the UPDATE holds the lock until commit."""
    bumped = session.execute(
        update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq + 1)
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        if session.scalar(select(func.count()).select_from(AuditEntry)):
            raise AuditBroken("the audit trail has entries but no head: it was tampered with")
        session.add(AuditHead(id=HEAD_ID, seq=1, entry_hash=GENESIS))
        session.flush()
    head = session.scalar(
        select(AuditHead).where(AuditHead.id == HEAD_ID).execution_options(populate_existing=True)
    )
    assert head is not None
    return head


def verify(session: Session) -> tuple[int, list[str]]:
    """How many entries were checked, and every break found (empty: the trail is whole)."""
    problems: list[str] = []
    expected_seq, previous = 1, GENESIS
    for entry in _in_order(session):
        if entry.seq != expected_seq:
            problems.append(f"entries {expected_seq} to {entry.seq - 1} were deleted")
        elif entry.prev_hash != previous:
            problems.append(f"entry {entry.seq} does not follow the entry before it")
        if entry_hash(entry) != entry.entry_hash:
            problems.append(f"entry {entry.seq} was changed")
        expected_seq, previous = entry.seq + 1, entry.entry_hash
    head = session.get(AuditHead, HEAD_ID)
    checked = expected_seq - 1
    if head is None:
        if checked:
            problems.append("the head is missing")
    elif head.seq != checked or head.entry_hash != previous:
        problems.append(f"the newest entries were deleted: the head says {head.seq}")
    return checked, problems


def head_hash(session: Session) -> str:
    """The newest entry's hash: note it somewhere else to check the trail against later."""
    head = session.get(AuditHead, HEAD_ID)
    return head.entry_hash if head else GENESIS


def _in_order(session: Session) -> Iterator[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=500)
    yield from session.scalars(query)
