"""What the emulator knows and remembers: lines, scripted phones, calls, messages, requests."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Final

HANGUP: Final = "hangup"
"""In a key script: the party hangs up at that `<Gather>` instead of pressing keys."""

DTMF_KEYS: Final = frozenset("0123456789*#")


class Behaviour(StrEnum):
    """How a scripted phone treats a call that rings it."""

    ANSWER_ACCEPT = "accept"  # answers, presses "1" at the first Gather, talks, hangs up
    REJECT_SCREEN = "reject"  # answers, presses "2" at the first Gather
    VOICEMAIL = "voicemail"  # answers but presses nothing (a voicemail box)
    IGNORE = "ignore"  # rings until the caller gives up: no-answer
    BUSY = "busy"  # busy at once
    FAIL = "fail"  # unreachable: the leg fails; SMS to it are undelivered


ANSWERING: Final = frozenset(
    {Behaviour.ANSWER_ACCEPT, Behaviour.REJECT_SCREEN, Behaviour.VOICEMAIL}
)


@dataclass(frozen=True)
class Phone:
    """A scripted party: a counsellor's mobile, or a caller we ring back."""

    number: str
    behaviour: Behaviour = Behaviour.ANSWER_ACCEPT
    talk_seconds: int = 60
    ring_seconds: int = 5
    keys: tuple[str | None, ...] | None = None  # replaces the behaviour's own key presses

    def key_script(self) -> list[str | None]:
        """The keys pressed at each Gather of one call, first Gather first."""
        if self.keys is not None:
            return list(self.keys)
        if self.behaviour is Behaviour.ANSWER_ACCEPT:
            return ["1"]
        if self.behaviour is Behaviour.REJECT_SCREEN:
            return ["2"]
        return []

    @property
    def answers(self) -> bool:
        """True when the phone picks up at all."""
        return self.behaviour in ANSWERING


@dataclass(frozen=True)
class Line:
    """A number the emulated account owns, with its console webhooks (paths or URLs)."""

    number: str
    voice_url: str = "/voice/incoming"
    status_callback: str | None = "/voice/status"
    voice_fallback_url: str | None = "/voice/fallback"
    sms_url: str = "/sms/incoming"
    sms_status_callback: str | None = "/sms/status"


class EventKind(StrEnum):
    """What a party experiences during a call."""

    SAY = "say"
    PLAY = "play"
    PAUSE = "pause"
    GATHER = "gather"
    DIAL = "dial"
    CONNECTED = "connected"
    HANGUP = "hangup"  # the app hung up (<Hangup> or a REST update)
    REJECT = "reject"
    CALLER_HANGUP = "caller-hangup"  # the party on this leg hung up
    ERROR = "error"  # Twilio's "An application error has occurred"


class LegResult(StrEnum):
    """How one `<Number>` of a `<Dial>` ended."""

    ACCEPTED = "accepted"  # answered, screen passed (or none): bridged
    SCREEN_DECLINED = "screen-declined"  # answered, but the screen hung up: not bridged
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"
    CANCELED = "canceled"  # another number was connected first


@dataclass(frozen=True)
class DialLeg:
    """One number rung by a `<Dial>`: its result and what that party heard."""

    number: str
    call_sid: str
    result: LegResult
    seconds: int = 0  # answered time: screening plus talking
    transcript: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Event:
    """One thing a party heard or did; unused fields keep their defaults."""

    kind: EventKind
    text: str = ""  # Say text, Play URL, error message
    voice: str = ""
    language: str = ""
    loop: int = 1
    digits: str | None = None  # Gather: keys pressed, None when nothing was pressed
    seconds: int = 0  # Pause length, Gather timeout, talking time
    number: str = ""  # CONNECTED: who; DIAL: the caller ID shown
    status: str = ""  # DIAL: DialCallStatus; REJECT: reason
    legs: tuple[DialLeg, ...] = ()
    code: int = 0  # ERROR: Twilio's error code

    def __repr__(self) -> str:
        # Only what is set: a transcript in a failing assertion stays readable.
        shown = [
            f"{item.name}={getattr(self, item.name)!r}"
            for item in fields(self)[1:]
            if getattr(self, item.name) != item.default
        ]
        return f"Event({', '.join([self.kind.value, *shown])})"


@dataclass(frozen=True)
class WebhookRequest:
    """One request the emulator made to the app, and the app's answer."""

    url: str
    path: str
    method: str
    params: dict[str, str]
    signature: str
    status: int  # 0 when the app could not be reached
    content_type: str
    body: str


@dataclass(frozen=True)
class Notification:
    """An error Twilio would show in its debugger (the caller may not notice it)."""

    code: int
    message: str
    url: str = ""


@dataclass
class CallRecord:
    """One call: a Twilio Call resource plus everything the emulator saw happen."""

    call_sid: str
    account_sid: str
    direction: str  # inbound, outbound-api, outbound-dial
    from_: str
    to: str
    created: datetime
    status: str = "queued"
    parent_call_sid: str | None = None
    started: datetime | None = None
    answered: datetime | None = None
    ended: datetime | None = None
    duration: int = 0
    answered_by: str | None = None
    transcript: list[Event] = field(default_factory=list)
    requests: list[WebhookRequest] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)

    def said(self) -> list[str]:
        """The text of every `<Say>` the caller heard, in order."""
        return [event.text for event in self.transcript if event.kind is EventKind.SAY]

    def events(self, kind: EventKind) -> list[Event]:
        """The transcript's events of one kind."""
        return [event for event in self.transcript if event.kind is kind]

    def requests_to(self, path: str) -> list[WebhookRequest]:
        """The webhook requests made to `path` (query string ignored), in order."""
        return [request for request in self.requests if request.path == path]


@dataclass
class SmsMessage:
    """One SMS through the emulated account (a Twilio Message resource)."""

    message_sid: str
    account_sid: str
    direction: str  # inbound, outbound-api, outbound-reply
    from_: str
    to: str
    body: str
    created: datetime
    status: str = "queued"
    num_segments: int = 1
    status_callback: str | None = None
    sent: datetime | None = None
    updated: datetime | None = None
    error_code: int | None = None

    @property
    def final(self) -> bool:
        """True once Twilio is done with it (the body may then be redacted or deleted)."""
        return self.status in ("delivered", "undelivered", "failed", "received", "canceled")


@dataclass(frozen=True)
class RestFault:
    """What the next Messages.create (or Calls.create) meets: a refusal, or Twilio taking the
    message or call and the answer failing all the same (`taken`), as when a response is lost
    on the way back or Twilio errs after acting."""

    status: int
    code: int
    taken: bool = False


@dataclass(frozen=True)
class OutboundCall:
    """What `calls.create` asked for, besides the two numbers."""

    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    fallback_url: str | None = None
    status_callback: str | None = None
    status_callback_events: tuple[str, ...] = ("completed",)
    timeout: int = 60
    machine_detection: str | None = None
