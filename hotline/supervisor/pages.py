"""What the console's pages share: the period of a filter, the page number, select options."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import request
from flask_babel import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import reports
from hotline.extensions import local_zone, now
from hotline.models import Counsellor, Line
from hotline.privacy import mask_phone_numbers
from hotline.supervisor import labels

Options = list[Any]  # WTForms SelectChoice


def period(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Local dates, both days included, as instants [since, until)."""
    zone = local_zone()
    start = datetime.combine(since, time(0), zone) if since else None
    end = datetime.combine(until + timedelta(days=1), time(0), zone) if until else None
    return start, end


DEFAULT_DAYS = 30  # the overview's period until one is chosen
LONGEST_DAYS = 3660


def read_span(form: Any) -> reports.Span:
    """A period form's days (the last 30 by default; at most ten years) and line."""
    today = now().astimezone(local_zone()).date()
    until = form.until.data if form.until.data and not form.until.errors else today
    since = form.since.data if form.since.data and not form.since.errors else None
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        since, until = until, since
    since = max(since, until - timedelta(days=LONGEST_DAYS))
    return reports.Span(since, until, number_or_none(form.line.data))


def recent(days: int) -> tuple[date, date]:
    """The last `days` local days, today included."""
    today = now().astimezone(local_zone()).date()
    return today - timedelta(days=days - 1), today


def filter_period(form: Any) -> tuple[datetime | None, datetime | None]:
    """The period of a filter form's `since` and `until` dates (a malformed date: no bound)."""
    return period(
        form.since.data if not form.since.errors else None,
        form.until.data if not form.until.errors else None,
    )


def page_number() -> int:
    """The ?page= of this request, from 1."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


def number_or_none(raw: str | None) -> int | None:
    """A select's value as an id, None for "any"."""
    return int(raw) if raw and raw.isdigit() else None


def line_options(session: Session, blank: LazyString) -> Options:
    """Every line as an option, by number."""
    lines = session.scalars(select(Line).order_by(Line.number))
    return labels.options([("", blank), *((str(line.id), line.number) for line in lines)])


def counsellor_options(session: Session, blank: LazyString | None) -> Options:
    """Every counsellor as an option, by name (inactive ones too: they are in the log)."""
    first = [("", blank)] if blank is not None else []
    people = session.scalars(select(Counsellor).order_by(Counsellor.name))
    return labels.options([*first, *((str(person.id), person.name) for person in people)])


def first_error(form: Any) -> str:
    """The first thing wrong with a submitted form, as "Field: what"."""
    for field in form:
        for error in field.errors:
            return f"{field.label.text}: {error}"
    return ""


def filter_summary(form: Any) -> str:
    """The filters used, for the audit trail: only the form's own fields, numbers masked."""
    used = {name: request.args.get(name, "") for name in form.data if request.args.get(name)}
    text = " ".join(f"{name}={value}" for name, value in sorted(used.items()))
    return mask_phone_numbers(text)[:200] or "all"
