"""TwilioEmulator: plays Twilio's part for an app, from the network boundary inward."""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable

from hotline.simulator import dial as dialling
from hotline.simulator import outbound, sms
from hotline.simulator.account import Job
from hotline.simulator.clock import Clock, SimClock, new_sid, whole_seconds
from hotline.simulator.errors import SimulatorError, UnknownLine
from hotline.simulator.legs import DialOutcome, Fetch, Interpreter, Leg, LegEnd
from hotline.simulator.parties import KeyScript, Party
from hotline.simulator.records import (
    Behaviour,
    CallRecord,
    Event,
    Line,
    Notification,
    OutboundCall,
    Phone,
    RestFault,
    SmsMessage,
)
from hotline.simulator.rest import EmulatorHttpClient, RestApi
from hotline.simulator.status_feed import StatusFeed
from hotline.simulator.transports import NotConnected, Transport, WebhookResponse
from hotline.simulator.twiml import Dial
from hotline.simulator.webhooks import WebhookSender, call_params

# run_pending stops a chain of jobs that keep queuing more jobs.
MAX_PENDING_JOBS = 1000
END_STATUS = {LegEnd.REJECTED: "no-answer", LegEnd.REJECTED_BUSY: "busy"}


class TwilioEmulator:
    """One Twilio account: owned lines, scripted phones, calls, SMS and the REST API.

    Unknown numbers that a call rings behave as `unknown_phone_behaviour` (IGNORE: they
    never answer). Nothing sleeps: ringing, prompts and talking move the injected clock.
    """

    def __init__(
        self,
        transport: Transport | None,
        account_sid: str,
        auth_token: str,
        public_url: str,
        clock: Clock | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.public_url = public_url.rstrip("/")
        self.webhooks = WebhookSender(transport or NotConnected(), auth_token, self.public_url)
        self.requests = self.webhooks.requests  # every exchange with the app, oldest first
        self._clock = clock or SimClock()
        self.lines: dict[str, Line] = {}
        self.phones: dict[str, Phone] = {}
        self.unknown_phone_behaviour = Behaviour.IGNORE
        self.calls: dict[str, CallRecord] = {}
        self.messages: dict[str, SmsMessage] = {}
        self.notifications: list[Notification] = []  # errors outside any call (SMS)
        self.opted_out: set[str] = set()
        # Faults the next Messages.create requests meet, first first (an outage, a lost answer).
        self.message_faults: deque[RestFault] = deque()
        self.call_faults: deque[RestFault] = deque()  # the same for Calls.create
        self.duplicate_status_callbacks = False
        self.reverse_status_callbacks = False
        self.on_call_end: Callable[[CallRecord], None] | None = None
        self.on_message: Callable[[SmsMessage], None] | None = None
        self.http_client = EmulatorHttpClient(RestApi(self))
        self._interpreter = Interpreter(self)
        self._pending: deque[Job] = deque()
        self._live: dict[str, Leg] = {}
        self._engaged: Counter[str] = Counter()
        self.collisions: list[str] = []  # numbers rung while already in a call
        self._lock = threading.RLock()

    def connect(self, transport: Transport) -> None:
        """Deliver webhooks through `transport` (an emulator may be made before its app)."""
        self.webhooks.transport = transport

    @property
    def clock(self) -> Clock:
        """The emulator's clock."""
        return self._clock

    @property
    def outbox(self) -> list[SmsMessage]:
        """Every SMS the account sent (REST and `<Message>` replies), oldest first."""
        with self._lock:  # the HTTP server adds messages from other threads
            messages = list(self.messages.values())
        return [m for m in messages if m.direction != "inbound"]

    def add_line(
        self,
        number: str,
        voice_url: str = "/voice/incoming",
        status_callback: str | None = "/voice/status",
        voice_fallback_url: str | None = "/voice/fallback",
        sms_url: str = "/sms/incoming",
        sms_status_callback: str | None = "/sms/status",
    ) -> Line:
        """Own `number`, with its console webhooks (paths are relative to the public URL).

        `sms_status_callback` plays a Messaging Service's status callback: it gets the
        reports of messages sent from this line without a StatusCallback of their own.
        """
        line = Line(
            number, voice_url, status_callback, voice_fallback_url, sms_url, sms_status_callback
        )
        self.lines[number] = line
        return line

    def add_phone(
        self,
        number: str,
        behaviour: Behaviour = Behaviour.ANSWER_ACCEPT,
        talk_seconds: int = 60,
        ring_seconds: int = 5,
        keys: Iterable[str | None] | None = None,
    ) -> Phone:
        """Script the phone at `number` (a counsellor, or a caller to ring back)."""
        phone = Phone(
            number, behaviour, talk_seconds, ring_seconds, tuple(keys) if keys is not None else None
        )
        KeyScript(phone.key_script())  # refuse a bad script now, not mid-call
        self.phones[number] = phone
        return phone

    def phone(self, number: str) -> Phone:
        """The scripted phone at `number`, or one with the unknown-number behaviour."""
        return self.phones.get(number) or Phone(number, self.unknown_phone_behaviour)

    def call(
        self,
        from_: str,
        to: str,
        keys: Iterable[str | None] = (),
        *,
        party: Party | None = None,
        listener: Callable[[Event], None] | None = None,
    ) -> CallRecord:
        """Run one inbound call from `from_` to the line `to`, start to end.

        `keys` holds one entry per `<Gather>`: DTMF keys, None (press nothing) or HANGUP;
        once they run out the caller presses nothing. `party` replaces `keys` (a person at
        a keyboard); `listener` hears each event as it happens.
        """
        line = self.lines.get(to)
        if line is None:
            raise UnknownLine("the emulator owns no line with that number: add_line() it first")
        now = self.clock.now()
        record = CallRecord(
            new_sid("CA"), self.account_sid, "inbound", from_, to, now, "ringing", started=now
        )
        self.register(record)
        fallback = (
            self.webhooks.absolute(line.voice_fallback_url) if line.voice_fallback_url else None
        )
        leg = Leg(
            record,
            record.call_sid,
            call_params(record),
            party or KeyScript(keys),
            record.transcript,
            fallback_url=fallback,
            listener=listener,
        )
        end = self._interpreter.run(leg, Fetch(self.webhooks.absolute(line.voice_url)))
        status = END_STATUS.get(end, "completed")
        self.finish_call(record, status, self.status_feed(record, line.status_callback), leg.params)
        return record

    def send_sms(self, from_: str, to: str, body: str) -> list[SmsMessage]:
        """Deliver an SMS from `from_` to the line `to`; returns the app's `<Message>` replies."""
        if to not in self.lines:
            raise UnknownLine("the emulator owns no line with that number: add_line() it first")
        return sms.receive(self, self.lines[to], from_, body)

    def run_pending(self) -> list[CallRecord]:
        """Run queued REST calls and message deliveries, including any they queue."""
        ran: list[CallRecord] = []
        for _ in range(MAX_PENDING_JOBS):
            with self._lock:
                if not self._pending:
                    return ran
                job = self._pending.popleft()
            record = job()
            if record is not None:
                ran.append(record)
        raise SimulatorError("run_pending: jobs keep queuing more jobs")

    def register(self, record: CallRecord | SmsMessage) -> None:
        """Keep a call or message so the REST API can find it by sid."""
        with self._lock:
            if isinstance(record, CallRecord):
                self.calls[record.call_sid] = record
            else:
                self.messages[record.message_sid] = record

    def forget(self, message_sid: str) -> None:
        """Delete a message (REST DELETE)."""
        with self._lock:
            self.messages.pop(message_sid, None)

    def queue(self, job: Job) -> None:
        """Run `job` at the next run_pending (never inside the request that caused it)."""
        with self._lock:
            self._pending.append(job)

    def fetch(self, leg: Leg, request: Fetch) -> WebhookResponse:
        """Request a TwiML document for `leg`."""
        params = {**leg.params, "CallStatus": leg.call_status, **request.extra}
        return self.webhooks.post(request.url, request.method, params, leg.record.requests)

    def status_feed(
        self, record: CallRecord, url: str | None, events: Collection[str] = ("completed",)
    ) -> StatusFeed:
        """A feed for one call's status callbacks, set up as the emulator is configured."""

        def post(target: str, method: str, params: dict[str, str]) -> WebhookResponse:
            return self.webhooks.post(target, method, params, record.requests)

        return StatusFeed(
            post,
            self.clock,
            self.webhooks.absolute(url) if url else None,
            record.notifications,
            events=events,
            reverse=self.reverse_status_callbacks,
            duplicate=self.duplicate_status_callbacks,
        )

    def finish_call(
        self, record: CallRecord, status: str, feed: StatusFeed, params: dict[str, str]
    ) -> None:
        """Close `record` with `status` and send its final status callback."""
        record.ended = self.clock.now()
        record.status = status
        record.duration = whole_seconds(record.answered, record.ended)
        feed.call_status(params, status, record.duration)
        feed.close()
        if self.on_call_end is not None:
            self.on_call_end(record)

    def run_leg(self, leg: Leg, first: Fetch, inline: str | None = None) -> LegEnd:
        """Run TwiML on a leg the emulator set up (REST-created calls)."""
        return self._interpreter.run(leg, first, inline)

    def dial(self, leg: Leg, dial: Dial, document_url: str) -> DialOutcome:
        """Ring the numbers of a `<Dial>` for `leg`."""
        return dialling.ring(self, self._interpreter, leg, dial, document_url)

    def may_present(self, caller_id: str, leg: Leg) -> bool:
        """Twilio shows only owned numbers, or the calling party's own number."""
        return not self.lines or caller_id in self.lines or caller_id == leg.params.get("From")

    def engage(self, numbers: list[str]) -> set[str]:
        """Mark phones as in a call; those already in one are noted in `collisions`."""
        with self._lock:
            engaged = {number for number in numbers if self._engaged[number]}
            self.collisions.extend(sorted(engaged))
            self._engaged.update(numbers)
            return engaged

    def disengage(self, numbers: list[str]) -> None:
        """The phones' part in one call is over."""
        with self._lock:
            self._engaged.subtract(numbers)

    def report_leg(
        self,
        leg: Leg,
        url: str,
        events: Collection[str],
        params: dict[str, str],
        statuses: list[str],
        duration: int | None,
    ) -> None:
        """Send a called leg's `<Number statusCallback>` reports (duration on the last)."""
        feed = self.status_feed(leg.record, url, events)
        for index, status in enumerate(statuses, start=1):
            feed.call_status(params, status, duration if index == len(statuses) else None)
        feed.close()

    def track(self, leg: Leg | None, call_sid: str) -> None:
        """Register a running leg for REST updates, or forget it (None)."""
        with self._lock:
            if leg is None:
                self._live.pop(call_sid, None)
            else:
                self._live[call_sid] = leg

    def live_leg(self, call_sid: str) -> Leg | None:
        """The running leg with this sid, if any."""
        with self._lock:
            return self._live.get(call_sid)

    def place_call(self, to: str, from_: str, spec: OutboundCall) -> CallRecord:
        """Queue a REST-created call (run by run_pending)."""
        return outbound.place(self, to, from_, spec)
