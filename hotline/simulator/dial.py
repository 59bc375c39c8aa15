"""Ring the numbers of a `<Dial>`: screening on each answered leg, the first to accept wins.

Simplification: numbers ring at once, but answered legs are screened one after another in
the order they pick up (ring_seconds), so a second screen starts when the first ends.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urljoin

from hotline.simulator.clock import Clock, new_sid, whole_seconds
from hotline.simulator.legs import DialOutcome, Fetch, Interpreter, Leg, LegEnd
from hotline.simulator.parties import KeyScript
from hotline.simulator.records import (
    Behaviour,
    DialLeg,
    Event,
    EventKind,
    LegResult,
    Notification,
    Phone,
)
from hotline.simulator.twiml import Dial, Number

INVALID_CALLER_ID = 13214
# A busy signal or an unreachable number comes back about this fast.
QUICK_FAILURE_SECONDS = 1
# The status a called leg reports in its own status callback.
LEG_STATUS = {
    LegResult.ACCEPTED: "completed",
    LegResult.SCREEN_DECLINED: "completed",
    LegResult.NO_ANSWER: "no-answer",
    LegResult.BUSY: "busy",
    LegResult.FAILED: "failed",
    LegResult.CANCELED: "canceled",
}


class DialBoard(Protocol):
    """What ringing needs from the emulator."""

    @property
    def clock(self) -> Clock:
        """The emulator's clock."""
        ...

    def phone(self, number: str) -> Phone:
        """The scripted phone at `number` (unknown numbers get the default behaviour)."""
        ...

    def may_present(self, caller_id: str, leg: Leg) -> bool:
        """True when Twilio would let `leg` show `caller_id` (an owned number, or its caller)."""
        ...

    def engage(self, numbers: list[str]) -> set[str]:
        """Mark phones as in a call; returns those that already were (a double booking)."""
        ...

    def disengage(self, numbers: list[str]) -> None:
        """The phones' part in one call is over."""
        ...

    def report_leg(
        self,
        leg: Leg,
        url: str,
        events: Collection[str],
        params: dict[str, str],
        statuses: list[str],
        duration: int | None,
    ) -> None:
        """Send a called leg's `<Number statusCallback>` requests."""
        ...


@dataclass
class _Attempt:
    number: Number
    phone: Phone
    call_sid: str
    result: LegResult | None = None
    answered: datetime | None = None
    ended: datetime | None = None
    transcript: list[Event] = field(default_factory=list)


def ring(
    board: DialBoard, interpreter: Interpreter, parent: Leg, dial: Dial, document_url: str
) -> DialOutcome:
    """Ring every number of `dial` from `parent`, screen the answers, connect the first."""
    caller_id = dial.caller_id or parent.params["From"]
    if dial.record != "do-not-record":
        message = f"the app asked Twilio to record the call (<Dial record={dial.record!r}>)"
        parent.record.notifications.append(Notification(0, message))
    if not board.may_present(caller_id, parent):
        message = "Dial: invalid callerId (not a number of this account)"
        parent.record.notifications.append(Notification(INVALID_CALLER_ID, message))
        return _outcome(dial, caller_id, [], winner=None, talk=0)
    numbers = [number.number for number in dial.numbers]
    engaged = board.engage(numbers)
    try:
        return _ring(board, interpreter, parent, dial, document_url, engaged)
    finally:
        board.disengage(numbers)


def _ring(
    board: DialBoard,
    interpreter: Interpreter,
    parent: Leg,
    dial: Dial,
    document_url: str,
    engaged: set[str],
) -> DialOutcome:
    caller_id = dial.caller_id or parent.params["From"]
    start = board.clock.now()
    # A phone already ringing or talking in another call is busy: no call waiting.
    attempts = [
        _Attempt(
            number,
            Phone(number.number, Behaviour.BUSY)
            if number.number in engaged
            else board.phone(number.number),
            new_sid("CA"),
        )
        for number in dial.numbers
    ]
    winner = _answer_in_turn(board.clock, interpreter, parent, attempts, dial, document_url)
    interrupted = parent.take_update()
    if interrupted is not None:
        winner = None  # the app sent the call elsewhere: nobody gets connected
    _settle(board.clock, attempts, dial, start, over=winner is not None or interrupted is not None)
    talk = _talk(board.clock, winner, dial, caller_id)
    for attempt in attempts:
        _report(board, parent, attempt, caller_id, document_url)
    outcome = _outcome(dial, caller_id, attempts, winner, talk, interrupted is not None)
    return replace(outcome, interrupted=interrupted)


def _answer_in_turn(
    clock: Clock,
    interpreter: Interpreter,
    parent: Leg,
    attempts: list[_Attempt],
    dial: Dial,
    document_url: str,
) -> _Attempt | None:
    """Screen the phones that pick up, in pickup order; the first to accept wins."""
    start = clock.now()
    caller_id = dial.caller_id or parent.params["From"]
    pickups = [a for a in attempts if a.phone.answers and a.phone.ring_seconds < dial.timeout]
    for attempt in sorted(pickups, key=lambda a: a.phone.ring_seconds):
        if parent.update is not None:
            return None
        _advance_to(clock, start + timedelta(seconds=attempt.phone.ring_seconds))
        attempt.answered = clock.now()
        attempt.result = _screen(interpreter, parent, attempt, caller_id, document_url)
        attempt.ended = clock.now()
        if attempt.result is LegResult.ACCEPTED:
            return attempt
    return None


