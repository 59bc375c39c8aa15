"""The hotline's states and names as the console shows them, translated (lazily, per request)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # newer than stubs

from hotline.audit import Action
from hotline.models import (
    AttemptResult,
    CallbackState,
    CallOutcome,
    Direction,
    SafeWindow,
    Strategy,
)

OUTCOMES: dict[str, LazyString] = {
    CallOutcome.IN_PROGRESS: _l("in progress"),
    CallOutcome.ANSWERED: _l("answered"),
    CallOutcome.ABANDONED_IN_MENU: _l("hung up in the menu"),
    CallOutcome.ABANDONED_WAITING: _l("hung up waiting"),
    CallOutcome.NO_COUNSELLOR: _l("nobody free"),
    CallOutcome.CALLBACK_REQUESTED: _l("callback asked"),
    CallOutcome.INFORMATION: _l("information only"),
    CallOutcome.BLOCKED: _l("blocked"),
    CallOutcome.RESERVE_LINE: _l("sent to the reserve line"),
    CallOutcome.FAILED: _l("failed"),
}
ATTEMPTS: dict[str, LazyString] = {
    AttemptResult.RINGING: _l("ringing"),
    AttemptResult.ACCEPTED: _l("accepted"),
    AttemptResult.DECLINED: _l("declined"),
    AttemptResult.NO_ANSWER: _l("no answer"),
    AttemptResult.BUSY: _l("busy"),
    AttemptResult.FAILED: _l("failed"),
    AttemptResult.CANCELED: _l("cancelled"),
}
CALLBACK_STATES: dict[str, LazyString] = {
    CallbackState.PENDING: _l("waiting"),
    CallbackState.SCHEDULED: _l("scheduled"),
    CallbackState.RINGING_COUNSELLOR: _l("ringing a counsellor"),
    CallbackState.RINGING_CALLER: _l("ringing the caller"),
    CallbackState.COMPLETED: _l("completed"),
    CallbackState.FAILED: _l("failed"),
    CallbackState.EXPIRED: _l("expired"),
    CallbackState.CANCELLED: _l("cancelled"),
}
WINDOWS: dict[str, LazyString] = {
    SafeWindow.ASAP: _l("as soon as possible"),
    SafeWindow.MORNING: _l("morning 08–12"),
    SafeWindow.AFTERNOON: _l("afternoon 12–17"),
    SafeWindow.EVENING: _l("evening 17–21"),
}
DIRECTIONS: dict[str, LazyString] = {
    Direction.INBOUND: _l("received"),
    Direction.OUTBOUND: _l("sent"),
}
AREAS: dict[str, LazyString] = {
    "bishkek": _l("Bishkek"),
    "chuy": _l("Chuy oblast"),
    "osh-city": _l("Osh city"),
    "osh": _l("Osh oblast"),
    "talas": _l("Talas oblast"),
    "naryn": _l("Naryn oblast"),
    "batken": _l("Batken oblast"),
    "jalal-abad": _l("Jalal-Abad oblast"),
    "issyk-kul": _l("Issyk-Kul oblast"),
    "mobile": _l("mobile"),
}
STRATEGIES: dict[str, LazyString] = {
    Strategy.RRMEMORY: _l("round robin"),
    Strategy.LEASTRECENT: _l("longest idle"),
    Strategy.RINGALL: _l("ring all"),
    Strategy.LINEAR: _l("same order"),
}
ROLES: dict[str, LazyString] = {"supervisor": _l("supervisor"), "admin": _l("admin")}
FIGURES: dict[str, LazyString] = {
    "calls": _l("Calls today"),
    "answered": _l("Answered"),
    "abandoned": _l("Hung up before an answer"),
    "messages": _l("SMS received today"),
    "callbacks_waiting": _l("Callbacks waiting"),
    "blocks": _l("Callers blocked"),
}
ACTIONS: dict[str, LazyString] = {
    Action.LOGIN: _l("signed in"),
    Action.LOGIN_FAILED: _l("failed sign-in"),
    Action.LOGOUT: _l("signed out"),
    Action.VIEW_CALLS: _l("viewed the call log"),
    Action.VIEW_CALL: _l("viewed a call"),
    Action.EXPORT_CALLS: _l("exported the call log"),
    Action.VIEW_MESSAGES: _l("viewed the SMS log"),
    Action.VIEW_CALLBACKS: _l("viewed the callbacks"),
    Action.VIEW_AUDIT: _l("viewed the audit trail"),
    Action.BLOCK: _l("blocked a caller"),
    Action.UNBLOCK: _l("lifted a block"),
    Action.COUNSELLOR_ADD: _l("added a counsellor"),
    Action.COUNSELLOR_EDIT: _l("changed a counsellor"),
    Action.COUNSELLOR_ACTIVE: _l("(de)activated a counsellor"),
    Action.SHIFT_ADD: _l("added a shift"),
    Action.SHIFT_REMOVE: _l("removed a shift"),
    Action.LINE_EDIT: _l("changed a line"),
    Action.USER_ADD: _l("added an account"),
    Action.USER_ACTIVE: _l("(dis)abled an account"),
    Action.USER_RESET: _l("reset a password"),
    Action.OWN_PASSWORD: _l("changed their password"),
    Action.OWN_SECOND_FACTOR: _l("set up a second factor"),
    Action.OWN_PHONE: _l("changed their phone for alerts"),
    Action.VIEW_REPORT: _l("viewed a report"),
    Action.EXPORT_REPORT: _l("exported a report"),
    Action.PURGE: _l("deleted old records (retention)"),
}
DAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


# The roster's refusals, for the catalogs: the console says them in the reader's language.
REFUSALS = (
    _l("a counsellor needs a name"),
    _l("a name is at most 100 characters"),
    _l("a counsellor named '%(name)s' already exists"),
    _l("a counsellor speaks at least one language"),
    _l("that phone is already registered to another counsellor"),
    _l("%(name)s has the shift %(shift)s already"),
    _l("%(shift)s overlaps %(name)s's shift %(other)s"),
    _l("shift times must be HH:MM between 00:00 and 24:00"),
    _l("a shift must not start and end at the same time"),
    _l("the wait bound must be 20 to 900 seconds"),
)


def refusal(error: ValueError) -> str:
    """A roster refusal in the reader's language (English when the catalogs lack it)."""
    template = getattr(error, "template", None)
    if template is None:
        return str(error)
    text: str = gettext(template, **getattr(error, "values", {}))
    return text


def options(pairs: Iterable[tuple[str, object]]) -> list[Any]:
    """Select options from (value, label) pairs (WTForms' SelectChoice: labels may be lazy)."""
    return [SelectChoice(value, label) for value, label in pairs]


def choices(table: Mapping[str, object], blank: object | None = None) -> list[Any]:
    """Select options from a label table, with a first "any" option when `blank` is given."""
    first = [("", blank)] if blank is not None else []
    return options([*first, *table.items()])
