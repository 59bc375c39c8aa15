"""`make load`, smaller: 40 whole calls at once through gunicorn on PostgreSQL, the emulator
playing every caller and counsellor. Nothing is timed here (bench/ measures); what must hold
under a crowd is asserted: no error, nobody sent to the reserve line, no counsellor on two
calls, every call completed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import make_url

from bench.crowd import crowd

CALLS = 40


@pytest.mark.slow
def test_forty_simultaneous_calls_reach_forty_counsellors_without_an_error(
    database_url: str, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only, as in production: make test runs it in its PostgreSQL pass")
    monkeypatch.setenv("REDIS_URL", redis_url)
    own = url.set(database=f"{url.database}_load")  # the crowd's stage wipes its database
    result = crowd(own.render_as_string(hide_password=False), CALLS, tmp_path, 1, 4.0, 5)
    assert result.failures() == []
    assert (result.completed, result.answered, result.double_bookings) == (CALLS, CALLS, 0)
