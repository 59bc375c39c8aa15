"""The people on a call leg: who presses which keys at each `<Gather>`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from hotline.simulator.records import DTMF_KEYS, HANGUP
from hotline.simulator.twiml import Gather


class Party(Protocol):
    """Whoever is on a leg: asked for keys at each `<Gather>`."""

    def press(self, gather: Gather) -> str | None:
        """DTMF keys, None for no input, or HANGUP."""
        ...


class KeyScript:
    """A party pressing scripted keys, one entry per Gather; nothing once they run out."""

    def __init__(self, keys: Iterable[str | None]) -> None:
        self.keys = list(keys)
        for entry in self.keys:
            if entry is not None and entry != HANGUP and not set(entry) <= DTMF_KEYS:
                raise ValueError("a key script entry must be DTMF keys, None or HANGUP")

    def press(self, gather: Gather) -> str | None:
        """The next scripted entry."""
        return self.keys.pop(0) if self.keys else None


def gathered_digits(pressed: str | None, gather: Gather) -> tuple[str, str]:
    """Digits Twilio would submit for what was pressed, and the finishOnKey if it ended it."""
    if not pressed:
        return "", ""
    finished_on = ""
    if gather.finish_on_key and gather.finish_on_key in pressed:
        pressed = pressed[: pressed.index(gather.finish_on_key)]
        finished_on = gather.finish_on_key
    if gather.num_digits is not None:
        pressed = pressed[: gather.num_digits]
    return pressed, finished_on
