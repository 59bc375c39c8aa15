"""The states and outcomes the hotline records, as str Enums stored by value."""

from __future__ import annotations

from enum import StrEnum

# Routing owns these two; the tables store them.
from hotline.routing.counsellors import DutyOverride
from hotline.routing.strategies import Strategy

__all__ = ["DutyOverride", "Strategy"]


class CallOutcome(StrEnum):
    """How a call ended, for the log and the monthly figures."""

    IN_PROGRESS = "in-progress"
    ANSWERED = "answered"
    ABANDONED_IN_MENU = "abandoned-in-menu"
    ABANDONED_WAITING = "abandoned-waiting"
    NO_COUNSELLOR = "no-counsellor"
    CALLBACK_REQUESTED = "callback-requested"
    INFORMATION = "information"
    BLOCKED = "blocked"
    RESERVE_LINE = "reserve-line"  # sent on to HOTLINE_BACKUP_NUMBER
    FAILED = "failed"


class AttemptResult(StrEnum):
    """What happened when one counsellor was offered a call."""

    RINGING = "ringing"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"
    CANCELED = "canceled"


class CallbackState(StrEnum):
    """The callback state machine; the database is its source of truth."""

    PENDING = "pending"
    SCHEDULED = "scheduled"
    RINGING_COUNSELLOR = "ringing-counsellor"
    RINGING_CALLER = "ringing-caller"
    COMPLETED = "completed"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


TERMINAL_CALLBACK_STATES = frozenset(
    {CallbackState.COMPLETED, CallbackState.FAILED, CallbackState.EXPIRED, CallbackState.CANCELLED}
)


class SafeWindow(StrEnum):
    """When a caller said a callback is safe (Asia/Bishkek time)."""

    ASAP = "asap"
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


class Direction(StrEnum):
    """Direction of an SMS."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class SendState(StrEnum):
    """Where an outbox message is: waiting for the worker, being sent, with Twilio, or not sent."""

    WAITING = "waiting"
    SENDING = "sending"  # claimed: the REST request is (or was) under way
    HANDED = "handed"  # Twilio took it; its status comes in status callbacks
    FAILED = "failed"  # refused for good, or given up; the number is erased


class Measure(StrEnum):
    """What a tally of the daily figures counts; each has its own breakdown (hotline.reports)."""

    CALLS = "calls"  # language, area, kind = outcome; amount = billed minutes
    HOURS = "hours"  # bucket = the local hour of day the call started
    WAITS = "waits"  # answered calls; bucket = whole seconds from start to answer
    OFFERS = "offers"  # bucket = counsellor id; kind = accepted, missed or other
    CALLBACKS = "callbacks"  # language, kind = the state it closed in
    MESSAGES = "messages"  # language, kind = direction; amount = segments
    CONVERSATIONS = "conversations"  # SMS relay conversations opened; language


class Role(StrEnum):
    """What a console user may do: supervisors read the log and block; admins run the roster."""

    SUPERVISOR = "supervisor"
    ADMIN = "admin"
