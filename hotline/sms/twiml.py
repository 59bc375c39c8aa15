"""Every TwiML document of the SMS channel is built here."""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.messaging_response import MessagingResponse


@dataclass(frozen=True)
class Outgoing:
    """One `<Message>`: to the sender (no `to`), or to another phone from the line's number."""

    text: str
    status_callback: str
    to: str | None = None
    from_: str | None = None


def messages(outgoing: list[Outgoing]) -> str:
    """The answer to an inbound SMS: each message in order, or none at all."""
    response = MessagingResponse()
    for message in outgoing:
        extra = {"to": message.to, "from_": message.from_} if message.to else {}
        response.message(message.text, status_callback=message.status_callback, **extra)
    return str(response)


def silence() -> str:
    """No reply at all."""
    return str(MessagingResponse())
