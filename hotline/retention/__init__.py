"""Retention: old metadata folded into the daily figures, then deleted (`purge`), daily and
on command. No flask, no twilio."""

from hotline.retention.purge import (
    LONGEST_DAYS,
    PURGE_JOB_ID,
    SHORTEST_DAYS,
    Purge,
    cutoff,
    plan,
    purge,
    schedule_purge,
)

__all__ = [
    "LONGEST_DAYS",
    "PURGE_JOB_ID",
    "SHORTEST_DAYS",
    "Purge",
    "cutoff",
    "plan",
    "purge",
    "schedule_purge",
]
