"""Handing outbox work to RQ: job arguments are a message id only, TTLs explicit."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

log = logging.getLogger(__name__)

SEND_JOB = "workers.jobs.send_sms"
REDACT_JOB = "workers.jobs.redact_sms"
SWEEP_JOB = "workers.jobs.sweep_sms"
SMS_SWEEPER_JOB_ID = "sms-sweeper"
SWEEP_EVERY_SECONDS = 60
JOB_TIMEOUT = 30  # one REST request with a 10 s timeout, and a little database work
RESULT_TTL = 3600
FAILURE_TTL = 7 * 24 * 3600
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def send_job_id(message_id: int) -> str:
    """One job id per message: delivered twice, it is still one job."""
    return f"sms-send-{message_id}"


def redaction_job_id(message_id: int) -> str:
    """One redaction job id per message."""
    return f"sms-redact-{message_id}"


def deliver_send(queue: Queue, message_id: int, at: datetime | None = None) -> bool:
    """Queue message `message_id` for sending (at `at`); False when Redis is unreachable."""
    return _deliver(queue, SEND_JOB, send_job_id(message_id), message_id, at)


def deliver_redaction(queue: Queue, message_id: int, at: datetime | None = None) -> bool:
    """Queue the redaction of message `message_id` at Twilio; False when Redis is unreachable."""
    return _deliver(queue, REDACT_JOB, redaction_job_id(message_id), message_id, at)


def _deliver(queue: Queue, function: str, key: str, message_id: int, at: datetime | None) -> bool:
    try:
        _drop_waiting(queue, key)
        options = {
            "args": (message_id,),
            "job_id": key,
            "job_timeout": JOB_TIMEOUT,
            "result_ttl": RESULT_TTL,
            "failure_ttl": FAILURE_TTL,
        }
        if at is None:
            queue.enqueue(function, **options)
        else:
            queue.enqueue_at(at, function, **options)
    except (RedisError, OSError) as exc:
        # The database keeps the message; the SMS sweeper queues it when Redis is back.
        log.warning("sms %s not queued, Redis unavailable (%s)", message_id, type(exc).__name__)
        return False
    return True


def is_waiting(queue: Queue, key: str) -> bool:
    """Whether the job `key` is queued, scheduled or running."""
    try:
        job = Job.fetch(key, connection=queue.connection, serializer=queue.serializer)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in (*WAITING, JobStatus.STARTED)


def schedule_sms_sweeper(queue: Queue, seconds: int = SWEEP_EVERY_SECONDS) -> None:
    """Run the SMS sweeper again in `seconds` (one job id, so one sweeper)."""
    _drop_waiting(queue, SMS_SWEEPER_JOB_ID)
    queue.enqueue_in(
        timedelta(seconds=seconds),
        SWEEP_JOB,
        job_id=SMS_SWEEPER_JOB_ID,
        job_timeout=JOB_TIMEOUT * 10,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
    )


def _drop_waiting(queue: Queue, key: str) -> None:
    try:
        job = Job.fetch(key, connection=queue.connection, serializer=queue.serializer)
    except NoSuchJobError:
        return
    if job.get_status(refresh=False) in WAITING:
        job.cancel()
        job.delete()
