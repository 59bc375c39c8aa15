"""Handing callbacks to RQ: job arguments are the callback id only (see hotline.queue_jobs)."""

from __future__ import annotations

from datetime import datetime

from rq import Queue

from hotline import queue_jobs

PLACE_CALLBACK = "workers.jobs.place_callback"
SWEEP_CALLBACKS = "workers.jobs.sweep_callbacks"
SWEEPER_JOB_ID = "callback-sweeper"
SWEEP_EVERY_SECONDS = 60
JOB_TIMEOUT = 60  # placing is two REST requests; a hung one must not hold the worker


def job_id(callback_id: int) -> str:
    """One job id per callback, so a re-delivery replaces the job instead of adding one."""
    return f"callback-{callback_id}"


def deliver(queue: Queue, callback_id: int, at: datetime | None = None) -> bool:
    """Queue the callback for placing (at `at`); False when Redis is unreachable (the database
    keeps the callback and the sweeper queues it when Redis is back)."""
    return queue_jobs.put(queue, PLACE_CALLBACK, job_id(callback_id), callback_id, JOB_TIMEOUT, at)


def is_waiting(queue: Queue, callback_id: int) -> bool:
    """Whether a job for this callback is queued, scheduled or running."""
    return queue_jobs.is_waiting(queue, job_id(callback_id))


def schedule_sweeper(
    queue: Queue, seconds: int = SWEEP_EVERY_SECONDS, now: datetime | None = None
) -> None:
    """Run the sweeper again in `seconds` (it reschedules itself; one job id, so one sweeper)."""
    timeout = JOB_TIMEOUT * 5
    queue_jobs.come_back(queue, SWEEP_CALLBACKS, SWEEPER_JOB_ID, seconds, timeout, now)
