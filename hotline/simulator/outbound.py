"""Calls the app creates through the REST API: queued, then rung by run_pending."""

from __future__ import annotations

from hotline.simulator.account import Account
from hotline.simulator.clock import new_sid
from hotline.simulator.errors import ApiError
from hotline.simulator.legs import Fetch, Leg, LegEnd
from hotline.simulator.parties import KeyScript
from hotline.simulator.records import Behaviour, CallRecord, OutboundCall
from hotline.simulator.webhooks import call_params

QUICK_FAILURE_SECONDS = 1
UNANSWERED_STATUS = {Behaviour.BUSY: "busy", Behaviour.FAIL: "failed"}


def place(emulator: Account, to: str, from_: str, spec: OutboundCall) -> CallRecord:
    """Check and queue a call; Twilio answers at once with status queued."""
    if emulator.lines and from_ not in emulator.lines:
        raise ApiError(400, 21210, "The source phone number provided, From, is not verified")
    if spec.url is None and spec.twiml is None:
        raise ApiError(400, 21205, "Url or Twiml parameter is required")
    record = CallRecord(
        new_sid("CA"), emulator.account_sid, "outbound-api", from_, to, emulator.clock.now()
    )
    emulator.register(record)
    emulator.queue(lambda: run(emulator, record, spec))
    return record


def run(emulator: Account, record: CallRecord, spec: OutboundCall) -> CallRecord:
    """Ring the scripted phone; when it answers, run the call's TwiML on that leg."""
    clock = emulator.clock
    feed = emulator.status_feed(record, spec.status_callback, spec.status_callback_events)
    params = call_params(record)
    if record.status == "canceled":  # updated before it ever rang
        emulator.finish_call(record, "canceled", feed, params)
        return record
    record.started = clock.now()
    for status in ("initiated", "ringing"):
        record.status = status
        feed.call_status(params, status)
    phone = emulator.phone(record.to)
    if not phone.answers or phone.ring_seconds >= spec.timeout:
        quick = phone.behaviour in UNANSWERED_STATUS
        clock.advance(QUICK_FAILURE_SECONDS if quick else spec.timeout)
        status = UNANSWERED_STATUS.get(phone.behaviour, "no-answer")
        emulator.finish_call(record, status, feed, params)
        return record
    clock.advance(phone.ring_seconds)
    record.answered = clock.now()
    record.status = "in-progress"
    if spec.machine_detection:
        machine = phone.behaviour is Behaviour.VOICEMAIL
        record.answered_by = "machine_start" if machine else "human"
        params["AnsweredBy"] = record.answered_by
    feed.call_status(params, "in-progress")
    leg = Leg(
        record,
        record.call_sid,
        params,
        KeyScript(phone.key_script()),
        record.transcript,
        fallback_url=emulator.webhooks.absolute(spec.fallback_url) if spec.fallback_url else None,
        answered=True,
    )
    first = Fetch(emulator.webhooks.absolute(spec.url or "/"), spec.method)
    emulator.run_leg(leg, first, inline=spec.twiml)
    emulator.finish_call(record, "completed", feed, params)
    return record


def update(
    emulator: Account, record: CallRecord, url: str | None, method: str, status: str | None
) -> CallRecord:
    """Redirect a live call to `url`, or end it (status completed or canceled)."""
    if status is not None and status not in ("completed", "canceled"):
        raise ApiError(400, 21218, "Status must be completed or canceled")
    if record.status == "queued":
        if status is not None:
            record.status = "canceled"
        return record
    leg = emulator.live_leg(record.call_sid)
    if leg is None:
        raise ApiError(400, 21220, "Call is not in-progress. Cannot redirect.")
    if status is not None:
        leg.update = LegEnd.HANGUP
    elif url is not None:
        leg.update = Fetch(emulator.webhooks.absolute(url), method)
    return record
