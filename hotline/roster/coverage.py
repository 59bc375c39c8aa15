"""Shift coverage: for each hour of the week and each language, how many counsellors are on
shift for the whole hour. A zero is a gap: a caller in that language may find nobody. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import time

from hotline.roster.shifts import MINUTES_PER_WEEK, week_spans

HOURS_PER_WEEK = 7 * 24


@dataclass(frozen=True)
class Rota:
    """One active counsellor's languages and weekly windows (weekday, start, end)."""

    languages: Sequence[str]
    windows: Sequence[tuple[int, time, time]]


def whole_hours(windows: Iterable[tuple[int, time, time]]) -> list[bool]:
    """For each hour of the week (Monday 00-01 first), whether the windows cover all of it."""
    minutes = bytearray(MINUTES_PER_WEEK)
    for window in windows:
        for begin, finish in week_spans(*window):
            minutes[begin:finish] = b"\x01" * (finish - begin)
    return [all(minutes[hour * 60 : hour * 60 + 60]) for hour in range(HOURS_PER_WEEK)]


def coverage(rotas: Iterable[Rota], languages: Sequence[str]) -> dict[str, list[int]]:
    """Language -> counsellors on shift in each hour of the week (168 counts, Monday first)."""
    counts = {language: [0] * HOURS_PER_WEEK for language in languages}
    for rota in rotas:
        covered = whole_hours(rota.windows)
        for language in rota.languages:
            if language in counts:
                row = counts[language]
                for hour, on in enumerate(covered):
                    row[hour] += on
    return counts
