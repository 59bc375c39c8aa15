"""Requests to the app as Twilio makes them: absolute URLs, standard parameters, signatures."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode, urljoin, urlsplit

import phonenumbers
from twilio.request_validator import RequestValidator

from hotline.simulator.records import CallRecord, WebhookRequest
from hotline.simulator.transports import Transport, WebhookResponse

API_VERSION = "2010-04-01"


class WebhookSender:
    """Signs and delivers every request to the app, and keeps a log of the exchanges."""

    def __init__(self, transport: Transport, auth_token: str, public_url: str) -> None:
        self.transport = transport
        self.public_url = public_url.rstrip("/")
        self.requests: list[WebhookRequest] = []
        self._validator = RequestValidator(auth_token)

    def absolute(self, url: str) -> str:
        """`url` resolved against the public URL (an origin: any path in it is dropped)."""
        return urljoin(self.public_url + "/", url)

    def post(
        self, url: str, method: str, params: dict[str, str], log: list[WebhookRequest] | None = None
    ) -> WebhookResponse:
        """Sign `params` over the full URL as Twilio does, deliver, record the exchange."""
        url = self.absolute(url)
        form = params
        if method == "GET":  # Twilio moves the parameters into the query string, then signs
            url += ("&" if "?" in url else "?") + urlencode(params)
            form = {}
        signature = self._validator.compute_signature(url, form)
        headers = {
            "X-Twilio-Signature": signature,
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        }
        response = self.transport.deliver(method, url, form, headers)
        path = urlsplit(url).path
        exchange = WebhookRequest(
            url, path, method, dict(params), signature,
            response.status, response.content_type, response.body,
        )  # fmt: skip
        self.requests.append(exchange)
        if log is not None:
            log.append(exchange)
        return response


def call_params(record: CallRecord) -> dict[str, str]:
    """The parameters Twilio sends with every request about a call."""
    params = {
        "AccountSid": record.account_sid,
        "ApiVersion": API_VERSION,
        "CallSid": record.call_sid,
        "Direction": record.direction,
        "From": record.from_,
        "To": record.to,
        "Caller": record.from_,
        "Called": record.to,
    }
    for name, number in (("FromCountry", record.from_), ("ToCountry", record.to)):
        country = country_of(number)
        if country:
            params[name] = country
    return params


def country_of(number: str) -> str:
    """ISO country of an E.164 number ("KG"), or "" (anonymous, short codes)."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or ""
    except phonenumbers.NumberParseException:
        return ""
