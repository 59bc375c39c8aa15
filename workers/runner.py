"""The hotline's RQ worker: JSON serializer, scheduler on, and each job run inside the app.

RQ imports job functions by name, so it cannot hand them the app: the worker holds it and
pushes its context around every job, and jobs take it from `current_app`.
"""

from __future__ import annotations

import logging
import time

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker
from rq.executions import Execution
from rq.job import Job
from rq.serializers import JSONSerializer

from hotline import reports, retention, roster
from hotline.callbacks import schedule_sweeper
from hotline.db import engine
from hotline.extensions import QUEUE_NAME, connect, redis_url
from hotline.outbox import schedule_sms_sweeper
from workers.daily import seconds_to_next_day

log = logging.getLogger(__name__)

REDIS_WAIT_SECONDS = 10  # `make run` starts Redis beside the worker: give it a moment


class InApp:
    """Runs each job with the hotline app's context pushed; `app` is set by `make_worker`."""

    app: Flask

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        """Perform the job inside the app."""
        with self.app.app_context():
            done: bool = super().perform_job(job, queue, execution)  # type: ignore[misc]
            return done


class AppWorker(InApp, Worker):
    """The production worker: each job in a forked work horse."""

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        """After the fork: never share the parent's database connections."""
        engine(self.app).dispose(close=False)
        super().main_work_horse(job, queue)


class AppSimpleWorker(InApp, SimpleWorker):
    """The same without forking: tests run jobs in their own process with it."""


def make_worker(
    app: Flask, connection: Redis | None = None, fork: bool = True
) -> AppWorker | AppSimpleWorker:
    """A worker on the app's Redis, with a blocking-friendly connection (no socket timeout)."""
    kind = AppWorker if fork else AppSimpleWorker
    worker = kind(
        [QUEUE_NAME],
        connection=connection or connect(redis_url(app), timeout=None),
        serializer=JSONSerializer,
        # Job descriptions would repeat arguments; ours are ids, but keep logs lean anyway.
        log_job_description=False,
    )
    worker.app = app
    return worker


def run(app: Flask, burst: bool = False) -> bool:
    """Work the queue (with the scheduler, so enqueue_in/enqueue_at jobs run)."""
    worker = make_worker(app)
    _wait_for_redis(worker.connection)
    if not burst:  # the sweepers then keep themselves scheduled, one minute (or day) apart
        queue = Queue(QUEUE_NAME, connection=worker.connection, serializer=JSONSerializer)
        schedule_sweeper(queue, seconds=5)
        schedule_sms_sweeper(queue, seconds=5)
        reports.schedule_folding(queue, seconds=5)
        roster.schedule_cover_check(queue, seconds_to_next_day(app))
        retention.schedule_purge(queue, seconds_to_next_day(app))
    return bool(worker.work(burst=burst, with_scheduler=True, logging_level="INFO"))


def _wait_for_redis(connection: Redis) -> None:
    deadline = time.monotonic() + REDIS_WAIT_SECONDS
    while True:
        try:
            connection.ping()
            return
        except (RedisError, OSError):
            if time.monotonic() > deadline:
                raise
            log.info("waiting for Redis")
            time.sleep(0.5)
