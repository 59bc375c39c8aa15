"""gunicorn's settings for the hotline web process (Procfile, Procfile.dev, make load).

Threads, not processes, carry the concurrency: a webhook mostly waits on the database, and a
thread whose database stalls is freed within HOTLINE_DB_DEADLINE_SECONDS. Of the 32, only
HOTLINE_WEBHOOKS_AT_ONCE voice webhooks work at once (hotline.turns) and the rest queue, so
plenty stay free for /voice/fallback while others wait.
"""

import gc
import os

bind = f"{os.environ.get('WEB_HOST', '0.0.0.0')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "32"))
timeout = 20
# Two servers on one machine would share the default control socket and take it from each
# other; the hotline does not use it.
control_socket_disable = True


def post_fork(server: object, worker: object) -> None:
    """The cyclic garbage collector is held off while the worker loads the app: it would walk
    the objects of the imports and the app again and again as they come (0.2 s of a start)."""
    gc.disable()


def post_worker_init(worker: object) -> None:
    """What a worker has loaded by now (the app, its libraries) lives as long as it does: move it
    out of the cyclic garbage collector's sight, then let the collector run. Else each full
    collection walks all of it again (about 120,000 objects, 50 to 65 ms holding the GIL: no
    other thread of the worker runs)."""
    gc.freeze()
    gc.enable()
