"""Log masking: every phone-number-like text in a log record becomes "[number]".

How it works with `logging`, and why both parts exist:

- A record factory (`logging.setLogRecordFactory`) masks each record as it is created, for
  every logger and every handler, including handlers added later (Flask's, RQ's, pytest's).
  It formats `msg % args` once, masks the result and keeps it as `msg` with empty `args`,
  renders the exception traceback into a masked `exc_text` and clears `exc_info` (a
  formatter would otherwise render the raw traceback again), and masks `stack_info`.
- `PhoneMaskFilter` on the handlers present at install time masks again at emit time. It
  also catches what the factory cannot see: `extra=` attributes (set on the record after the
  factory returns) and records rebuilt with `logging.makeLogRecord` (queues, sockets).

Known gaps: `extra=` values reaching a handler added after install; text written to stderr
outside `logging` (print, an uncaught exception's default hook).

What counts as a number: a run of digits joined by spaces, hyphens or parentheses (dots and
colons are not joiners), not glued to letters, with 9 or more digits, or 7 or more when it
starts with "+", "(" or "0". ISO dates and times and UUIDs are left alone. Over-masking a
long plain integer (a Unix timestamp) is accepted: privacy first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from hotline.privacy.phones import MASKED

_ISO_DATE = r"(?<!\d)\d{4}-[01]\d-[0-3]\d(?!\d)"
_ISO_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_UUID = r"(?<![^\W_])[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}(?![^\W_])"
# "[^\W_]" is a letter or digit: a number glued to one is part of an identifier (CA0123...).
_PHONE = rf"""
    (?:(?P<plus>\+|%2[Bb])[ ]?|(?<![^\W_]))
    (?P<body>\(?\d(?:[ \t\-()]{{0,3}}(?!{_ISO_DATE})\d){{0,20}})
    (?![^\W_])
"""
_PATTERN = re.compile(rf"(?P<safe>{_ISO_DATE}{_ISO_TIME}|{_UUID})|(?P<phone>{_PHONE})", re.VERBOSE)
_MIN_DIGITS = 9
_MIN_DIGITS_MARKED = 7  # after "+", "(" or a leading 0 the text is clearly a number

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_EXTRA_TYPES = (str, int, float, list, tuple, dict)
_TRACEBACK_FORMATTER = logging.Formatter()


def mask_phone_numbers(text: str) -> str:
    """Replace every phone-number-like part of `text` with "[number]"."""
    return _PATTERN.sub(_replace, text)


def _replace(match: re.Match[str]) -> str:
    body = match.group("body")
    if body is None:
        return match.group(0)
    digits = sum(char.isdigit() for char in body)
    marked = match.group("plus") is not None or body[0] in "(0"
    if digits >= _MIN_DIGITS or (marked and digits >= _MIN_DIGITS_MARKED):
        return MASKED
    return match.group(0)


def mask_record(record: logging.LogRecord) -> None:
    """Mask a record in place: message and args, traceback, stack, `extra=` values."""
    record.msg = mask_phone_numbers(_message_of(record))
    record.args = ()
    if record.exc_info and not record.exc_text:
        record.exc_text = _TRACEBACK_FORMATTER.formatException(record.exc_info)
    # Cleared so no formatter or handler renders the unmasked traceback again.
    record.exc_info = None
    if record.exc_text:
        record.exc_text = mask_phone_numbers(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_phone_numbers(record.stack_info)
    for name, value in list(vars(record).items()):
        if name not in _STANDARD_ATTRIBUTES and isinstance(value, _EXTRA_TYPES):
            text = str(value)
            masked = mask_phone_numbers(text)
            if masked != text:
                setattr(record, name, masked)


def _message_of(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format must not crash the caller or leak args
        # logging would print the record's args to stderr on a format error: do it masked.
        return f"{record.msg!s} (arguments did not fit the message: {record.args!r})"


class PhoneMaskFilter(logging.Filter):
    """A handler filter that masks phone numbers in every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place and let it through."""
        mask_record(record)
        return True


class _MaskingRecordFactory:
    """Wraps the current record factory so each new record is masked at creation."""

    def __init__(self, base: Callable[..., logging.LogRecord]) -> None:
        self.base = base

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.base(*args, **kwargs)
        mask_record(record)
        return record


def install_phone_masking(logger: logging.Logger | None = None) -> None:
    """Mask numbers in all log records from now on; safe to call more than once."""
    target = logger if logger is not None else logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(found, PhoneMaskFilter) for found in handler.filters):
            handler.addFilter(PhoneMaskFilter())
    current = logging.getLogRecordFactory()
    if not isinstance(current, _MaskingRecordFactory):
        logging.setLogRecordFactory(_MaskingRecordFactory(current))
