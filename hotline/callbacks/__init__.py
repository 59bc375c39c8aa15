"""Callbacks the hotline owes: the state machine (`state`: every change is a verb here, a
compare-and-set in the database), safe windows (`windows`, pure) and delivery to RQ
(`delivery`: job arguments are ids only). Views and jobs call these verbs; none changes a
callback's state itself. No flask, no twilio.
"""

from hotline.callbacks import held
from hotline.callbacks.delivery import (
    JOB_TIMEOUT,
    SWEEPER_JOB_ID,
    deliver,
    is_waiting,
    job_id,
    schedule_sweeper,
)
from hotline.callbacks.policy import CallbackPolicy, policy_from
from hotline.callbacks.state import (
    CALLER_ANSWERED,
    CLAIM_READING,
    OPEN_STATES,
    RINGING_STATES,
    WINDOW_KEYS,
    Claimed,
    asked_by,
    caller_answered,
    caller_leg_ended,
    caller_missed,
    cancel_open,
    claim,
    close,
    counsellor_accepted,
    counsellor_chosen,
    counsellor_declined,
    due,
    expire_old,
    nobody_free,
    open_request,
    record_counsellor_call,
    request_callback,
    retry_later,
    stale,
    why_not_claimed,
)
from hotline.callbacks.windows import closes_at, is_open, next_opening

__all__ = [
    "held",
    "CALLER_ANSWERED",
    "CLAIM_READING",
    "JOB_TIMEOUT",
    "OPEN_STATES",
    "RINGING_STATES",
    "SWEEPER_JOB_ID",
    "WINDOW_KEYS",
    "CallbackPolicy",
    "Claimed",
    "asked_by",
    "cancel_open",
    "caller_answered",
    "caller_leg_ended",
    "caller_missed",
    "claim",
    "close",
    "closes_at",
    "counsellor_accepted",
    "counsellor_chosen",
    "counsellor_declined",
    "deliver",
    "due",
    "expire_old",
    "is_open",
    "is_waiting",
    "job_id",
    "next_opening",
    "nobody_free",
    "open_request",
    "policy_from",
    "record_counsellor_call",
    "request_callback",
    "retry_later",
    "schedule_sweeper",
    "stale",
    "why_not_claimed",
]
