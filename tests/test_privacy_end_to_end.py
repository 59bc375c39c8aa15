"""Privacy, end to end: after whole calls, no caller's or counsellor's number is anywhere."""

from __future__ import annotations

import io
import logging

from flask import Flask
from redis import Redis
from sqlalchemy import Engine, text

from hotline.simulator import HANGUP, TwilioEmulator
from tests.callback_support import Deliveries
from tests.conftest import LINE, Hotline, database_text, redis_text

SENTINEL_CALLER = "+996700271828"
SENTINEL_COUNSELLOR = "+996555314159"
NEEDLES = ("700271828", "555314159")


def test_no_number_reaches_the_database_redis_or_logs(
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    migrated_engine: Engine,
    redis: Redis,
    captured_logs: io.StringIO,
) -> None:
    hotline.centres()
    hotline.line(language="ru")
    hotline.counsellor("Aigul", SENTINEL_COUNSELLOR)
    emulator.call(SENTINEL_CALLER, LINE, keys=["2", "1"])  # talks to a counsellor
    emulator.call(SENTINEL_CALLER, LINE, keys=["2", "3", "1", HANGUP])  # centres by SMS
    queued = redis_text(redis)  # the SMS waits in RQ: its job is searched too
    assert "send_sms" in queued
    Deliveries(app, emulator, redis).run()
    emulator.call(SENTINEL_CALLER, LINE, keys=["2", "2", "1", "1", "1"])  # asks for a callback
    logging.getLogger("hotline.test").info("caller %s rang", SENTINEL_CALLER)  # the filter works

    assert [m.to for m in emulator.outbox] == [SENTINEL_CALLER]  # the SMS really went to it
    stored = database_text(migrated_engine)
    assert "Aigul" in stored and "centres" in stored  # the dump really holds the rows
    with migrated_engine.connect() as connection:
        sealed = connection.execute(text("SELECT number_sealed FROM callback")).scalar_one()
    assert sealed  # the callback keeps its number, but only sealed
    logged = captured_logs.getvalue()
    assert "caller [number] rang" in logged
    for needle in NEEDLES:
        assert needle not in stored
        assert needle not in queued and needle not in redis_text(redis)
        assert needle not in logged
