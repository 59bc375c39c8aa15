"""Handing callbacks to RQ: job arguments are the callback id only, TTLs explicit."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

log = logging.getLogger(__name__)

PLACE_CALLBACK = "workers.jobs.place_callback"
SWEEP_CALLBACKS = "workers.jobs.sweep_callbacks"
SWEEPER_JOB_ID = "callback-sweeper"
SWEEP_EVERY_SECONDS = 60
JOB_TIMEOUT = 60  # placing is two REST requests; a hung one must not hold the worker
RESULT_TTL = 3600  # finished jobs are kept an hour (they hold an id and a word)
FAILURE_TTL = 7 * 24 * 3600  # failed jobs a week, not RQ's default year
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def job_id(callback_id: int) -> str:
    """One job id per callback, so a re-delivery replaces the job instead of adding one."""
    return f"callback-{callback_id}"


def deliver(queue: Queue, callback_id: int, at: datetime | None = None) -> bool:
    """Queue the callback for placing (at `at`); False when Redis is unreachable."""
    try:
        _drop_waiting(queue, job_id(callback_id))
        key = job_id(callback_id)
        if at is None:
            queue.enqueue_call(
                PLACE_CALLBACK,
                args=(callback_id,),
                job_id=key,
                timeout=JOB_TIMEOUT,
                result_ttl=RESULT_TTL,
                failure_ttl=FAILURE_TTL,
            )
        else:
            queue.enqueue_at(
                at,
                PLACE_CALLBACK,
                args=(callback_id,),
                job_id=key,
                job_timeout=JOB_TIMEOUT,
                result_ttl=RESULT_TTL,
                failure_ttl=FAILURE_TTL,
            )
    except (RedisError, OSError) as exc:
        # The database keeps the callback; the sweeper queues it when Redis is back.
        log.warning(
            "callback %s not queued, Redis unavailable (%s)", callback_id, type(exc).__name__
        )
        return False
    return True


def is_waiting(queue: Queue, callback_id: int) -> bool:
    """Whether a job for this callback is queued, scheduled or running."""
    try:
        job = Job.fetch(
            job_id(callback_id), connection=queue.connection, serializer=queue.serializer
        )
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in (*WAITING, JobStatus.STARTED)


def schedule_sweeper(queue: Queue, seconds: int = SWEEP_EVERY_SECONDS) -> None:
    """Run the sweeper again in `seconds` (it reschedules itself; one job id, so one sweeper)."""
    _drop_waiting(queue, SWEEPER_JOB_ID)
    queue.enqueue_in(
        timedelta(seconds=seconds),
        SWEEP_CALLBACKS,
        job_id=SWEEPER_JOB_ID,
        job_timeout=JOB_TIMEOUT * 5,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
    )


def _drop_waiting(queue: Queue, job_key: str) -> None:
    try:
        job = Job.fetch(job_key, connection=queue.connection, serializer=queue.serializer)
    except NoSuchJobError:
        return
    if job.get_status(refresh=False) in WAITING:
        job.cancel()
        job.delete()
