"""Every TwiML document of the SMS channel is built here."""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse


def reply(text: str, status_callback: str) -> str:
    """One reply to the sender, its delivery reported to `status_callback`."""
    response = MessagingResponse()
    response.message(text, status_callback=status_callback)
    return str(response)


def silence() -> str:
    """No reply at all."""
    return str(MessagingResponse())
