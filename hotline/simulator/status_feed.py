"""Status callbacks: the progress reports Twilio posts for calls and messages."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from hotline.simulator.clock import Clock, rfc2822
from hotline.simulator.records import Notification
from hotline.simulator.transports import WebhookResponse

Post = Callable[[str, str, dict[str, str]], WebhookResponse]

# The StatusCallbackEvent name under which Twilio reports each call status.
CALL_EVENT = {"initiated": "initiated", "ringing": "ringing", "in-progress": "answered"}
STATUS_CALLBACK_FAILED = 11200


class StatusFeed:
    """The status callbacks of one call or message, delivered as the emulator is set to:
    in order, or held back and sent in reverse at the end; once, or each one twice."""

    def __init__(
        self,
        post: Post,
        clock: Clock,
        url: str | None,
        notifications: list[Notification],
        *,
        events: Collection[str] = ("completed",),
        reverse: bool = False,
        duplicate: bool = False,
    ) -> None:
        self.post = post
        self.clock = clock
        self.url = url
        self.notifications = notifications
        self.events = set(events)
        self.reverse = reverse
        self.duplicate = duplicate
        self.sequence = 0
        self._held: list[dict[str, str]] = []

    def call_status(
        self, params: Mapping[str, str], status: str, duration: int | None = None
    ) -> None:
        """Report a call's status, if its StatusCallbackEvent asked for that event."""
        if self.url is None or CALL_EVENT.get(status, "completed") not in self.events:
            return
        report = {
            **params,
            "CallStatus": status,
            "Timestamp": rfc2822(self.clock.now()),
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(self.sequence),
        }
        if duration is not None:
            report["CallDuration"] = str(duration)
        self.sequence += 1
        self.send(report)

    def send(self, params: dict[str, str]) -> None:
        """Post one report now, or hold it when reports go out in reverse."""
        if self.url is None:
            return
        if self.reverse:
            self._held.append(params)
        else:
            self._deliver(params)

    def close(self) -> None:
        """Send what was held back, newest first."""
        held, self._held = self._held, []
        for params in reversed(held):
            self._deliver(params)

    def _deliver(self, params: dict[str, str]) -> None:
        assert self.url is not None
        for _ in range(2 if self.duplicate else 1):
            response = self.post(self.url, "POST", params)
            if not 200 <= response.status < 300:
                message = f"status callback answered HTTP {response.status}"
                self.notifications.append(Notification(STATUS_CALLBACK_FAILED, message, self.url))
