"""Two test runs on one Redis database would flush each other's keys and fail at random (seen
when a run was started beside another on the same REDIS_URL): the second is refused at once."""

from __future__ import annotations

import pytest

from tests.conftest import redis_database_held


def test_a_second_test_run_on_the_same_redis_database_is_refused(
    redis_url: str, testrun_uid: str
) -> None:
    # This run holds its database already (REDIS_URL), or nobody does (the embedded server).
    with redis_database_held(redis_url, testrun_uid):
        with pytest.raises(RuntimeError, match="another test run is using Redis database"):
            with redis_database_held(redis_url, "another-run"):
                pass
        with redis_database_held(redis_url, testrun_uid):  # its own run again is no other
            pass
