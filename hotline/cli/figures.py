"""`hotline figures update` and `hotline report`: the daily figures, and the report a centre
hands its donors and the ministry (small counts hidden)."""

from __future__ import annotations

import os
from datetime import datetime

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale
from sqlalchemy.orm import Session

from hotline import audit, reports, roster
from hotline.db import session_factory, session_scope
from hotline.extensions import local_zone, now
from hotline.models import Line
from hotline.privacy import mask_phone_numbers
from hotline.supervisor import report_files
from hotline.supervisor.i18n import CONSOLE_LANGUAGES, DEFAULT_LANGUAGE

figures = AppGroup("figures", help="The daily figures behind the overview and reports.")


@figures.command("update")
def update_command() -> None:
    """Count every call, callback and SMS that has settled (the worker does it each minute)."""
    with session_factory()() as session:  # it commits each batch itself
        counted = reports.fold_all(session, now(), local_zone())
    click.echo(f"{counted} row(s) counted")


@click.command("report")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--line", "number", help="One line's number (default: every line).")
@click.option("--format", "form", type=click.Choice(["md", "csv"]), default="md")
@click.option(
    "--language",
    type=click.Choice(CONSOLE_LANGUAGES),
    default=lambda: _language_from_environment(),
    help="The report's language (default: from LANG, else Russian).",
)
@with_appcontext
def report_command(
    first: datetime, last: datetime, number: str | None, form: str, language: str
) -> None:
    """The period's figures by month, language, oblast and outcome; counts 1-4 shown as <5."""
    if last < first:
        raise click.BadParameter("--to is before --from")
    with session_scope() as session:
        line = _line(session, number)
        span = reports.Span(first.date(), last.date(), line.id if line else None)
        made = reports.report(session, span)
        target = f"report {span.first} {span.last}"
        detail = f"{form} {mask_phone_numbers(number) if number else 'all lines'}"
        audit.record(session, audit.CLI, audit.Action.EXPORT_REPORT, now(), target, detail)
    with force_locale(language):
        click.echo(report_files.render(made, form, number), nl=False)


def _language_from_environment() -> str:
    """The shell's language when the console has it (LANG=ky_KG.UTF-8), else Russian."""
    code = os.environ.get("LANG", "")[:2]
    return code if code in CONSOLE_LANGUAGES else DEFAULT_LANGUAGE


def _line(session: Session, number: str | None) -> Line | None:
    if number is None:
        return None
    try:
        return roster.find_line(session, number)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
