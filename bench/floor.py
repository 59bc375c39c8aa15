"""The floor under `/voice/incoming`: the least any new call must cost, served as the hotline is
(the same gunicorn configuration, the same signed requests, the same size of answer).

A new call cannot do less than this: check Twilio's signature over the form, pseudonymize the
caller (HMAC-SHA256 of From), write one row and answer. The signature and the pseudonym are the
hotline's own functions; the rest has no extension, no pool, no ORM and no SQLAlchemy: a
connection of its own for each thread, the driver's autocommit, one INSERT of two columns whose
commit does not wait for the disk (as the hotline's steps of a call do). So the floor's ratio to
bare Flask is about the most a new call can reach on a machine while each call is written before
it is answered; the rest of the gap between the floor and `/voice/incoming` is the hotline's own.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from flask import Flask, Response, abort, request
from sqlalchemy import Engine, make_url, text

from bench.bare import answer_body
from hotline.privacy import pseudonymize
from hotline.webhooks import signature_is_valid

TABLE = "bench_floor"
# As the hotline's: a CallSid seen before (a retry; here, wrk going round its file) is skipped.
INSERT = "INSERT INTO " + TABLE + " (call_sid, caller) VALUES ({0}, {0}) ON CONFLICT DO NOTHING"


def prepare(bound: Engine) -> None:
    """An empty table for the floor's rows, beside the hotline's."""
    with bound.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        connection.execute(
            text(f"CREATE TABLE {TABLE} (call_sid VARCHAR(34) PRIMARY KEY, caller VARCHAR(80))")
        )


def _connector(database_url: str) -> tuple[Any, str]:
    """How a thread opens its connection, and the INSERT in the driver's parameter style."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":

        def open_sqlite() -> Any:
            connection = sqlite3.connect(url.database or "", timeout=5, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            return connection

        return open_sqlite, INSERT.format("?")
    import psycopg

    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)

    def open_postgresql() -> Any:
        # As the hotline's call steps (hotline.db.call_steps): commits not waiting for the disk.
        options = "-c synchronous_commit=off"
        return psycopg.connect(libpq_url, autocommit=True, prepare_threshold=0, options=options)

    return open_postgresql, INSERT.format("%s")


def create_app() -> Flask:
    """The floor app: every POST checked, its caller pseudonymized, one row written."""
    body = answer_body()
    key = os.environ["HOTLINE_PSEUDONYM_KEY"]
    connect, insert = _connector(os.environ["DATABASE_URL"])
    local = threading.local()
    app = Flask(__name__)
    for name in ("TWILIO_AUTH_TOKEN", "HOTLINE_PUBLIC_URL"):  # what signature_is_valid reads
        app.config[name] = os.environ[name]
    opened: list[Any] = app.extensions.setdefault(TABLE, [])

    @app.post("/<path:anything>")
    def answer(anything: str) -> Response:
        if not signature_is_valid():
            abort(403)
        caller = pseudonymize(request.form["From"], key, 1)
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = connect()
            opened.append(connection)
        connection.execute(insert, (request.form["CallSid"], caller))
        return Response(body, mimetype="text/xml")

    return app


def close(app: Flask) -> None:
    """Close the connections the app's threads opened (a gunicorn worker's end closes them)."""
    for connection in app.extensions.get(TABLE, []):
        connection.close()
