"""The operator's changes to lines, counsellors and shifts, shared by the CLI and the console."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Centre, Counsellor, DutyOverride, Line, Shift, Strategy
from hotline.privacy import InvalidNumber, Keyring, mask_number, normalize_number
from hotline.roster.shifts import RosterError, parse_shift

# A caller waits at least one ring, and never longer than a quarter of an hour.
MIN_WAIT_SECONDS = 20
MAX_WAIT_SECONDS = 900


def find_centre(session: Session, slug: str | None) -> Centre | None:
    """The centre with `slug`, None for no slug; RosterError for an unknown slug."""
    if not slug:
        return None
    centre = session.scalar(select(Centre).where(Centre.slug == slug))
    if centre is None:
        raise RosterError(f"no centre {slug!r}; load the directory with `hotline centres sync`")
    return centre


def add_line(
    session: Session, number: str, language: str, centre_slug: str | None, strategy: Strategy
) -> Line:
    """Register a Twilio number as a line."""
    e164 = _normalize(number, "line number")
    if session.scalar(select(Line).where(Line.number == e164)) is not None:
        raise RosterError("that line number is already registered")
    line = Line(number=e164, language=language, strategy=strategy)
    line.centre = find_centre(session, centre_slug)
    session.add(line)
    return line


def find_line(session: Session, number: str) -> Line:
    """The line with this number (any form the operator types)."""
    e164 = _normalize(number, "line number")
    line = session.scalar(select(Line).where(Line.number == e164))
    if line is None:
        raise RosterError("no line with that number; add it with `hotline line add`")
    return line


def update_line(
    session: Session,
    number: str,
    *,
    language: str | None = None,
    fallback_languages: list[str] | None = None,
    strategy: Strategy | None = None,
    max_wait_seconds: int | None = None,
) -> Line:
    """Change a line's language, fallback languages, strategy or wait bound (None: unchanged)."""
    line = find_line(session, number)
    if (
        max_wait_seconds is not None
        and not MIN_WAIT_SECONDS <= max_wait_seconds <= MAX_WAIT_SECONDS
    ):
        raise RosterError(
            f"the wait bound must be {MIN_WAIT_SECONDS} to {MAX_WAIT_SECONDS} seconds"
        )
    if language is not None:
        line.language = language
    if fallback_languages is not None:
        line.fallback_languages = list(fallback_languages)
    if strategy is not None:
        line.strategy = strategy
    if max_wait_seconds is not None:
        line.max_wait_seconds = max_wait_seconds
    return line


def add_counsellor(
    session: Session,
    keyring: Keyring,
    *,
    name: str,
    phone: str,
    languages: list[str],
    centre_slug: str | None = None,
    standby: bool = False,
) -> Counsellor:
    """Register a counsellor; the phone is sealed, with a pseudonym to recognise their SMS."""
    e164 = _normalize(phone, "counsellor phone")
    pseudonym = keyring.pseudonym(e164)
    if session.scalar(select(Counsellor).where(Counsellor.name == name)) is not None:
        raise RosterError(f"a counsellor named {name!r} already exists")
    if session.scalar(select(Counsellor).where(Counsellor.phone_pseudonym == pseudonym)):
        raise RosterError("that phone is already registered to another counsellor")
    counsellor = Counsellor(
        name=name,
        phone_sealed=keyring.seal(e164),
        phone_pseudonym=pseudonym,
        phone_hint=mask_number(e164),
        languages=languages,
        standby=standby,
    )
    counsellor.centre = find_centre(session, centre_slug)
    session.add(counsellor)
    return counsellor


def find_counsellor(session: Session, name: str) -> Counsellor:
    """The counsellor called `name`."""
    counsellor = session.scalar(select(Counsellor).where(Counsellor.name == name))
    if counsellor is None:
        raise RosterError(f"no counsellor named {name!r}")
    return counsellor


def set_duty(session: Session, name: str, duty: DutyOverride | None) -> Counsellor:
    """Force a counsellor on or off call; None returns them to their shifts."""
    counsellor = find_counsellor(session, name)
    counsellor.duty = duty
    return counsellor


def add_shifts(session: Session, name: str, spec: str) -> list[Shift]:
    """Add weekly shifts to a counsellor."""
    counsellor = find_counsellor(session, name)
    shifts = [Shift(weekday=d, start=s, end=e) for d, s, e in parse_shift(spec)]
    counsellor.shifts.extend(shifts)
    return shifts


def remove_shift(session: Session, shift_id: int) -> None:
    """Delete one shift by its id (as `hotline shift list` shows it)."""
    shift = session.get(Shift, shift_id)
    if shift is None:
        raise RosterError(f"no shift {shift_id}")
    session.delete(shift)


def _normalize(number: str, what: str) -> str:
    try:
        return normalize_number(number)
    except InvalidNumber as exc:
        raise RosterError(f"{what}: {exc}") from None
