"""Handing outbox work to RQ: job arguments are a message id only (see hotline.queue_jobs)."""

from __future__ import annotations

from datetime import datetime

from rq import Queue

from hotline import queue_jobs

SEND_JOB = "workers.jobs.send_sms"
REDACT_JOB = "workers.jobs.redact_sms"
SWEEP_JOB = "workers.jobs.sweep_sms"
SMS_SWEEPER_JOB_ID = "sms-sweeper"
SWEEP_EVERY_SECONDS = 60
JOB_TIMEOUT = 30  # one REST request with a 10 s timeout, and a little database work


def send_job_id(message_id: int) -> str:
    """One job id per message: delivered twice, it is still one job."""
    return f"sms-send-{message_id}"


def redaction_job_id(message_id: int) -> str:
    """One redaction job id per message."""
    return f"sms-redact-{message_id}"


def deliver_send(queue: Queue, message_id: int, at: datetime | None = None) -> bool:
    """Queue message `message_id` for sending (at `at`); False when Redis is unreachable (the
    database keeps the message; the SMS sweeper queues it when Redis is back)."""
    return queue_jobs.put(queue, SEND_JOB, send_job_id(message_id), message_id, JOB_TIMEOUT, at)


def deliver_redaction(queue: Queue, message_id: int, at: datetime | None = None) -> bool:
    """Queue the redaction of message `message_id` at Twilio; False when Redis is unreachable."""
    key = redaction_job_id(message_id)
    return queue_jobs.put(queue, REDACT_JOB, key, message_id, JOB_TIMEOUT, at)


def is_waiting(queue: Queue, key: str) -> bool:
    """Whether the job `key` is queued, scheduled or running."""
    return queue_jobs.is_waiting(queue, key)


def schedule_sms_sweeper(
    queue: Queue, seconds: int = SWEEP_EVERY_SECONDS, now: datetime | None = None
) -> None:
    """Run the SMS sweeper again in `seconds` (one job id, so one sweeper)."""
    timeout = JOB_TIMEOUT * 10
    queue_jobs.come_back(queue, SWEEP_JOB, SMS_SWEEPER_JOB_ID, seconds, timeout, now)
