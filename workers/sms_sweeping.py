"""The SMS sweeper: the database says what is owed; this makes Redis and Twilio agree with it.

- A conversation whose counsellor let the reply time pass goes to the next counsellor; one
  idle past the idle time is closed, its number erased. Both leave notices in the outbox.
- A send claim with no news (a worker killed mid-request) is settled from what Twilio knows.
- Waiting messages with no job in Redis (flushed, lost, or down when they were queued) are
  queued again; so are redactions whose status callback never came.
"""

from __future__ import annotations

from flask import Flask

from hotline import conversations, outbox
from hotline.db import session_scope
from hotline.extensions import get_queue
from hotline.extensions import now as clock_now
from workers.sending import settle_stale


def sweep(app: Flask) -> str:
    """One sweep; counts, e.g. "reassigned 1, closed 0, settled 0, queued 3, redactions 2"."""
    moment = clock_now(app)
    policy = outbox.policy_from(app.config)
    relay = conversations.policy_from(app.config)
    queue = get_queue(app)
    with session_scope(app) as session:
        reassigned = conversations.reassign_silent(session, moment, relay)
        closed = conversations.close_idle(session, moment, relay)
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
    moved = {m.conversation_id for m in reassigned if m.intent == "relay_new"}
    return (
        f"reassigned {len(moved)}, closed {len(closed)}, "
        f"settled {len(settled)}, queued {queued}, redactions {redactions}"
    )
