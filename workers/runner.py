"""The hotline's RQ worker: JSON serializer, scheduler on, and each job run inside the app, in
the worker's own process.

RQ imports job functions by name, so it cannot hand them the app: the worker holds it and
pushes its context around every job, and jobs take it from `current_app`.
"""

from __future__ import annotations

import gc
import logging
import os
import time

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.executions import Execution
from rq.job import Job
from rq.serializers import JSONSerializer

from hotline import db, reports, retention, roster
from hotline.callbacks import schedule_sweeper
from hotline.extensions import QUEUE_NAME, connect, redis_url
from hotline.outbox import schedule_sms_sweeper
from workers.daily import seconds_to_next_day

log = logging.getLogger(__name__)

REDIS_WAIT_SECONDS = 10  # `make run` starts Redis beside the worker: give it a moment


class AppWorker(SimpleWorker):
    """The hotline's worker: each job in this process, inside the app, on the app's pools.

    rq's default worker forks a work horse per job; a horse starts cold (a new database
    connection, Twilio's client modules imported, SQL compiled again) and placing a callback
    took about 300 ms in one against 45 ms here. What the horse gave is kept this way:
    - a job past its `job_timeout` is stopped by rq's death penalty (SIGALRM), which interrupts
      it in this process just as in a horse; every call a job makes that can block has its own
      timeout besides (database connect and statement, Twilio, Redis);
    - a worker killed mid-job takes its job with it (no horse is left running on its own); RQ
      sees the job abandoned, and the claims in the database and the sweepers settle what it
      left, so nothing is placed or sent twice.
    """

    app: Flask  # set by `make_worker`

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        """Perform the job inside the app."""
        with self.app.app_context():
            done: bool = super().perform_job(job, queue, execution)
            return done


def make_worker(app: Flask, connection: Redis | None = None) -> AppWorker:
    """A worker on the app's Redis, with a blocking-friendly connection (no socket timeout)."""
    worker = AppWorker(
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
    # rq forks its scheduler from this process: the child must never use or close our
    # database connections (SQLAlchemy's advice for a fork).
    os.register_at_fork(after_in_child=lambda: db.dispose(app, close=False))
    _wait_for_redis(worker.connection)
    # What is loaded by now lives as long as the worker: the cyclic garbage collector need not
    # walk it in every full collection, nor once more at exit (0.3 to 0.6 s of a burst's run).
    gc.freeze()
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
