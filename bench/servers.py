"""Servers for the benchmarks: gunicorn as in the Procfile (gunicorn.conf.py), and the CPU its
workers spent, read from /proc through psutil."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Memory:
    """A server's memory in MB: its largest worker's resident set (RSS, counting every page it
    shares with the master and the other worker), its proportional share (PSS: its own pages and
    each shared page divided among its sharers) and the pages it alone holds (USS); and the PSS of
    the master and the workers together, the server's all."""

    rss: float
    pss: float
    uss: float
    server: float


def gunicorn_command(app: str) -> list[str]:
    """The Procfile's web line for `app`, run from the repository's root (ROOT)."""
    return [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", app]


class Gunicorn:
    """`gunicorn --config gunicorn.conf.py APP` on a free loopback port, until closed."""

    def __init__(self, app: str, env: dict[str, str], workers: int = 2) -> None:
        self.app = app
        self.port = free_port()
        self.worker_count = workers
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            gunicorn_command(app),
            cwd=ROOT,
            env={
                **os.environ,
                **env,
                "WEB_HOST": "127.0.0.1",
                "PORT": str(self.port),
                "WEB_CONCURRENCY": str(workers),
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start (code {self.process.returncode})")
            try:
                requests.get(self.url + "/", timeout=1)
            except requests.RequestException:
                time.sleep(0.1)
                continue
            # One worker answered; the master may not have forked the others yet.
            if len(self.workers()) >= self.worker_count:
                return
            time.sleep(0.05)
        raise RuntimeError("gunicorn did not start within 60 s")

    def workers(self) -> list[psutil.Process]:
        """The worker processes (the master only watches them)."""
        return psutil.Process(self.process.pid).children()

    def worker_cpu_seconds(self) -> float:
        """CPU time (user and system) the workers have used so far."""
        total = 0.0
        for worker in self.workers():
            times = worker.cpu_times()
            total += times.user + times.system
        return total

    def connections_per_worker(self) -> list[int]:
        """How many open client connections each worker holds, fewest first. The workers race
        to accept a load generator's connections when it opens them all at once, and each keeps
        its own for the whole run: one may hold most of them while the other idles."""
        return sorted(
            sum(
                1
                for c in worker.net_connections(kind="tcp")
                if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == self.port
            )
            for worker in self.workers()
        )

    def memory(self) -> Memory:
        """Its memory now, read from each process's smaps."""
        workers = [worker.memory_full_info() for worker in self.workers()]
        largest = max(workers, key=lambda memory: memory.rss)
        master = psutil.Process(self.process.pid).memory_full_info()
        server = master.pss + sum(memory.pss for memory in workers)
        return Memory(largest.rss / 1e6, largest.pss / 1e6, largest.uss / 1e6, server / 1e6)

    def close(self) -> None:
        """Stop gunicorn and its workers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
