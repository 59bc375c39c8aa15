"""Reading the daily figures for a period: sums of tallies by day (or month), hour, language,
oblast, outcome, counsellor. Never raw rows: a year reads one row per day and breakdown.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import CallbackState, CallOutcome, Direction, Measure, Tally

MONTHLY_AFTER_DAYS = 92  # a longer period is drawn month by month


@dataclass(frozen=True)
class Span:
    """Local days `first` to `last`, both included; one line, or every line."""

    first: date
    last: date
    line_id: int | None = None

    @property
    def monthly(self) -> bool:
        """Whether its series go month by month (else day by day)."""
        return (self.last - self.first).days >= MONTHLY_AFTER_DAYS

    def step(self, day: date) -> str:
        """The step a day falls in: '2026-03-14', or '2026-03' when monthly."""
        return day.strftime("%Y-%m") if self.monthly else day.isoformat()

    def steps(self) -> list[str]:
        """Every step of the span, in order."""
        days = (self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1))
        return list(dict.fromkeys(self.step(day) for day in days))


def sums(session: Session, measure: Measure, span: Span, *by: str) -> list[Any]:
    """(each of `by`..., items, amount) summed over the span's tallies of `measure`; `by` names
    Tally's columns, or "month" ('2026-03')."""
    columns = [_column(session, name) for name in by]
    query = (
        select(*columns, func.sum(Tally.items), func.sum(Tally.amount))
        .where(Tally.measure == measure, Tally.day >= span.first, Tally.day <= span.last)
        .group_by(*columns)
    )
    if span.line_id is not None:
        query = query.where(Tally.line_id == span.line_id)
    return list(session.execute(query))


def _column(session: Session, name: str) -> Any:
    if name != "month":
        return getattr(Tally, name)
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(Tally.day, "YYYY-MM")
    return func.strftime("%Y-%m", Tally.day)


def percentile(histogram: Mapping[int, int], share: float) -> int | None:
    """The nearest-rank percentile (0.5: the median) of a histogram value -> count."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(math.ceil(share * total), 1)
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # unreachable: the ranks add up to the total


@dataclass
class Overview:
    """The period's figures, each series one value per step."""

    steps: list[str]
    calls: list[int]
    answered: list[int]
    waits: list[Counter[int]]  # seconds to answer -> answered calls
    week: list[list[int]]  # weekday (Monday first) x hour of day
    languages: Counter[str] = field(default_factory=Counter)
    areas: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    offers: dict[int, Counter[str]] = field(default_factory=dict)  # counsellor -> kind -> n
    callbacks: dict[str, list[int]] = field(default_factory=dict)  # state -> per step
    conversations: list[int] = field(default_factory=list)
    sms_received: int = 0

    def wait_percentile(self, share: float) -> int | None:
        """A percentile of the time to answer over the whole period."""
        return percentile(sum(self.waits, Counter()), share)


def overview(session: Session, span: Span) -> Overview:
    """Every figure the overview's charts show, for `span` (the database adds them up)."""
    steps = span.steps()
    at = {step: index for index, step in enumerate(steps)}
    per = "month" if span.monthly else "day"

    def step(key: Any) -> int:
        return at[key if span.monthly else span.step(key)]

    empty = [0] * len(steps)
    figures = Overview(
        steps,
        list(empty),
        list(empty),
        [Counter() for _ in steps],
        [[0] * 24 for _ in range(7)],
        conversations=list(empty),
    )
    for when, outcome, items, _ in sums(session, Measure.CALLS, span, per, "kind"):
        figures.calls[step(when)] += items
        figures.outcomes[outcome] += items
        if outcome == CallOutcome.ANSWERED:
            figures.answered[step(when)] += items
    figures.languages.update(dict(_pairs(sums(session, Measure.CALLS, span, "language"))))
    figures.areas.update(dict(_pairs(sums(session, Measure.CALLS, span, "area"))))
    for when, seconds, items, _ in sums(session, Measure.WAITS, span, per, "bucket"):
        figures.waits[step(when)][seconds] += items
    for day, hour, items, _ in sums(session, Measure.HOURS, span, "day", "bucket"):
        figures.week[day.weekday()][hour] += items
    for counsellor, kind, items, _ in sums(session, Measure.OFFERS, span, "bucket", "kind"):
        figures.offers.setdefault(counsellor, Counter())[kind] += items
    for when, state, items, _ in sums(session, Measure.CALLBACKS, span, per, "kind"):
        figures.callbacks.setdefault(state, list(empty))[step(when)] += items
    for when, items, _ in sums(session, Measure.CONVERSATIONS, span, per):
        figures.conversations[step(when)] += items
    for direction, items, _ in sums(session, Measure.MESSAGES, span, "kind"):
        if direction == Direction.INBOUND:
            figures.sms_received += items
    return figures


def _pairs(rows: list[Any]) -> list[tuple[str, int]]:
    return [(key, items) for key, items, _ in rows]


def callbacks_in(figures: Overview, state: CallbackState | None = None) -> int:
    """Callbacks closed in the period, of one state or all."""
    if state is None:
        return sum(sum(series) for series in figures.callbacks.values())
    return sum(figures.callbacks.get(state, []))
