"""Run the TwiML of one call leg: what its party hears, the keys it presses, what comes next."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol
from urllib.parse import urljoin

from hotline.simulator.clock import Clock
from hotline.simulator.parties import Party, gathered_digits
from hotline.simulator.records import (
    HANGUP,
    CallRecord,
    Event,
    EventKind,
    Notification,
)
from hotline.simulator.transports import WebhookResponse
from hotline.simulator.twiml import (
    PARSE_FAILURE,
    Dial,
    Gather,
    Hangup,
    Pause,
    Play,
    Prompt,
    Redirect,
    Reject,
    Say,
    TwimlError,
    Verb,
    parse_voice,
)

APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."
HTTP_RETRIEVAL_FAILURE = 11200
INVALID_CONTENT_TYPE = 12300
TWIML_TYPES = frozenset({"text/xml", "application/xml", "text/html"})
# A party stuck in a loop with no way out hangs up after this many documents.
MAX_DOCUMENTS = 60
# Rough speaking time, so durations grow with what the caller hears.
SAY_CHARACTERS_PER_SECOND = 12
PLAY_SECONDS = 4
# What Twilio allows in a <Number url> screen (Play, Say, Gather, Hangup; Pause is harmless).
SCREEN_VERBS = (Say, Play, Pause, Gather, Hangup)


@dataclass(frozen=True)
class Fetch:
    """The next document to request: absolute URL, method, and parameters to add."""

    url: str
    method: str = "POST"
    extra: dict[str, str] = field(default_factory=dict)


class LegEnd(StrEnum):
    """Why a leg stopped running TwiML."""

    COMPLETED = "completed"  # the document ran out (on a screen: accepted)
    HANGUP = "hangup"  # <Hangup>, or a REST update with status=completed
    REJECTED = "rejected"  # <Reject>: no-answer
    REJECTED_BUSY = "rejected-busy"  # <Reject reason="busy">: busy
    PARTY_HANGUP = "party-hangup"  # the party on this leg hung up
    ERROR = "error"  # Twilio played its application error


Step = Fetch | LegEnd


@dataclass(eq=False)
class Leg:
    """One call leg driven by TwiML: its parameters, its party and what it heard."""

    record: CallRecord
    call_sid: str
    params: dict[str, str]  # sent with every request of this leg; CallStatus is added
    party: Party
    transcript: list[Event]
    fallback_url: str | None = None
    screening: bool = False
    answered: bool = False
    listener: Callable[[Event], None] | None = None
    update: Step | None = None  # a REST update waiting to interrupt the leg

    @property
    def call_status(self) -> str:
        """CallStatus as Twilio reports it while the leg runs."""
        return "in-progress" if self.answered else "ringing"

    def emit(self, event: Event) -> None:
        """Add to the transcript and tell whoever is watching."""
        self.transcript.append(event)
        if self.listener is not None:
            self.listener(event)

    def take_update(self) -> Step | None:
        """The pending REST update, once."""
        update, self.update = self.update, None
        return update


@dataclass(frozen=True)
class DialOutcome:
    """How a `<Dial>` ended, for the caller's transcript and the Dial action."""

    event: Event
    action_params: dict[str, str]
    connected: Event | None = None
    interrupted: Step | None = None


class Switchboard(Protocol):
    """What the interpreter needs from the emulator."""

    @property
    def clock(self) -> Clock:
        """The emulator's clock."""
        ...

    def fetch(self, leg: Leg, request: Fetch) -> WebhookResponse:
        """Sign and deliver a request for `leg`, recording it."""
        ...

    def dial(self, leg: Leg, dial: Dial, document_url: str) -> DialOutcome:
        """Ring the numbers of `dial` for `leg`."""
        ...

    def track(self, leg: Leg | None, call_sid: str) -> None:
        """Make `leg` reachable by REST updates (None: the leg has ended)."""
        ...


