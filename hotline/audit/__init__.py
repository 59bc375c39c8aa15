"""The audit trail: an append-only, hash-chained record of who looked at or changed what.

`chain` appends and verifies, `actions` names what is recorded, `trail` reads it back.
Entries never hold caller data: targets are ids of calls, blocks, counsellors, accounts.
"""

from hotline.audit.actions import Action
from hotline.audit.chain import CLI, Actor, AuditBroken, head_hash, record, verify
from hotline.audit.trail import TrailFilter, actors, trail_query

__all__ = [
    "CLI",
    "Action",
    "Actor",
    "AuditBroken",
    "TrailFilter",
    "actors",
    "head_hash",
    "record",
    "trail_query",
    "verify",
]
