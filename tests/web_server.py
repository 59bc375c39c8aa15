"""The web process as the Procfile starts it (gunicorn with gunicorn.conf.py), for the tests
that need a real server: the app's settings taken from a test's config, on a free local port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from bench.servers import free_port
from tests.conftest import PUBLIC_URL

ROOT = Path(__file__).resolve().parent.parent
# As the Procfile's web line, run from the repository's root.
GUNICORN = [
    sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "hotline:create_app()",
]  # fmt: skip
SETTINGS = (
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "HOTLINE_PSEUDONYM_KEY", "HOTLINE_ENCRYPTION_KEY",
    "HOTLINE_BACKUP_NUMBER", "REDIS_URL",
)  # fmt: skip


@contextmanager
def gunicorn_serving(
    config: dict[str, Any], database_url: str, instance: Path, workers: int = 1
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """gunicorn serving the hotline on `database_url` until the block ends: its base URL and
    the master's process."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        **{name: str(config[name]) for name in SETTINGS},
        "DATABASE_URL": database_url,
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "HOTLINE_INSTANCE_PATH": str(instance),
        "WEB_HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
    }
    server = subprocess.Popen(
        GUNICORN, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_served(base)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=15)


def wait_until_served(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/healthz", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")
