"""The Twilio REST client the jobs send with (SMS, callbacks, sweeps).

Only `hotline.extensions.get_twilio` imports this, on first use: a web worker never calls
Twilio's API, and twilio.rest with requests would cost each one about 6 MB.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from hotline.settings import TWILIO_API_DEFAULT

_QUIET = logging.getLogger("hotline.twilio_http")
_QUIET.setLevel(logging.WARNING)


class ApiUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Twilio's own HTTP client with a timeout, sending api.twilio.com requests to `api_url`."""

    def __init__(self, api_url: str, timeout: float) -> None:
        # twilio logs every request at INFO; a quiet logger keeps request details out of logs.
        super().__init__(timeout=timeout, logger=_QUIET)
        self.api_url = api_url.rstrip("/")

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Response:
        """Send the request, rewriting Twilio's base URL when an emulator is configured."""
        if url.startswith(TWILIO_API_DEFAULT) and self.api_url != TWILIO_API_DEFAULT:
            url = self.api_url + url[len(TWILIO_API_DEFAULT) :]
        response: Response = super().request(method, url, *args, **kwargs)
        return response


def make_client(config: Mapping[str, Any]) -> Client:
    """A client from the app's config; TWILIO_HTTP_CLIENT replaces HTTP (the emulator)."""
    http_client: HttpClient = config.get("TWILIO_HTTP_CLIENT") or ApiUrlHttpClient(
        config["TWILIO_API_URL"], config["HOTLINE_TWILIO_TIMEOUT"]
    )
    return Client(
        config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http_client
    )
