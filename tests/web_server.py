"""The web process as the Procfile starts it (gunicorn with gunicorn.conf.py, the benchmarks'
server), for the tests that need a real server: the app's settings taken from a test's config."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from subprocess import Popen
from typing import Any

from bench.servers import Gunicorn, gunicorn_command
from tests.conftest import PUBLIC_URL

APP = "hotline:create_app()"
GUNICORN = gunicorn_command(APP)
SETTINGS = (
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "HOTLINE_PSEUDONYM_KEY", "HOTLINE_ENCRYPTION_KEY",
    "HOTLINE_BACKUP_NUMBER", "REDIS_URL",
)  # fmt: skip


@contextmanager
def gunicorn_serving(
    config: dict[str, Any], database_url: str, instance: Path, workers: int = 1
) -> Iterator[tuple[str, Popen[bytes]]]:
    """gunicorn serving the hotline on `database_url` until the block ends, every worker up: its
    base URL and the master's process."""
    env = {
        **{name: str(config[name]) for name in SETTINGS},
        "DATABASE_URL": database_url,
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "HOTLINE_INSTANCE_PATH": str(instance),
    }
    with Gunicorn(APP, env, workers) as server:
        yield server.url, server.process
