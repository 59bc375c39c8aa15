"""The emulator's errors: a flat, small list."""

from __future__ import annotations


class SimulatorError(RuntimeError):
    """The emulator was asked for something it cannot do (never says a number)."""


class UnknownLine(SimulatorError):
    """A call or SMS to a number the emulated account does not own."""


class ApiError(Exception):
    """A Twilio REST error: HTTP status, Twilio's code and message (never a number)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
