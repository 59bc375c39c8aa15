"""How long each voice webhook takes, over many whole calls through the Twilio emulator.

Twilio waits 15 s for a webhook; a caller hears every extra second. Run: `make bench`
(SQLite and the embedded Redis in a temporary folder, or DATABASE_URL / REDIS_URL).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

from hotline import create_app, migrate, roster
from hotline.db import engine, session_scope
from hotline.extensions import get_keyring
from hotline.models import DutyOverride, Strategy
from hotline.simulator import Behaviour, TwilioEmulator, WebhookResponse, WsgiTransport

LINE = "+996312900100"
TOKEN = "bench-token"
SID = "AC" + "0" * 32
PUBLIC = "https://hotline.example.org"


class TimedTransport:
    """Delivers through WSGI and keeps how long each path took, in milliseconds."""

    def __init__(self, inner: WsgiTransport) -> None:
        self.inner = inner
        self.timings: dict[str, list[float]] = defaultdict(list)

    def deliver(
        self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> WebhookResponse:
        """Deliver and time one request."""
        started = time.perf_counter()
        response = self.inner.deliver(method, url, form, headers)
        self.timings[urlsplit(url).path].append(1000 * (time.perf_counter() - started))
        return response


def build(folder: Path) -> tuple[TwilioEmulator, TimedTransport]:
    """An app with one line and five counsellors (two never answer), and its emulator."""
    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'b.sqlite3'}",
            "HOTLINE_PUBLIC_URL": PUBLIC,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_ACCOUNT_SID": SID,
            "HOTLINE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "HOTLINE_WRAP_UP_SECONDS": 0,
        }
    )
    migrate.upgrade(engine(app))
    transport = TimedTransport(WsgiTransport(app))
    emulator = TwilioEmulator(transport, SID, TOKEN, PUBLIC)
    app.config["HOTLINE_CLOCK"] = emulator.clock.now
    emulator.add_line(LINE)
    with session_scope(app) as session:
        roster.add_line(session, LINE, "ky", None, Strategy.RRMEMORY)
        for i in range(5):
            phone = f"+99655500{i:04d}"
            added = roster.add_counsellor(
                session, get_keyring(app), name=f"c{i}", phone=phone, languages=["ky", "ru"]
            )
            added.duty = DutyOverride.ON
            emulator.add_phone(phone, Behaviour.IGNORE if i < 2 else Behaviour.ANSWER_ACCEPT)
    return emulator, transport


def main() -> None:
    """Run the calls and print per-webhook latency."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        emulator, transport = build(Path(folder))
        started = time.perf_counter()
        for n in range(args.calls):
            emulator.call(f"+996700{n:06d}", LINE, keys=["2", "1"])
            if (n + 1) % 50 == 0:
                print(f"  {n + 1}/{args.calls} calls")
        elapsed = time.perf_counter() - started
        print(f"{args.calls} calls in {elapsed:.1f} s; webhook latency in ms:")
        print(f"  {'path':<22}{'count':>7}{'median':>9}{'p95':>9}{'max':>9}")
        for path, times in sorted(transport.timings.items()):
            p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
            print(
                f"  {path:<22}{len(times):>7}{statistics.median(times):>9.1f}"
                f"{p95:>9.1f}{max(times):>9.1f}"
            )


if __name__ == "__main__":
    main()
