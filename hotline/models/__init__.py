"""Every table of the hotline, importable from one place."""

from hotline.models.audit import AuditEntry, AuditHead, Block
from hotline.models.base import Base, utcnow
from hotline.models.callbacks import Callback, HeldNumber
from hotline.models.calls import Call, CallAttempt
from hotline.models.directory import Centre, Line
from hotline.models.enums import (
    AttemptResult,
    CallbackState,
    CallOutcome,
    Direction,
    DutyOverride,
    Measure,
    Role,
    SafeWindow,
    SendState,
    Strategy,
)
from hotline.models.figures import CoverAlert, Tally
from hotline.models.messages import Conversation, Message
from hotline.models.people import Counsellor, Shift, User

__all__ = [
    "AttemptResult",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Block",
    "Call",
    "CallAttempt",
    "Callback",
    "CallbackState",
    "CallOutcome",
    "Centre",
    "Conversation",
    "Counsellor",
    "CoverAlert",
    "Direction",
    "DutyOverride",
    "HeldNumber",
    "Line",
    "Measure",
    "Message",
    "Role",
    "SafeWindow",
    "SendState",
    "Shift",
    "Strategy",
    "Tally",
    "User",
    "utcnow",
]
