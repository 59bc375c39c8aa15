"""Jobs in RQ, one per thing and named after it: queue (or replace) one, ask whether one waits,
keep a sweeper coming back. Arguments are ids only; TTLs explicit; Redis down is no error.

Used by every feature that hands work to the worker (callbacks, the outbox); the database stays
the source of truth, and each feature's sweeper queues again what Redis lost.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta, tzinfo

from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

log = logging.getLogger(__name__)

RESULT_TTL = 3600  # finished jobs are kept an hour (they hold an id and a word)
FAILURE_TTL = 7 * 24 * 3600  # failed jobs a week, not RQ's default year
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def put(
    queue: Queue,
    function: str,
    key: str,
    record_id: int,
    job_timeout: int,
    at: datetime | None = None,
) -> bool:
    """Queue `function(record_id)` as job `key` (at `at`), replacing a waiting one of that key;
    False when Redis is unreachable (the caller's sweeper will queue it later)."""
    options = {
        "args": (record_id,),
        "job_id": key,
        "job_timeout": job_timeout,
        "result_ttl": RESULT_TTL,
        "failure_ttl": FAILURE_TTL,
    }
    try:
        drop_waiting(queue, key)
        if at is None:
            queue.enqueue(function, **options)
        else:
            queue.enqueue_at(at, function, **options)
    except (RedisError, OSError) as exc:
        log.warning("job %s not queued, Redis unavailable (%s)", key, type(exc).__name__)
        return False
    return True


def is_waiting(queue: Queue, key: str) -> bool:
    """Whether job `key` is queued, scheduled or running."""
    try:
        job = Job.fetch(key, connection=queue.connection, serializer=queue.serializer)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in (*WAITING, JobStatus.STARTED)


def come_back(
    queue: Queue,
    function: str,
    key: str,
    seconds: int,
    job_timeout: int,
    now: datetime | None = None,
) -> None:
    """Run `function()` as job `key` in `seconds` from `now` (the app's clock; default the
    system's): a sweeper that reschedules itself, one key, so one sweeper."""
    drop_waiting(queue, key)
    queue.enqueue_at(
        (now or datetime.now(UTC)) + timedelta(seconds=seconds),
        function,
        job_id=key,
        job_timeout=job_timeout,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
    )


def drop_waiting(queue: Queue, key: str) -> None:
    """Remove job `key` if it has not started yet."""
    try:
        job = Job.fetch(key, connection=queue.connection, serializer=queue.serializer)
    except NoSuchJobError:
        return
    if job.get_status(refresh=False) in WAITING:
        job.cancel()
        job.delete()


def seconds_until(now: datetime, zone: tzinfo, at: time) -> int:
    """Seconds from `now` to the next local `at` (tomorrow's, once today's has passed)."""
    local = now.astimezone(zone)
    moment = datetime.combine(local.date(), at, zone)
    if moment <= local:
        moment = datetime.combine(local.date() + timedelta(days=1), at, zone)
    return max(1, int((moment.astimezone(UTC) - now.astimezone(UTC)).total_seconds()))
