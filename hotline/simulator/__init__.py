"""A Twilio emulator: drives the app's webhooks as Twilio does and serves its REST API.

emulator = TwilioEmulator(WsgiTransport(app), account_sid, auth_token, public_url)
emulator.add_line("+996312000100")
emulator.add_phone("+996555000001", Behaviour.ANSWER_ACCEPT)
record = emulator.call("+996700000002", "+996312000100", keys=["2", "1"])
client = twilio.rest.Client(account_sid, auth_token, http_client=emulator.http_client)
"""

from __future__ import annotations

from hotline.simulator.clock import Clock, ScaledClock, SimClock
from hotline.simulator.emulator import TwilioEmulator
from hotline.simulator.errors import ApiError, SimulatorError, UnknownLine
from hotline.simulator.legs import APPLICATION_ERROR
from hotline.simulator.parties import KeyScript, Party
from hotline.simulator.records import (
    HANGUP,
    Behaviour,
    CallRecord,
    DialLeg,
    Event,
    EventKind,
    LegResult,
    Line,
    Notification,
    OutboundCall,
    Phone,
    RestFault,
    SmsMessage,
    WebhookRequest,
)
from hotline.simulator.rest import EmulatorHttpClient
from hotline.simulator.server import EmulatorServer
from hotline.simulator.sms import count_segments
from hotline.simulator.transports import HttpTransport, Transport, WebhookResponse, WsgiTransport

__all__ = [
    "APPLICATION_ERROR",
    "HANGUP",
    "ApiError",
    "Behaviour",
    "CallRecord",
    "Clock",
    "DialLeg",
    "EmulatorHttpClient",
    "EmulatorServer",
    "Event",
    "EventKind",
    "HttpTransport",
    "KeyScript",
    "LegResult",
    "Line",
    "RestFault",
    "Notification",
    "OutboundCall",
    "Party",
    "Phone",
    "ScaledClock",
    "SimClock",
    "SimulatorError",
    "SmsMessage",
    "Transport",
    "TwilioEmulator",
    "UnknownLine",
    "WebhookRequest",
    "WebhookResponse",
    "WsgiTransport",
    "count_segments",
]
