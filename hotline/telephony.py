"""The Twilio REST client, made once in init_app and pointed at TWILIO_API_URL."""

from __future__ import annotations

import logging

from flask import Flask, current_app
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from hotline.settings import TWILIO_API_DEFAULT

EXTENSION = "hotline.twilio"

# twilio logs every request at INFO; we keep only warnings (request details stay out of logs).
_quiet_logger = logging.getLogger("hotline.twilio_http")
_quiet_logger.setLevel(logging.WARNING)


class ApiUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Twilio's own HTTP client with a timeout, sending api.twilio.com requests to `api_url`."""

    def __init__(self, api_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout, logger=_quiet_logger)
        self.api_url = api_url.rstrip("/")

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Response:
        """Send the request, rewriting Twilio's base URL when an emulator is configured."""
        if url.startswith(TWILIO_API_DEFAULT) and self.api_url != TWILIO_API_DEFAULT:
            url = self.api_url + url[len(TWILIO_API_DEFAULT) :]
        response: Response = super().request(method, url, *args, **kwargs)
        return response


def make_client(
    account_sid: str,
    auth_token: str,
    api_url: str,
    timeout: float,
    http_client: HttpClient | None = None,
) -> Client:
    """A REST client; tests pass the emulator's `http_client`."""
    return Client(
        account_sid, auth_token, http_client=http_client or ApiUrlHttpClient(api_url, timeout)
    )


def init_app(app: Flask) -> None:
    """Attach the REST client to the app (an `TWILIO_HTTP_CLIENT` in config replaces HTTP)."""
    app.extensions[EXTENSION] = make_client(
        app.config["TWILIO_ACCOUNT_SID"],
        app.config["TWILIO_AUTH_TOKEN"],
        app.config["TWILIO_API_URL"],
        app.config["HOTLINE_TWILIO_TIMEOUT"],
        app.config.get("TWILIO_HTTP_CLIENT"),
    )


def get_twilio(app: Flask | None = None) -> Client:
    """The app's Twilio REST client."""
    client: Client = (app or current_app).extensions[EXTENSION]
    return client
