"""The laptop's embedded Redis never outlives whoever started it: a test run, a command, or a
process killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from hotline import embedded_redis

ROOT = Path(__file__).resolve().parent.parent


def servers_under(folder: Path) -> list[psutil.Process]:
    """redis-server processes whose socket or data folder lies under `folder`."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if "redis-server" in cmdline and str(folder) in cmdline:
            found.append(process)
    return found


def gone_within(folder: Path, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while servers_under(folder):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def clean_env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    return {**env, **changes}


def test_a_test_run_leaves_no_redis_server(tmp_path: Path) -> None:
    basetemp = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={basetemp}",
         "tests/test_health.py::test_healthy_only_with_a_live_worker"],
        cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert gone_within(basetemp)


def test_a_command_that_needed_redis_stops_the_server_it_started(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    env = clean_env(HOTLINE_INSTANCE_PATH=str(instance))
    for command in (["db", "upgrade"], ["callbacks", "sweep"]):
        result = subprocess.run(
            [sys.executable, "-m", "hotline.cli", *command],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "expired 0, recovered 0, queued 0"
    assert (instance / "redis.log").exists()  # it really did start one
    assert gone_within(instance)


def test_a_killed_owner_takes_its_server_with_it(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from hotline import embedded_redis;"
         "embedded_redis.join_or_start(Path(sys.argv[1])); print('up', flush=True);"
         "time.sleep(60)", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    ) as owner:  # fmt: skip
        assert owner.stdout is not None and owner.stdout.readline().strip() == "up"
        assert embedded_redis.answering(tmp_path) and servers_under(tmp_path)
        owner.send_signal(signal.SIGKILL)  # no atexit hook runs
        owner.wait(timeout=10)
    assert gone_within(tmp_path)


def test_a_second_process_joins_the_running_server(tmp_path: Path) -> None:
    first = embedded_redis.join_or_start(tmp_path)
    try:
        second = subprocess.run(
            [sys.executable, "-c",
             "import sys; from pathlib import Path; from hotline import embedded_redis;"
             "print(embedded_redis.join_or_start(Path(sys.argv[1])))", str(tmp_path)],
            cwd=ROOT, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert second.stdout.strip() == first
        assert embedded_redis.answering(tmp_path)  # the joiner left it running at its exit
        assert len(servers_under(tmp_path)) == 1
    finally:
        embedded_redis.stop(tmp_path)
    assert gone_within(tmp_path)


def test_hotline_redis_serves_until_stopped_then_leaves_nothing(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "redis", "--instance", str(tmp_path)], cwd=ROOT
    ) as server:
        deadline = time.monotonic() + 10
        while not embedded_redis.answering(tmp_path):
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.05)
        server.send_signal(signal.SIGTERM)  # what honcho sends on Ctrl-C
        assert server.wait(timeout=10) == 0
    assert not embedded_redis.answering(tmp_path) and gone_within(tmp_path)


def test_stopping_one_server_leaves_the_others_of_its_owner_running(tmp_path: Path) -> None:
    kept, stopped = tmp_path / "kept", tmp_path / "stopped"
    embedded_redis.join_or_start(kept)
    embedded_redis.join_or_start(stopped)
    try:
        embedded_redis.stop(stopped)
        assert gone_within(stopped)
        assert embedded_redis.answering(kept)  # a test's own server stopped, not the session's
    finally:
        embedded_redis.stop(kept)
    assert gone_within(kept)
