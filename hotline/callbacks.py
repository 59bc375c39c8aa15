"""Callbacks the hotline owes: asked for with consent, kept in the database, number sealed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.keyring import Keyring
from hotline.models import Call, Callback, CallbackState, SafeWindow

# The caller's answer to "when is it safe?" (the keys of the callback_when prompt).
WINDOW_KEYS = {
    "1": SafeWindow.ASAP,
    "2": SafeWindow.MORNING,
    "3": SafeWindow.AFTERNOON,
    "4": SafeWindow.EVENING,
}


def request_callback(
    session: Session,
    keyring: Keyring,
    call: Call,
    number: str,
    language: str,
    window: SafeWindow,
    now: datetime,
) -> Callback:
    """Record a consented callback to `number` (sealed at once), pending delivery."""
    callback = Callback(
        line_id=call.line_id,
        caller=call.caller,
        number_sealed=keyring.seal(number),
        language=language,
        consent=True,
        safe_window=window,
        state=CallbackState.PENDING,
        requested_at=now,
        next_attempt_at=now,
        source_call_sid=call.call_sid,
    )
    session.add(callback)
    return callback
