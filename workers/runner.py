"""Run an RQ worker for the hotline queue: JSON serializer, scheduler on, logs masked."""

from __future__ import annotations

from flask import Flask
from rq import Queue, Worker
from rq.serializers import JSONSerializer

from hotline.callback_queue import schedule_sweeper
from hotline.queueing import QUEUE_NAME, connect


def make_worker(app: Flask) -> Worker:
    """A worker on the app's Redis with a blocking-friendly connection (no socket timeout)."""
    connection = connect(app.config["HOTLINE_REDIS_URL_RESOLVED"], timeout=None)
    return Worker(
        [QUEUE_NAME],
        connection=connection,
        serializer=JSONSerializer,
        # Job descriptions would repeat arguments; ours are ids, but keep logs lean anyway.
        log_job_description=False,
    )


def run(app: Flask, burst: bool = False) -> bool:
    """Work the queue (with the scheduler, so enqueue_in/enqueue_at jobs run)."""
    worker = make_worker(app)
    if not burst:  # the sweeper then keeps itself scheduled, one minute apart
        schedule_sweeper(
            Queue(QUEUE_NAME, connection=worker.connection, serializer=JSONSerializer), seconds=5
        )
    return bool(worker.work(burst=burst, with_scheduler=True, logging_level="INFO"))