def _settle(
    clock: Clock, attempts: list[_Attempt], dial: Dial, start: datetime, over: bool
) -> None:
    """Give the legs that never answered their result; ring out the Dial when nobody won."""
    for attempt in attempts:
        if attempt.result is None:
            attempt.result = _unanswered(attempt.phone, canceled=over)
    if not over:
        ringing = any(a.result is LegResult.NO_ANSWER for a in attempts)
        seconds = dial.timeout if ringing else QUICK_FAILURE_SECONDS
        _advance_to(clock, start + timedelta(seconds=seconds))


def _talk(clock: Clock, winner: _Attempt | None, dial: Dial, caller_id: str) -> int:
    """The connected counsellor talks, then hangs up; returns the seconds talked."""
    if winner is None:
        return 0
    talk = min(winner.phone.talk_seconds, dial.time_limit)
    clock.advance(talk)
    winner.ended = clock.now()
    winner.transcript.append(Event(EventKind.CONNECTED, number=caller_id, seconds=talk))
    return talk


def _screen(
    interpreter: Interpreter, parent: Leg, attempt: _Attempt, caller_id: str, document_url: str
) -> LegResult:
    if attempt.number.url is None:
        return LegResult.ACCEPTED
    leg = Leg(
        record=parent.record,
        call_sid=attempt.call_sid,
        params=_leg_params(parent, attempt, caller_id),
        party=KeyScript(attempt.phone.key_script()),
        transcript=attempt.transcript,
        screening=True,
        answered=True,
    )
    url = urljoin(document_url, attempt.number.url)
    end = interpreter.run(leg, Fetch(url, attempt.number.method))
    if end is LegEnd.COMPLETED:
        return LegResult.ACCEPTED  # a screen that runs out without hanging up is bridged
    if end is LegEnd.ERROR:
        return LegResult.FAILED
    return LegResult.SCREEN_DECLINED


def _leg_params(parent: Leg, attempt: _Attempt, caller_id: str) -> dict[str, str]:
    number = attempt.number.number
    return {
        "AccountSid": parent.params["AccountSid"],
        "ApiVersion": parent.params["ApiVersion"],
        "CallSid": attempt.call_sid,
        "ParentCallSid": parent.call_sid,
        "Direction": "outbound-dial",
        "From": caller_id,
        "Caller": caller_id,
        "To": number,
        "Called": number,
    }


def _unanswered(phone: Phone, canceled: bool) -> LegResult:
    if phone.behaviour is Behaviour.BUSY:
        return LegResult.BUSY
    if phone.behaviour is Behaviour.FAIL:
        return LegResult.FAILED
    return LegResult.CANCELED if canceled else LegResult.NO_ANSWER


def _advance_to(clock: Clock, moment: datetime) -> None:
    ahead = (moment - clock.now()).total_seconds()
    if ahead > 0:
        clock.advance(ahead)


def _report(
    board: DialBoard, parent: Leg, attempt: _Attempt, caller_id: str, document_url: str
) -> None:
    if attempt.number.status_callback is None or attempt.result is None:
        return
    statuses = ["initiated", "ringing"]
    if attempt.answered is not None:
        statuses.append("in-progress")
    statuses.append(LEG_STATUS[attempt.result])
    params = _leg_params(parent, attempt, caller_id)
    duration = whole_seconds(attempt.answered, attempt.ended) if attempt.ended else 0
    url = urljoin(document_url, attempt.number.status_callback)
    events = attempt.number.status_callback_event
    board.report_leg(parent, url, events, params, statuses, duration)


def _outcome(
    dial: Dial,
    caller_id: str,
    attempts: list[_Attempt],
    winner: _Attempt | None,
    talk: int,
    interrupted: bool = False,
) -> DialOutcome:
    legs = tuple(
        DialLeg(
            number=a.number.number,
            call_sid=a.call_sid,
            result=a.result or LegResult.FAILED,
            seconds=whole_seconds(a.answered, a.ended) if a.ended else 0,
            transcript=tuple(a.transcript),
        )
        for a in attempts
    )
    status = "canceled" if interrupted else _dial_call_status(legs, bridged=winner is not None)
    params = {"DialCallStatus": status, "DialBridged": "true" if winner else "false"}
    answered = [leg for leg, a in zip(legs, attempts, strict=True) if a.answered is not None]
    # Twilio names the connected leg, else one that answered, else one it rang.
    connected_leg = [leg for leg in answered if winner and leg.call_sid == winner.call_sid]
    shown = connected_leg + answered + list(legs)
    if shown:
        params["DialCallSid"] = shown[0].call_sid
    if answered:
        params["DialCallDuration"] = str(shown[0].seconds)
    event = Event(EventKind.DIAL, number=caller_id, status=status, seconds=dial.timeout, legs=legs)
    connected = None
    if winner is not None:
        connected = Event(EventKind.CONNECTED, number=winner.number.number, seconds=talk)
    return DialOutcome(event, params, connected)


def _dial_call_status(legs: tuple[DialLeg, ...], bridged: bool) -> str:
    results = {leg.result for leg in legs}
    if bridged or LegResult.SCREEN_DECLINED in results:
        return "completed"
    if results == {LegResult.BUSY}:
        return "busy"
    if not results or results == {LegResult.FAILED}:
        return "failed"
    return "no-answer"
