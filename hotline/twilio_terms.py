"""Twilio's words the hotline acts on, named once: call, dial and message statuses."""

from __future__ import annotations

from enum import StrEnum


class CallStatus(StrEnum):
    """A call's CallStatus in Twilio's webhooks and REST resources."""

    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"


# A call in one of these is over; nothing more will happen to it.
CALL_ENDED = frozenset(
    {
        CallStatus.COMPLETED,
        CallStatus.BUSY,
        CallStatus.FAILED,
        CallStatus.NO_ANSWER,
        CallStatus.CANCELED,
    }
)
# Over without ever being answered.
CALL_NEVER_ANSWERED = CALL_ENDED - {CallStatus.COMPLETED}


class DialStatus(StrEnum):
    """DialCallStatus: how a `<Dial>`'s leg ended, posted to the Dial's action."""

    COMPLETED = "completed"
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"


# MessageStatus values in the order they happen; a late, older status never wins.
MESSAGE_STATUS_ORDER = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "receiving": 3,
    "received": 4,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}
