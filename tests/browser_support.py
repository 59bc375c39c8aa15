"""The console in a real browser: Debian's Chromium driven by Playwright, the app served on a
local port (6001-6099). Without Chromium (or Playwright) these tests skip with one line.

Screenshots go to HOTLINE_SCREENSHOTS when set (`make screenshots` sets docs/screenshots),
else to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PORTS = range(6001, 6100)  # ours are 6000-6099, but browsers refuse 6000 (X11) as unsafe
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 860}


def free_port() -> int:
    """The first port of ours nobody listens on."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("ports 6000-6099 are all taken")


class LiveServer:
    """The app served by werkzeug in a thread, stopped by `stop`."""

    def __init__(self, app: Flask, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Chromium from the system, or a skip that says what is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium: apt-get install chromium (make test does it when it can)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("no Playwright: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where this run's screenshots go."""
    folder = Path(os.environ.get("HOTLINE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
