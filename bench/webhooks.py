"""The voice webhooks measured, and the signed requests wrk sends them: a CallSid of its own for
every request, as Twilio would send them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.stage import ACCOUNT_SID, AUTH_TOKEN, LINE, PUBLIC_URL, Stage, calls_in_progress


@dataclass(frozen=True)
class Webhook:
    """One webhook: where it is, what Twilio posts, and the state a call is in beforehand."""

    name: str
    path: str
    extra: dict[str, str]
    language: str | None  # the call's language beforehand; None: the call is new
    existing: bool = True  # False: the request itself starts the call
    hunting: bool = False  # its hunt began beforehand: the menu put the caller on hold
    rung: bool = False  # beforehand, an offer rang a counsellor for it (`calls_in_progress`)


# The menu's 1 (a counsellor) and the dial action after no answer hunt in their own answer
# (hotline.ivr.connect.hunt_at_once): each costs its step and a hunt.
WEBHOOKS = (
    Webhook("incoming", "/voice/incoming", {"CallStatus": "ringing"}, None, existing=False),
    Webhook("language", "/voice/language?tries=0", {"Digits": "2"}, None),
    Webhook("menu", "/voice/menu?tries=0", {"Digits": "1"}, "ru"),
    # A caller's next turn on hold (the menu took their first), as every /voice/hunt is.
    Webhook("hunt", "/voice/hunt", {}, "ru", hunting=True),
    Webhook("dial action", "/voice/dial-done", {"DialCallStatus": "no-answer"}, "ru", rung=True),
    Webhook("status", "/voice/status", {"CallStatus": "completed", "CallDuration": "61"}, "ru"),
)


def chosen(names: str) -> tuple[Webhook, ...]:
    """The webhooks named (comma-separated), in the table's usual order."""
    wanted = {name.strip() for name in names.split(",")}
    unknown = wanted - {w.name for w in WEBHOOKS}
    if unknown:
        known = ", ".join(w.name for w in WEBHOOKS)
        raise SystemExit(f"unknown webhook {sorted(unknown)[0]!r}; known: {known}")
    return tuple(w for w in WEBHOOKS if w.name in wanted)


def sids(prefix: str, count: int) -> list[str]:
    """Twilio-shaped CallSids, distinct across webhooks and runs."""
    return [f"CA{prefix}{n:0{32 - len(prefix)}d}" for n in range(count)]


def write_requests(stage: Stage, webhook: Webhook, prefix: str, count: int, out: Path) -> Path:
    """Make the calls `webhook` needs and a file of `count` signed requests for wrk."""
    call_sids = sids(prefix, count)
    if webhook.existing:
        calls_in_progress(stage, call_sids, webhook.language, webhook.hunting, webhook.rung)
    out.write_text(
        "".join(f"{path}\t{sig}\t{body}\n" for path, sig, body in signed(webhook, call_sids))
    )
    return out


def signed(webhook: Webhook, call_sids: list[str]) -> list[tuple[str, str, str]]:
    """A request to `webhook` for each CallSid, as Twilio signs it: (path, signature, body)."""
    validator = RequestValidator(AUTH_TOKEN)
    made = []
    for n, sid in enumerate(call_sids):
        form = {
            "CallSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": f"+996700{n % 1000000:06d}",
            "To": LINE,
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            **webhook.extra,
        }
        signature = validator.compute_signature(PUBLIC_URL + webhook.path, form)
        made.append((webhook.path, signature, urlencode(form)))
    return made


def headers(signature: str) -> dict[str, str]:
    """The headers of a signed request's form body."""
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
