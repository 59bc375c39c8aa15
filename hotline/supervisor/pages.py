"""What the console's pages share: the period of a filter, the page number, select options."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import request
from flask_babel import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.extensions import local_zone
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
