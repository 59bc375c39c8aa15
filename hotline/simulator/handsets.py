"""Phones a person plays against the running emulator: text a line, read what arrives.

Not Twilio's API: two small routes beside it (same Basic auth) that let `hotline simulate sms
--as NUMBER` in one terminal be a texter and in another a counsellor, while `make run`'s
emulator sends every SMS. What a phone receives is kept from the moment it is sent, so a body
the hotline redacts at Twilio afterwards still reaches the person playing that phone.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from hotline.simulator.records import SmsMessage

if TYPE_CHECKING:
    from hotline.simulator.emulator import TwilioEmulator

PREFIX = "/_emulator/"


class Handsets:
    """Every SMS the account sends, in order, readable by the phone it went to."""

    def __init__(self, emulator: TwilioEmulator) -> None:
        self.emulator = emulator
        self._sent: list[tuple[str, str, str]] = []  # (to, from, body)
        self._lock = threading.Lock()
        earlier = emulator.on_message

        def keep(message: SmsMessage) -> None:
            if earlier is not None:
                earlier(message)
            with self._lock:
                self._sent.append((message.to, message.from_, message.body))

        emulator.on_message = keep

    def inbox(self, number: str, after: int) -> tuple[list[dict[str, object]], int]:
        """Messages to `number` from position `after` on, and the position to ask from next."""
        with self._lock:
            sent = list(self._sent)
        found: list[dict[str, object]] = [
            {"from": from_, "body": body} for to, from_, body in sent[after:] if to == number
        ]
        return found, len(sent)

    def answer(self, request: Request) -> Response:
        """Serve POST {PREFIX}sms (text a line) and POST {PREFIX}inbox (what a phone received).

        Numbers travel in form bodies, never in a URL an access log would keep."""
        if request.path == PREFIX + "sms" and request.method == "POST":
            to, from_ = request.form.get("To", ""), request.form.get("From", "")
            if to not in self.emulator.lines:
                self.emulator.add_line(to)
            replies = self.emulator.send_sms(from_, to, request.form.get("Body", ""))
            return _json({"replies": [reply.body for reply in replies]})
        if request.path == PREFIX + "inbox" and request.method == "POST":
            after = request.form.get("after", 0, type=int)
            messages, next_after = self.inbox(request.form.get("number", ""), after)
            return _json({"messages": messages, "next": next_after})
        return _json({"message": "no such emulator route"}, 404)


def _json(data: dict[str, object], status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json"
    )
