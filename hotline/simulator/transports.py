"""How a signed webhook reaches the app: in-process through WSGI, or over HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import urllib3
from flask import Flask
from werkzeug.http import parse_options_header

# Twilio gives a webhook 15 seconds before it counts as failed (error 11200).
TWILIO_WEBHOOK_TIMEOUT = 15.0


@dataclass(frozen=True)
class WebhookResponse:
    """The app's answer; status 0 means it could not be reached at all."""

    status: int
    content_type: str
    body: str


class Transport(Protocol):
    """Delivers one request exactly as built (URL, form, headers) and returns the answer."""

    def deliver(
        self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        """Send the request; never raise for an HTTP error status."""
        ...


class NotConnected:
    """The transport of an emulator made before its app: `TwilioEmulator.connect` replaces it."""

    def deliver(
        self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        """Refuse: there is no app to deliver to yet."""
        raise RuntimeError("the emulator is not connected to an app yet")


class WsgiTransport:
    """Calls a Flask app in-process with its test client: no sockets, no threads.

    The app sees the full public URL (scheme, host, path), as behind Twilio. Exceptions
    the app lets escape (TESTING propagates them) reach the test with their traceback.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def deliver(
        self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        """Run the request through the app's WSGI callable."""
        client = self.app.test_client()
        response = client.open(
            url, method=method, data=dict(form) if method == "POST" else None, headers=dict(headers)
        )
        try:
            return WebhookResponse(
                response.status_code, response.mimetype or "", response.get_data(as_text=True)
            )
        finally:
            response.close()


class HttpTransport:
    """Posts to an app served at `base_url`, whatever public host the URLs name.

    One urllib3 pool serves every thread, rather than requests' Session made and torn down
    for each webhook (a millisecond of CPU each): `bench.crowd` and `make load` run the
    emulator on the cores of the app they measure. Each request still closes its connection,
    as Twilio's webhooks, sent one by one, may arrive over a new one each."""

    def __init__(self, base_url: str, timeout: float = TWILIO_WEBHOOK_TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self._pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(total=timeout))

    def deliver(
        self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        """Send over HTTP; a refused or slow connection becomes status 0."""
        parts = urlsplit(url)
        target = self.base_url + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = {**headers, "Connection": "close"}
        body = None
        if method == "POST":
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            response = self._pool.request(method, target, body=body, headers=sent, redirect=False)
        except urllib3.exceptions.HTTPError as exc:
            return WebhookResponse(0, "", type(exc).__name__)
        mimetype, options = parse_options_header(response.headers.get("Content-Type", ""))
        return WebhookResponse(response.status, mimetype, _text(response.data, options))


def _text(body: bytes, options: Mapping[str, str]) -> str:
    """The body in the charset its Content-Type names; UTF-8, TwiML's own, when it names none
    or one Python does not know."""
    try:
        return body.decode(options.get("charset", "utf-8"), errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
