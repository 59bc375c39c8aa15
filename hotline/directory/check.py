"""Checking the directory before anything of it reaches callers: every centre's numbers, oblast,
languages and services; numbers kept as printed but marked to confirm. Pure."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from hotline.directory.entries import (
    LANGUAGES,
    SERVICES,
    CentreEntry,
    CentrePhone,
    Directory,
    NationalNumber,
)
from hotline.privacy import MOBILE, OBLASTS, InvalidNumber, normalize_number, oblast_of

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SHORT_NUMBER = re.compile(r"\d{2,4}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the directory, named by entry and field, and its line in the file."""

    where: str
    message: str
    line: int = 0  # 0: not tied to one line

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def check_directory(directory: Directory) -> list[Problem]:
    """Everything wrong in a loaded directory; centre numbers are public, so may be shown."""
    problems: list[Problem] = []
    slug_counts = Counter(centre.slug for centre in directory.centres)
    for slug, count in sorted(slug_counts.items()):
        if count > 1:
            again = [centre.line for centre in directory.centres if centre.slug == slug][1]
            problems.append(Problem(slug, f"slug used by {count} centres", again))
    for centre in directory.centres:
        problems.extend(_check_centre(centre))
    problems.extend(_check_national_numbers(directory.national_numbers))
    return problems


def _check_centre(centre: CentreEntry) -> list[Problem]:
    problems = [replace(problem, line=centre.line) for problem in _check_fields(centre)]
    for index, phone in enumerate(centre.phones, start=1):
        if not phone.confirm:  # a number awaiting confirmation is listed by to_confirm()
            found = _check_phone(phone, centre, f"{centre.slug}: phone {index}")
            problems += [replace(problem, line=phone.line) for problem in found]
    return problems


def _check_fields(centre: CentreEntry) -> list[Problem]:
    where = centre.slug
    problems: list[Problem] = []
    if not _SLUG.fullmatch(centre.slug):
        problems.append(Problem(where, "slug must be lowercase letters, digits and hyphens"))
    if centre.oblast is not None and centre.oblast not in OBLASTS:
        problems.append(Problem(where, f"unknown oblast {centre.oblast!r}"))
    for language in centre.languages:
        if language not in LANGUAGES:
            problems.append(Problem(where, f"unknown language {language!r}"))
    if not centre.languages:
        problems.append(Problem(where, "no languages listed"))
    for service in centre.services:
        if service not in SERVICES:
            problems.append(Problem(where, f"unknown service {service!r}"))
    if centre.publish and not centre.phones:
        problems.append(Problem(where, "published but has no phone"))
    return problems


def to_confirm(directory: Directory) -> list[Problem]:
    """Numbers kept as printed but marked to confirm with their centre; never given out."""
    return [
        Problem(f"{centre.slug}: phone {index}", f"{phone.source!r} ({phone.confirm})")
        for centre in directory.centres
        for index, phone in enumerate(centre.phones, start=1)
        if phone.confirm
    ]


def _check_phone(phone: CentrePhone, centre: CentreEntry, where: str) -> list[Problem]:
    try:
        from_source: str | None = normalize_number(phone.source)
        source_problem = ""
    except InvalidNumber as exc:
        from_source, source_problem = None, str(exc)
    if phone.e164 is None:
        if from_source is None:
            return [Problem(where, f"{phone.source!r} is {source_problem}")]
        return [Problem(where, f"e164 missing: {phone.source!r} reads as {from_source}")]
    try:
        number = normalize_number(phone.e164)
    except InvalidNumber as exc:
        return [Problem(where, f"e164 {phone.e164!r} is {exc}")]
    if number != phone.e164:
        return [Problem(where, f"e164 {phone.e164!r} is not in E.164 form ({number})")]
    # A source printed without its area code does not parse alone: only a clash is wrong.
    if from_source is not None and from_source != number:
        return [Problem(where, f"{phone.source!r} reads as {from_source}, not {number}")]
    area = oblast_of(number)
    # An unknown oblast is reported once by _check_centre, not again for every number.
    if centre.oblast in OBLASTS and area not in (None, MOBILE) and area != centre.oblast:
        return [Problem(where, f"{number} is a {area} number but the centre is in {centre.oblast}")]
    return []


def _check_national_numbers(numbers: tuple[NationalNumber, ...]) -> list[Problem]:
    problems: list[Problem] = []
    counts = Counter(entry.number for entry in numbers)
    for entry in numbers:
        where = f"national number {entry.number}"
        if not _SHORT_NUMBER.fullmatch(entry.number):
            problems.append(Problem(where, "must be a short number of 2 to 4 digits"))
    for number, count in sorted(counts.items()):
        if count > 1:
            problems.append(Problem(f"national number {number}", f"listed {count} times"))
    return problems
