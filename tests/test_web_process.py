"""The web process as the Procfile runs it: gunicorn's master loads the app once and forks its
workers from it (gunicorn.conf.py), so they share what it loaded. That is safe only while loading
the app opens no connection and starts no thread: a connection made before the fork would be
one socket written by every worker at once, and a thread would not follow the fork."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests

from bench.servers import ROOT, free_port
from hotline import create_app, db
from tests.conftest import Hotline, signed, voice_form
from tests.web_server import GUNICORN, gunicorn_serving

NOBODY_LISTENS = "127.0.0.1:9"  # never tried: loading the app must not connect


def test_the_app_loads_without_a_connection_or_a_thread(config: dict[str, Any]) -> None:
    config.update(
        DATABASE_URL=f"postgresql+psycopg://hotline@{NOBODY_LISTENS}/hotline",
        REDIS_URL=f"redis://{NOBODY_LISTENS}/0",
    )
    this = psutil.Process()
    sockets, threads = len(this.net_connections(kind="inet")), threading.active_count()
    app = create_app(config)
    assert len(this.net_connections(kind="inet")) == sockets
    assert threading.active_count() == threads
    for engine in (db.engine(app), db.steps_engine(app)):
        assert engine.pool.checkedin() == engine.pool.checkedout() == 0


@pytest.mark.slow
def test_the_workers_share_the_app_the_master_loaded(
    config: dict[str, Any], hotline: Hotline, tmp_path: Path
) -> None:
    hotline.line()
    database = config["DATABASE_URL"]
    with gunicorn_serving(config, database, tmp_path / "instance", workers=2) as (base, server):
        for n in range(40):  # new calls, each on a connection of its own: both workers serve
            form = voice_form(f"CA{n:032d}")
            answer = requests.post(
                base + "/voice/incoming", data=form, headers=signed("/voice/incoming", form)
            )
            assert answer.status_code == 200 and "<Gather" in answer.text
        master = psutil.Process(server.pid)
        workers = master.children()
        assert len(workers) == 2
        loaded = master.memory_info().rss
        for worker in workers:
            memory = worker.memory_full_info()
            # The master holds the app, not only gunicorn (about a quarter of a worker when
            # each worker loads the app itself), and most of a worker is shared with it.
            assert loaded > 0.8 * memory.rss
            assert memory.uss < 0.5 * memory.rss


@pytest.mark.slow
def test_a_missing_secret_stops_the_web_process_at_start_with_one_line_naming_it(
    tmp_path: Path,
) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOTLINE_ENV": "production",
        "HOTLINE_INSTANCE_PATH": str(tmp_path),
        "WEB_HOST": "127.0.0.1",
        "PORT": str(free_port()),
    }
    started = subprocess.run(
        GUNICORN, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode != 0
    assert "HOTLINE_SECRET_KEY" in started.stderr and "Traceback" not in started.stderr