class Interpreter:
    """Runs documents on a leg until it ends, as Twilio's voice engine does."""

    def __init__(self, board: Switchboard) -> None:
        self.board = board

    def run(self, leg: Leg, first: Fetch, inline: str | None = None) -> LegEnd:
        """Fetch `first` (or run `inline` TwiML) and follow the call to its end."""
        self.board.track(leg, leg.call_sid)
        try:
            return self._follow(leg, first, inline)
        finally:
            self.board.track(None, leg.call_sid)

    def _follow(self, leg: Leg, request: Fetch, inline: str | None) -> LegEnd:
        for _ in range(MAX_DOCUMENTS):
            if inline is not None:
                verbs = self._inline(leg, inline, request.url)
                inline = None
            else:
                verbs = self._load(leg, request)
            if verbs is None:
                return LegEnd.ERROR
            step = self._perform(leg, verbs, request.url)
            update = leg.take_update()  # a REST update overrides where the TwiML led
            if update is not None:
                step = update
            if isinstance(step, LegEnd):
                return step
            request = step
        leg.emit(Event(EventKind.CALLER_HANGUP, text="gave up: the call never ended"))
        return LegEnd.PARTY_HANGUP

    def _inline(self, leg: Leg, document: str, url: str) -> list[Verb] | None:
        try:
            return parse_voice(document)
        except TwimlError as problem:
            leg.record.notifications.append(Notification(problem.code, problem.message, url))
            self._application_error(leg, problem)
            return None

    def _load(self, leg: Leg, request: Fetch) -> list[Verb] | None:
        loaded = self._fetch_verbs(leg, request)
        if not isinstance(loaded, TwimlError):
            return loaded
        if leg.fallback_url is None or request.url == leg.fallback_url:
            self._application_error(leg, loaded)
            return None
        extra = {**request.extra, "ErrorCode": str(loaded.code), "ErrorUrl": request.url}
        loaded = self._fetch_verbs(leg, Fetch(leg.fallback_url, "POST", extra))
        if not isinstance(loaded, TwimlError):
            return loaded
        self._application_error(leg, loaded)
        return None

    def _fetch_verbs(self, leg: Leg, request: Fetch) -> list[Verb] | TwimlError:
        try:
            return self._verbs(leg, self.board.fetch(leg, request))
        except TwimlError as problem:
            leg.record.notifications.append(
                Notification(problem.code, problem.message, request.url)
            )
            return problem

    def _application_error(self, leg: Leg, problem: TwimlError) -> None:
        """What the caller hears when Twilio has no TwiML to run: the call then ends."""
        leg.emit(Event(EventKind.ERROR, text=APPLICATION_ERROR, code=problem.code))

    def _verbs(self, leg: Leg, response: WebhookResponse) -> list[Verb]:
        if response.status == 0:
            raise TwimlError(HTTP_RETRIEVAL_FAILURE, f"app unreachable ({response.body})")
        if not 200 <= response.status < 300:
            raise TwimlError(HTTP_RETRIEVAL_FAILURE, f"app answered HTTP {response.status}")
        if response.content_type not in TWIML_TYPES:
            raise TwimlError(INVALID_CONTENT_TYPE, f"content type {response.content_type!r}")
        verbs = parse_voice(response.body)
        for verb in verbs:
            if leg.screening and not isinstance(verb, SCREEN_VERBS):
                name = type(verb).__name__
                raise TwimlError(PARSE_FAILURE, f"<{name}> is not allowed in a <Number url>")
        return verbs

    def _perform(self, leg: Leg, verbs: list[Verb], document_url: str) -> Step:
        for verb in verbs:
            update = leg.take_update()
            if update is not None:
                return update
            step = self._verb(leg, verb, document_url)
            if step is not None:
                return step
        return LegEnd.COMPLETED

    def _verb(self, leg: Leg, verb: Verb, document_url: str) -> Step | None:
        if isinstance(verb, Say | Play | Pause):
            self._answer(leg)
            self._hear(leg, verb)
            return None
        if isinstance(verb, Gather):
            return self._gather(leg, verb, document_url)
        if isinstance(verb, Redirect):
            return Fetch(urljoin(document_url, verb.url), verb.method)
        if isinstance(verb, Hangup) or (isinstance(verb, Reject) and leg.answered):
            # Twilio can only reject a call it has not answered; later it just hangs up.
            leg.emit(Event(EventKind.HANGUP))
            return LegEnd.HANGUP
        if isinstance(verb, Reject):
            leg.emit(Event(EventKind.REJECT, status=verb.reason))
            return LegEnd.REJECTED_BUSY if verb.reason == "busy" else LegEnd.REJECTED
        return self._dial(leg, verb, document_url)

    def _answer(self, leg: Leg) -> None:
        if not leg.answered:
            leg.answered = True
            if leg.call_sid == leg.record.call_sid:
                leg.record.answered = self.board.clock.now()
                leg.record.status = "in-progress"

    def _hear(self, leg: Leg, prompt: Prompt) -> None:
        clock = self.board.clock
        if isinstance(prompt, Say):
            event = Event(
                EventKind.SAY, prompt.text, prompt.voice, prompt.language, loop=prompt.loop
            )
            seconds = max(1, len(prompt.text) // SAY_CHARACTERS_PER_SECOND) * max(1, prompt.loop)
        elif isinstance(prompt, Play):
            event = Event(EventKind.PLAY, prompt.url, loop=prompt.loop)
            seconds = PLAY_SECONDS * max(1, prompt.loop)
        else:
            event = Event(EventKind.PAUSE, seconds=prompt.length)
            seconds = prompt.length
        leg.emit(event)
        clock.advance(seconds)

    def _gather(self, leg: Leg, gather: Gather, document_url: str) -> Step | None:
        self._answer(leg)
        for prompt in gather.prompts:
            self._hear(leg, prompt)
        pressed = leg.party.press(gather)
        if pressed == HANGUP:
            leg.emit(Event(EventKind.CALLER_HANGUP))
            return LegEnd.PARTY_HANGUP
        digits, finished_on = gathered_digits(pressed, gather)
        leg.emit(Event(EventKind.GATHER, digits=digits or None, seconds=gather.timeout))
        self.board.clock.advance(len(pressed or "") if digits else gather.timeout)
        if not digits and not gather.action_on_empty_result:
            return None  # Twilio falls through to the next verb
        action = urljoin(document_url, gather.action or document_url)
        return Fetch(action, gather.method, {"Digits": digits, "FinishedOnKey": finished_on})

    def _dial(self, leg: Leg, dial: Dial, document_url: str) -> Step | None:
        if not dial.answer_on_bridge:
            self._answer(leg)
        outcome = self.board.dial(leg, dial, document_url)
        leg.emit(outcome.event)
        if outcome.connected is not None:
            self._answer(leg)
            leg.emit(outcome.connected)
        if outcome.interrupted is not None:
            return outcome.interrupted
        if dial.action is None:
            return None  # without an action the call goes on with the next verb
        return Fetch(urljoin(document_url, dial.action), dial.method, outcome.action_params)
