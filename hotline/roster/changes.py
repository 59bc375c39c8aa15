"""The operator's changes to lines, counsellors and shifts, shared by the CLI and the console."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Centre, Counsellor, DutyOverride, Line, Shift, Strategy
from hotline.privacy import InvalidNumber, Keyring, mask_number, normalize_number
from hotline.roster.shifts import RosterError, describe_window, overlapping, parse_shift

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
    name = _free_name(session, name, None)
    counsellor = Counsellor(languages=_some(languages), standby=standby)
    _set_phone(session, keyring, counsellor, phone)
    counsellor.name = name
    counsellor.centre = find_centre(session, centre_slug)
    session.add(counsellor)
    return counsellor


def edit_counsellor(
    session: Session,
    keyring: Keyring,
    name: str,
    *,
    new_name: str | None = None,
    phone: str | None = None,
    languages: list[str] | None = None,
    centre_slug: str | None = None,
    standby: bool | None = None,
) -> Counsellor:
    """Change what is given (None: unchanged; centre "" is none); the phone is only written."""
    counsellor = find_counsellor(session, name)
    if new_name is not None:
        counsellor.name = _free_name(session, new_name, counsellor.id)
    if phone:
        _set_phone(session, keyring, counsellor, phone)
    if languages is not None:
        counsellor.languages = _some(languages)
    if centre_slug is not None:
        counsellor.centre = find_centre(session, centre_slug)
    if standby is not None:
        counsellor.standby = standby
    return counsellor


def set_active(session: Session, name: str, active: bool) -> Counsellor:
    """Deactivate a counsellor (never rung again, history kept) or bring them back."""
    counsellor = find_counsellor(session, name)
    counsellor.active = active
    return counsellor


def _free_name(session: Session, name: str, own_id: int | None) -> str:
    """A trimmed, non-blank name nobody else has."""
    name = " ".join(name.split())
    if not name:
        raise RosterError("a counsellor needs a name")
    if len(name) > 100:
        raise RosterError("a name is at most 100 characters")
    other = session.scalar(select(Counsellor.id).where(Counsellor.name == name))
    if other is not None and other != own_id:
        raise RosterError("a counsellor named '%(name)s' already exists", name=name)
    return name


def _some(languages: list[str]) -> list[str]:
    if not languages:
        raise RosterError("a counsellor speaks at least one language")
    return list(languages)


def _set_phone(session: Session, keyring: Keyring, counsellor: Counsellor, phone: str) -> None:
    """Seal a new phone, with its pseudonym (for their SMS) and the masked hint."""
    e164 = _normalize(phone, "counsellor phone")
    pseudonym = keyring.pseudonym(e164)
    other = session.scalar(select(Counsellor.id).where(Counsellor.phone_pseudonym == pseudonym))
    if other is not None and other != counsellor.id:
        raise RosterError("that phone is already registered to another counsellor")
    counsellor.phone_sealed = keyring.seal(e164)
    counsellor.phone_pseudonym = pseudonym
    counsellor.phone_hint = mask_number(e164)


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
    """Add weekly shifts to a counsellor; a duplicate or overlapping one is refused."""
    counsellor = find_counsellor(session, name)
    taken = [(s.weekday, s.start, s.end) for s in counsellor.shifts]
    for window in parse_shift(spec):
        clash = overlapping(taken, window)
        if clash == window:
            raise RosterError(
                "%(name)s has the shift %(shift)s already",
                name=name,
                shift=describe_window(*window),
            )
        if clash is not None:
            raise RosterError(
                "%(shift)s overlaps %(name)s's shift %(other)s",
                shift=describe_window(*window),
                name=name,
                other=describe_window(*clash),
            )
        taken.append(window)
    shifts = [Shift(weekday=d, start=s, end=e) for d, s, e in taken[len(counsellor.shifts) :]]
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
