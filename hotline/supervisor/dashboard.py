"""The overview's charts: a period's figures (hotline.reports) named in the reader's language.

They show exact counts, never "<5": they are for the centre's own supervisors, who read the
call log row by row anyway; anything that leaves the centre is a report (small counts hidden).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import reports
from hotline.models import CallbackState, Counsellor
from hotline.reports import Chart, Series
from hotline.supervisor import labels
from hotline.supervisor.i18n import SPOKEN


def charts(session: Session, figures: reports.Overview, monthly: bool) -> list[Chart]:
    """Every chart of the overview, in the page's order."""
    return [
        *_over_time(figures, monthly),
        Chart("week", _("Calls by hour of day and weekday"), "heat",
              [f"{hour:02d}" for hour in range(24)],
              [Series(str(day), list(map(float, row)))
               for day, row in zip(labels.DAYS, figures.week, strict=True)],
              rows=[str(day) for day in labels.DAYS]),
        _bars("languages", _("Calls by language"), figures.languages, SPOKEN),
        _bars("oblasts", _("Calls by oblast"), figures.areas, labels.AREAS),
        _bars("outcomes", _("Outcomes"), figures.outcomes, labels.OUTCOMES),
        _counsellors(session, figures.offers),
    ]  # fmt: skip


def _over_time(figures: reports.Overview, monthly: bool) -> list[Chart]:
    """The charts with a column or point per day (or month)."""
    steps, per = figures.steps, _("per month") if monthly else _("per day")
    axis = steps if monthly else [step[5:] for step in steps]  # "03-14" under a day
    paired = zip(figures.answered, figures.calls, strict=True)
    # Rounded once, where it is shown: rounding here too showed 56.52 as "56".
    share = [100 * answered / calls if calls else None for answered, calls in paired]
    median = [reports.percentile(w, 0.5) for w in figures.waits]
    slow = [reports.percentile(w, 0.9) for w in figures.waits]
    callbacks = figures.callbacks
    return [
        Chart("calls", f"{_('Calls')}, {per}", "columns", steps,
              [Series(_("calls"), list(figures.calls))], axis=axis),
        Chart("answered", f"{_('Answered share')}, {per}", "lines", steps,
              [Series(_("answered"), list(share))], unit="%", axis=axis),
        Chart("wait", f"{_('Time to answer')}, {per}", "lines", steps,
              [Series(_("median"), list(median)), Series(_("90th percentile"), list(slow))],
              unit=" s", axis=axis),
        Chart("callbacks", f"{_('Callbacks completed and expired')}, {per}", "columns", steps,
              [Series(_("completed"), _series(callbacks, CallbackState.COMPLETED, steps)),
               Series(_("expired"), _series(callbacks, CallbackState.EXPIRED, steps))],
              axis=axis),
        Chart("conversations", f"{_('SMS conversations')}, {per}", "columns", steps,
              [Series(_("conversations"), list(figures.conversations))], axis=axis),
    ]  # fmt: skip


def _series(values: dict[str, list[int]], key: str, steps: list[str]) -> list[float | None]:
    return list(values.get(key, [0] * len(steps)))


def _bars(key: str, title: str, counts: Counter[str], names: Mapping[str, object]) -> Chart:
    """Horizontal bars, largest first; a blank key is "unknown"."""
    ordered = counts.most_common()
    shown = [str(names.get(k, k)) if k else _("unknown") for k, _n in ordered]
    return Chart(key, title, "bars", shown, [Series(_("calls"), [n for _k, n in ordered])])


def _counsellors(session: Session, offers: dict[int, Counter[str]]) -> Chart:
    """Offers, answers and missed offers per counsellor, busiest first."""
    names = {
        person: name for person, name in session.execute(select(Counsellor.id, Counsellor.name))
    }
    busiest = sorted(offers, key=lambda person: -sum(offers[person].values()))
    return Chart(
        "counsellors",
        _("Counsellor load"),
        "bars",
        [names.get(person, f"#{person}") for person in busiest],
        [
            Series(_("offers"), [sum(offers[p].values()) for p in busiest]),
            Series(_("answered"), [offers[p]["accepted"] for p in busiest]),
            Series(_("missed"), [offers[p]["missed"] for p in busiest]),
        ],
    )


def summary(figures: reports.Overview, repeat_callers: int) -> list[tuple[str, str]]:
    """The period in a few numbers: (name, value)."""
    calls, answered = sum(figures.calls), sum(figures.answered)
    median, slow = figures.wait_percentile(0.5), figures.wait_percentile(0.9)
    completed = reports.callbacks_in(figures, CallbackState.COMPLETED)
    return [
        (_("Calls"), str(calls)),
        (_("Answered"), f"{round(100 * answered / calls)}%" if calls else "–"),
        (_("Time to answer, median"), reports.number(median, " s")),
        (_("Time to answer, 90th percentile"), reports.number(slow, " s")),
        (_("Repeat callers (2 calls or more)"), str(repeat_callers)),
        (_("Callbacks completed"), str(completed)),
        (_("Callbacks expired"), str(reports.callbacks_in(figures, CallbackState.EXPIRED))),
        (_("SMS conversations"), str(sum(figures.conversations))),
        (_("SMS received"), str(figures.sms_received)),
    ]
