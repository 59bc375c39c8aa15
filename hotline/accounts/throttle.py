"""Failed logins slow down per account and per address, kept in Redis; nobody is locked out.

A few failures are free; each one after that doubles the wait before the next try, up to
MAX_WAIT. Fifteen quiet minutes forget them. A success clears the account's count.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from redis import Redis

FORGET_AFTER = 15 * 60  # seconds without a failure
BASE_WAIT = 15  # seconds, doubled for each failure past the free ones
MAX_WAIT = 5 * 60  # the longest anyone waits: an attacker is slowed, the real user is not shut out


@dataclass(frozen=True)
class Bucket:
    """One thing failures are counted against: an account or an address."""

    key: str
    free: int


def account_bucket(email: str) -> Bucket:
    """Failures against one account (the typed email, hashed: it may be a stray password)."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return Bucket(f"console:login-fail:account:{digest}", free=5)


def address_bucket(address: str) -> Bucket:
    """Failures from one network address, across accounts."""
    return Bucket(f"console:login-fail:address:{address}", free=20)


def wait_seconds(redis: Redis, buckets: list[Bucket], now: datetime) -> int:
    """Seconds before another try is heard (0: now)."""
    waits = [0]
    for bucket in buckets:
        stored = redis.hgetall(bucket.key)
        failures = int(stored.get(b"n", 0))
        if failures < bucket.free:
            continue
        wait = min(BASE_WAIT * 2 ** (failures - bucket.free), MAX_WAIT)
        waits.append(int(float(stored.get(b"last", 0)) + wait - now.timestamp()))
    return max(waits)


def record_failure(redis: Redis, buckets: list[Bucket], now: datetime) -> None:
    """Count a failed login against each bucket."""
    with redis.pipeline() as pipe:
        for bucket in buckets:
            pipe.hincrby(bucket.key, "n", 1)
            pipe.hset(bucket.key, "last", now.timestamp())
            pipe.expire(bucket.key, FORGET_AFTER)
        pipe.execute()


def forget(redis: Redis, bucket: Bucket) -> None:
    """A success: the account's failures are forgotten."""
    redis.delete(bucket.key)
