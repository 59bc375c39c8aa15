"""The long-lived processes (gunicorn's web master and workers, `hotline worker`) take what they
loaded at start out of the cyclic garbage collector's walks: it lives as long as they do, and
each full collection would walk it again, holding the GIL."""

from __future__ import annotations

import gc
import runpy
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis

from hotline.extensions import get_queue
from workers import runner

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process is not long-lived: what a test froze is given back to the collector."""
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_the_web_master_freezes_what_it_loaded_before_it_forks_a_worker() -> None:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["preload_app"] is True and gc.get_freeze_count() == 0
    settings["pre_fork"](None, None)  # gunicorn calls it in the master before each fork
    assert gc.get_freeze_count() > 10_000


@pytest.mark.usefixtures("unfrozen")
def test_the_job_worker_freezes_what_it_loaded_before_it_works(app: Flask, redis: Redis) -> None:
    get_queue(app, redis).enqueue(f"{__name__}.frozen_so_far", job_id="frozen")
    runner.run(app, burst=True)  # `hotline worker --burst`
    job = get_queue(app, redis).fetch_job("frozen")
    assert job is not None and job.return_value() > 10_000


def frozen_so_far() -> int:
    """A job that says how many objects the collector had set aside when it ran."""
    return gc.get_freeze_count()
