"""Serve the emulator's REST API over HTTP and run its queued work in the background."""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import TYPE_CHECKING

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from hotline.simulator.errors import SimulatorError
from hotline.simulator.handsets import PREFIX, Handsets
from hotline.simulator.rest import RestApi

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from hotline.simulator.emulator import TwilioEmulator

log = logging.getLogger(__name__)


def rest_app(api: RestApi, handsets: Handsets | None = None) -> WSGIApplication:
    """A WSGI app answering Twilio's REST paths (Basic auth, form bodies, JSON answers), and
    the emulator's own handset routes when `handsets` is given."""

    @Request.application
    def application(request: Request) -> Response:
        credentials = request.authorization
        auth = None
        if credentials is not None and credentials.type == "basic":
            auth = (credentials.username or "", credentials.password or "")
        if handsets is not None and request.path.startswith(PREFIX):
            if auth != (api.emulator.account_sid, api.emulator.auth_token):
                return Response('{"message": "Authenticate"}', status=401)
            return handsets.answer(request)
        fields = request.args if request.method == "GET" else request.form
        form = fields.to_dict(flat=False)
        status, text = api.handle(request.method, request.path, form, auth)
        return Response(text, status=status, content_type="application/json")

    return application


class EmulatorServer:
    """The REST API on host:port, plus a thread that runs pending calls and messages, and the
    handset routes through which a person plays a phone (`hotline simulate sms --as`)."""

    def __init__(
        self,
        emulator: TwilioEmulator,
        host: str = "127.0.0.1",
        port: int = 5001,
        interval: float = 0.2,
    ) -> None:
        self.emulator = emulator
        self.interval = interval
        self.handsets = Handsets(emulator)
        api = emulator.http_client.api
        self._server = make_server(host, port, rest_app(api, self.handsets), threaded=True)
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._server.serve_forever, name="twilio-rest", daemon=True),
            threading.Thread(target=self._run_pending, name="twilio-jobs", daemon=True),
        ]

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return int(self._server.server_port)

    def start(self) -> EmulatorServer:
        """Start serving and running jobs in background threads."""
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop both threads and close the socket."""
        self._stopping.set()
        self._server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def _run_pending(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.emulator.run_pending()
            except SimulatorError as error:
                log.warning("emulator: %s", error)
