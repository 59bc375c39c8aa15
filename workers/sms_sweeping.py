"""The SMS sweeper: the database says what is owed; this makes Redis and Twilio agree with it.

- A send claim with no news (a worker killed mid-request) is settled from what Twilio knows.
- Waiting messages with no job in Redis (flushed, lost, or down when they were queued) are
  queued again; so are redactions whose status callback never came.
"""

from __future__ import annotations

from flask import Flask

from hotline import outbox
from hotline.db import session_scope
from hotline.extensions import get_queue
from hotline.extensions import now as clock_now
from workers.sending import settle_stale


def sweep(app: Flask) -> str:
    """One sweep; returns counts, e.g. "settled 0, queued 1, redactions 2"."""
    moment = clock_now(app)
    policy = outbox.policy_from(app.config)
    queue = get_queue(app)
    with session_scope(app) as session:
        stale = outbox.stale(session, moment, policy)
        settled = [settle_stale(app, session, message, moment) for message in stale]
        due = outbox.due(session, moment)
        owed = outbox.redactions_owed(session, moment, policy)
    queued = sum(
        outbox.deliver_send(queue, message_id)
        for message_id in due
        if not outbox.is_waiting(queue, outbox.send_job_id(message_id))
    )
    redactions = sum(
        outbox.deliver_redaction(queue, message_id)
        for message_id in owed
        if not outbox.is_waiting(queue, outbox.redaction_job_id(message_id))
    )
    return f"settled {len(settled)}, queued {queued}, redactions {redactions}"
