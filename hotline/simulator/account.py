"""What the emulator's parts (outbound calls, SMS, the REST API) need of the account they run in.

`TwilioEmulator` is the one implementation; the parts take this Protocol so that they never
import the emulator that imports them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection
from typing import Protocol

from hotline.simulator.clock import Clock
from hotline.simulator.legs import Fetch, Leg, LegEnd
from hotline.simulator.records import (
    CallRecord,
    Line,
    Notification,
    OutboundCall,
    Phone,
    RestFault,
    SmsMessage,
)
from hotline.simulator.status_feed import StatusFeed
from hotline.simulator.webhooks import WebhookSender

Job = Callable[[], CallRecord | None]


class Account(Protocol):
    """One Twilio account as its calls, messages and REST API see it."""

    account_sid: str
    auth_token: str
    webhooks: WebhookSender
    lines: dict[str, Line]
    calls: dict[str, CallRecord]
    messages: dict[str, SmsMessage]
    notifications: list[Notification]
    opted_out: set[str]
    message_faults: deque[RestFault]
    call_faults: deque[RestFault]
    duplicate_status_callbacks: bool
    reverse_status_callbacks: bool
    on_message: Callable[[SmsMessage], None] | None

    @property
    def clock(self) -> Clock:
        """The account's clock."""
        ...

    def phone(self, number: str) -> Phone:
        """The scripted phone at `number`."""
        ...

    def register(self, record: CallRecord | SmsMessage) -> None:
        """Keep a call or message for the REST API."""
        ...

    def forget(self, message_sid: str) -> None:
        """Delete a message."""
        ...

    def queue(self, job: Job) -> None:
        """Run `job` later."""
        ...

    def status_feed(
        self, record: CallRecord, url: str | None, events: Collection[str] = ("completed",)
    ) -> StatusFeed:
        """A feed for one call's status callbacks."""
        ...

    def finish_call(
        self, record: CallRecord, status: str, feed: StatusFeed, params: dict[str, str]
    ) -> None:
        """Close a call and send its final status callback."""
        ...

    def run_leg(self, leg: Leg, first: Fetch, inline: str | None = None) -> LegEnd:
        """Run TwiML on a leg."""
        ...

    def live_leg(self, call_sid: str) -> Leg | None:
        """The running leg with this sid."""
        ...

    def place_call(self, to: str, from_: str, spec: OutboundCall) -> CallRecord:
        """Queue a REST-created call."""
        ...
