"""Running callbacks in tests: RQ's SimpleWorker on the real Redis, the emulator's clock."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.extensions import QUEUE_NAME
from hotline.models import Callback
from hotline.simulator import CallRecord, TwilioEmulator
from workers.runner import make_worker


class Deliveries:
    """Runs what RQ would run, on the emulator's time: scheduled jobs fall due as it moves."""

    def __init__(self, app: Flask, emulator: TwilioEmulator, redis: Redis) -> None:
        self.app = app
        self.emulator = emulator
        self.queue = Queue(QUEUE_NAME, connection=redis, serializer=JSONSerializer)
        self.redis = redis

    def due_scheduled(self) -> int:
        """Move scheduled jobs whose (emulated) time has come onto the queue."""
        registry = ScheduledJobRegistry(queue=self.queue)
        moved = 0
        for job_id in registry.get_job_ids():
            job = Job.fetch(job_id, connection=self.redis, serializer=JSONSerializer)
            at = registry.get_scheduled_time(job)
            if at <= self.emulator.clock.now():
                registry.remove(job)
                self.queue.enqueue_job(job)
                moved += 1
        return moved

    def run(self, rounds: int = 20) -> list[CallRecord]:
        """Jobs, then the calls they placed, until nothing is left to do now."""
        placed: list[CallRecord] = []
        for _ in range(rounds):
            self.due_scheduled()
            worked = len(self.queue) > 0
            if worked:
                make_worker(self.app, self.redis).work(burst=True)
            calls = self.emulator.run_pending()
            placed += calls
            # Status callbacks may have queued jobs (an SMS redaction) without placing a call.
            if not worked and not calls and len(self.queue) == 0:
                return placed
        raise AssertionError("callbacks did not settle")

    def later(self, minutes: float) -> list[CallRecord]:
        """Let emulated time pass, then run what fell due."""
        self.emulator.clock.advance(minutes * 60)
        return self.run()


def the_callback(session: Session) -> Callback:
    """The only callback in the database, fresh."""
    session.expire_all()
    return session.scalars(select(Callback)).one()


def hours_until_bishkek(emulator: TwilioEmulator, hour: int) -> timedelta:
    """How far the emulator's clock is from the next `hour`:00 in Bishkek (UTC+6)."""
    now = emulator.clock.now()
    target = now.replace(hour=(hour - 6) % 24, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return target - now
