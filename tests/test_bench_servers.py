"""`make bench`'s webhooks table says how wrk's connections were shared between gunicorn's
workers (each keeps those it accepted): the count must be of the open client connections,
every one of them, held by the workers, not the master's listening socket."""

from __future__ import annotations

import http.client
import time
from dataclasses import replace

from bench.__main__ import Result, _split, one_worker_held_all
from bench.servers import Gunicorn


def test_connections_per_worker_counts_each_open_client_connection_once() -> None:
    with Gunicorn("bench.bare:create_app()", {"BARE_BODY_BYTES": "200"}) as server:
        assert server.connections_per_worker() == [0, 0]
        clients = [
            http.client.HTTPConnection("127.0.0.1", server.port, timeout=5) for _ in range(5)
        ]
        try:
            for client in clients:  # a request each, its connection then kept alive
                client.request("POST", "/voice/incoming", body="")
                answer = client.getresponse()
                assert answer.status == 200 and len(answer.read()) == 200
            split = server.connections_per_worker()
            assert len(split) == 2 and sum(split) == 5
            memory = server.memory()  # a worker's own pages, its share, all it maps; the server's
            assert 0 < memory.uss < memory.pss < memory.rss < memory.server
        finally:
            for client in clients:
                client.close()
        deadline = time.monotonic() + 5
        while sum(server.connections_per_worker()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.connections_per_worker() == [0, 0]


def test_a_run_on_one_worker_alone_is_marked() -> None:
    """A row whose connections all went to one worker measured one process, not two."""
    run = Result(1000, 1.0, 0, 1.0, 2.0, 0.5, (0, 16))
    assert one_worker_held_all(run) and _split(run) == "0/16*"
    shared = replace(run, split=(7, 9))
    assert not one_worker_held_all(shared) and _split(shared) == "7/9"
    assert not one_worker_held_all(replace(run, split=()))  # the split was not looked at
