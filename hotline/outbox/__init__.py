"""The outbox: SMS the hotline writes itself (notices, replies that answer no webhook), sent
through RQ by reference, at most once each, and every SMS body redacted at Twilio afterwards.

`state` keeps each message's sending state in the database (every change a compare-and-set),
`delivery` hands ids to RQ, `writers` turns a message's text reference into its text. A text
never rides in a job, and a number only sealed in the message row until Twilio has it.
Relayed bodies never come here: they pass through the webhook's own answer. No flask, no twilio.
"""

from hotline.outbox.delivery import (
    REDACT_JOB,
    SEND_JOB,
    SMS_SWEEPER_JOB_ID,
    deliver_redaction,
    deliver_send,
    is_waiting,
    redaction_job_id,
    schedule_sms_sweeper,
    send_job_id,
)
from hotline.outbox.state import (
    FINAL_STATUSES,
    OutboxPolicy,
    Outgoing,
    adopt,
    cancel_to,
    claim,
    due,
    failed,
    handed,
    policy_from,
    put,
    redacted,
    redaction_failed,
    redactions_owed,
    release,
    retry_later,
    stale,
)
from hotline.outbox.writers import WRITERS, NoWriter, Writer, register_writer, write

__all__ = [
    "FINAL_STATUSES",
    "REDACT_JOB",
    "SEND_JOB",
    "SMS_SWEEPER_JOB_ID",
    "WRITERS",
    "NoWriter",
    "OutboxPolicy",
    "Outgoing",
    "Writer",
    "adopt",
    "cancel_to",
    "claim",
    "deliver_redaction",
    "deliver_send",
    "due",
    "failed",
    "handed",
    "is_waiting",
    "policy_from",
    "put",
    "redacted",
    "redaction_failed",
    "redaction_job_id",
    "redactions_owed",
    "register_writer",
    "release",
    "retry_later",
    "schedule_sms_sweeper",
    "send_job_id",
    "stale",
    "write",
]
