"""Voice webhooks take turns: a few work at once in each web process, the others wait in the order
they came, and one that waits too long gets the reserve line.

Why: in a burst (200 calls at once), 32 web threads all working at once share one GIL and two
cores; each request then takes as long as the slowest, and the order they came in is lost. A
handful working at once, handed their turns in arrival order, finish the same work sooner and
with less CPU (docs/performance.md, Turns). The threads stay at 32 all the same: a stalled
database holds a turn only until its deadline, and Twilio's fallback takes no turn, so it always
finds a thread. Nor do the SMS webhooks: texts are few, and one refused for want of a turn would
be lost, where a caller at least hears the reserve line.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

_TURNS_KEY = "hotline.turns"


class NoTurnInTime(RuntimeError):
    """A webhook waited longer than HOTLINE_WEBHOOK_WAIT_SECONDS for its turn."""


class Turns:
    """At most `at_once` holders; the others are served first come, first served.

    A turn given back goes straight to the longest waiter, so a request arriving just then
    cannot take it before one that has waited (a plain semaphore would let it). Each waiter
    blocks on a bare lock of its own, which the giver releases: a threading.Event costs a
    Condition and a notify in Python for every hand-over (under load, 6% of a hunt's samples
    holding the GIL went to handing turns over with one, 3% without).
    """

    def __init__(self, at_once: int) -> None:
        self._free = at_once
        self._waiting: deque[threading.Lock] = deque()
        self._lock = threading.Lock()

    def take(self, wait: float) -> bool | None:
        """A turn within `wait` seconds: False if it was free at once, True if it came after
        others ahead had theirs, None if none came in time."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return False
            handed = threading.Lock()
            handed.acquire()  # held until a giver releases it to us
            self._waiting.append(handed)
        if handed.acquire(timeout=max(wait, 0.0)):  # -1 would mean forever
            return True
        with self._lock:
            try:
                self._waiting.remove(handed)
            except ValueError:  # handed over just as the wait ran out: it is ours
                return True
            return None

    def give_back(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1


def install(app: Flask) -> None:
    """HOTLINE_WEBHOOKS_AT_ONCE turns for `app`'s voice webhooks (0: no limit)."""
    at_once = int(app.config["HOTLINE_WEBHOOKS_AT_ONCE"])
    if at_once > 0:
        app.extensions[_TURNS_KEY] = Turns(at_once)


@contextmanager
def turn_of(app: Flask) -> Iterator[bool]:
    """Hold one of `app`'s turns for the block, which is told whether it had to queue for it.
    Raises NoTurnInTime if none came within HOTLINE_WEBHOOK_WAIT_SECONDS."""
    turns: Turns | None = app.extensions.get(_TURNS_KEY)
    if turns is None:
        yield False
        return
    queued = turns.take(float(app.config["HOTLINE_WEBHOOK_WAIT_SECONDS"]))
    if queued is None:
        raise NoTurnInTime()
    try:
        yield queued
    finally:
        turns.give_back()
