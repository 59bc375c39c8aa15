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
# The master loads the app once and forks each worker from it, so the workers share what it
# loaded (the libraries and the app, about 90 MB) page by page, until one writes to a page. A
# worker that dies is replaced with nothing to import, and a bad setting stops the master at
# start instead of failing every worker's boot. Safe because create_app opens no connection and
# starts no thread: each worker opens its own (tests/test_web_process.py).
preload_app = True


def pre_fork(server: object, worker: object) -> None:
    """What the master loaded lives as long as the workers forked from it: move it out of the
    cyclic garbage collector's sight before each fork. Else each full collection in a worker
    walks it again (about 120,000 objects, 50 to 65 ms holding the GIL: no other thread of the
    worker runs), writing to every object's header and so copying the pages it shares."""
    gc.freeze()
