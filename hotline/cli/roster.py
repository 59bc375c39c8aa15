"""`hotline line|counsellor|shift`: the operator's commands. Phones are never printed whole."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import audit, roster
from hotline.db import session_scope
from hotline.extensions import get_keyring, now
from hotline.languages import LANGUAGES, parse_languages
from hotline.models import Counsellor, DutyOverride, Line, Shift, Strategy

line = AppGroup("line", help="Hotline numbers on Twilio.")
counsellor = AppGroup("counsellor", help="Counsellors who answer calls.")
shift = AppGroup("shift", help="Weekly on-call shifts (local time, HOTLINE_TIMEZONE).")


@contextmanager
def operator_change() -> Iterator[Session]:
    """A committed session; a RosterError becomes a clean CLI error and nothing is written."""
    try:
        with session_scope() as session:
            yield session
    except roster.RosterError as exc:
        raise click.ClickException(str(exc)) from None


def _audit(session: Session, action: audit.Action, target: str, detail: str | None = None) -> None:
    """The CLI's changes go into the console's audit trail too."""
    session.flush()
    audit.record(session, audit.CLI, action, now(), target, detail)


def _languages(ctx: click.Context, param: click.Parameter, value: str) -> list[str]:
    try:
        return parse_languages(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _some_languages(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> list[str] | None:
    return None if value is None else _languages(ctx, param, value)


@line.command("add")
@click.argument("number")
@click.option("--language", type=click.Choice(LANGUAGES), default="ky", show_default=True)
@click.option("--centre", "centre_slug", help="Centre slug; none for a national line.")
@click.option(
    "--strategy",
    type=click.Choice([s.value for s in Strategy]),
    default="rrmemory",
    show_default=True,
)
def line_add(number: str, language: str, centre_slug: str | None, strategy: str) -> None:
    """Register NUMBER (the Twilio number, E.164 or national form) as a line."""
    with operator_change() as session:
        added = roster.add_line(session, number, language, centre_slug, Strategy(strategy))
        _audit(session, audit.Action.LINE_EDIT, f"line {added.number}", "added")
        click.echo(f"line {added.number} added ({language}, {strategy})")


@line.command("set")
@click.argument("number")
@click.option("--language", type=click.Choice(LANGUAGES), help="The line's own language.")
@click.option(
    "--fallback",
    callback=_some_languages,
    help="Languages whose counsellors take a call next, in order, e.g. ru,ky.",
)
@click.option("--strategy", type=click.Choice([s.value for s in Strategy]))
@click.option("--wait", "wait_seconds", type=int, help="Seconds a caller may wait (20-900).")
def line_set(
    number: str,
    language: str | None,
    fallback: list[str] | None,
    strategy: str | None,
    wait_seconds: int | None,
) -> None:
    """Change NUMBER's language, fallback languages, strategy or wait bound."""
    with operator_change() as session:
        changed = roster.update_line(
            session,
            number,
            language=language,
            fallback_languages=fallback,
            strategy=Strategy(strategy) if strategy else None,
            max_wait_seconds=wait_seconds,
        )
        _audit(session, audit.Action.LINE_EDIT, f"line {changed.number}")
        click.echo(_describe_line(changed))


@line.command("list")
def line_list() -> None:
    """List lines."""
    with session_scope() as session:
        for item in session.scalars(select(Line).order_by(Line.id)):
            click.echo(_describe_line(item))


def _describe_line(item: Line) -> str:
    centre = item.centre.slug if item.centre else "national"
    fallback = ",".join(item.fallback_languages) or "-"
    return (
        f"{item.number}  {item.language}  fallback:{fallback}  {item.strategy.value}  "
        f"wait:{item.max_wait_seconds}s  {centre}"
    )


@counsellor.command("add")
@click.option("--name", required=True)
@click.option("--phone", required=True, help="Their own mobile; stored encrypted.")
@click.option("--languages", required=True, callback=_languages, help="e.g. ky,ru")
@click.option("--centre", "centre_slug")
@click.option("--standby", is_flag=True, help="Rung outside shifts when nobody on call can.")
def counsellor_add(
    name: str, phone: str, languages: list[str], centre_slug: str | None, standby: bool
) -> None:
    """Register a counsellor."""
    with operator_change() as session:
        added = roster.add_counsellor(
            session,
            get_keyring(),
            name=name,
            phone=phone,
            languages=languages,
            centre_slug=centre_slug,
            standby=standby,
        )
        _audit(session, audit.Action.COUNSELLOR_ADD, f"counsellor {added.id}")
        click.echo(f"counsellor {added.name} added ({added.phone_hint})")


@counsellor.command("edit")
@click.argument("name")
@click.option("--name", "new_name", help="A new name.")
@click.option("--phone", help="A new phone; stored encrypted.")
@click.option("--languages", callback=_some_languages, help="e.g. ky,ru")
@click.option("--centre", "centre_slug", help="Centre slug; '' for none (national).")
@click.option("--standby/--no-standby", default=None)
def counsellor_edit(
    name: str,
    new_name: str | None,
    phone: str | None,
    languages: list[str] | None,
    centre_slug: str | None,
    standby: bool | None,
) -> None:
    """Change NAME's name, phone, languages, centre or standby."""
    with operator_change() as session:
        changed = roster.edit_counsellor(
            session,
            get_keyring(),
            name,
            new_name=new_name,
            phone=phone,
            languages=languages,
            centre_slug=centre_slug,
            standby=standby,
        )
        _audit(session, audit.Action.COUNSELLOR_EDIT, f"counsellor {changed.id}")
        click.echo(f"counsellor {changed.name} changed ({changed.phone_hint})")


@counsellor.command("deactivate")
@click.argument("name")
@click.option("--undo", is_flag=True, help="Make them active again.")
def counsellor_deactivate(name: str, undo: bool) -> None:
    """Never ring NAME again (their calls stay in the log); --undo brings them back."""
    with operator_change() as session:
        changed = roster.set_active(session, name, undo)
        _audit(session, audit.Action.COUNSELLOR_ACTIVE, f"counsellor {changed.id}",
               "active" if undo else "inactive")  # fmt: skip
        click.echo(f"{changed.name}: {'active' if undo else 'inactive'}")


@counsellor.command("list")
def counsellor_list() -> None:
    """List counsellors with masked phones, languages, duty and shifts."""
    with session_scope() as session:
        for item in session.scalars(select(Counsellor).order_by(Counsellor.name)):
            duty = item.duty.value if item.duty else "shifts"
            shifts = ", ".join(roster.describe_shift(s) for s in item.shifts) or "no shifts"
            centre = item.centre.slug if item.centre else "-"
            flags = " standby" if item.standby else ""
            click.echo(
                f"{item.name}  {item.phone_hint}  {','.join(item.languages)}  {centre}  "
                f"duty:{duty}{flags}  {shifts}"
            )


@counsellor.command("duty")
@click.argument("name")
@click.argument("state", type=click.Choice(["on", "off", "shifts"]))
def counsellor_duty(name: str, state: str) -> None:
    """Put NAME on or off call now, or back on their shifts."""
    with operator_change() as session:
        changed = roster.set_duty(session, name, None if state == "shifts" else DutyOverride(state))
        _audit(session, audit.Action.COUNSELLOR_EDIT, f"counsellor {changed.id}", f"duty {state}")
        click.echo(f"{name}: {state}")
        if state == "shifts" and not changed.shifts:
            click.echo(f"warning: {name} has no shifts, so they are now off call", err=True)


@shift.command("add")
@click.argument("name")
@click.argument("spec")
def shift_add(name: str, spec: str) -> None:
    """Add a weekly shift: SPEC like 'mon 09:00-18:00', 'weekdays 09:00-18:00'."""
    with operator_change() as session:
        added = roster.add_shifts(session, name, spec)
        owner = roster.find_counsellor(session, name)
        _audit(session, audit.Action.SHIFT_ADD, f"counsellor {owner.id}", spec)
        click.echo(f"{len(added)} shift(s) added for {name}")


@shift.command("list")
def shift_list() -> None:
    """List shifts with their ids."""
    with session_scope() as session:
        for item in session.scalars(select(Shift).order_by(Shift.counsellor_id, Shift.id)):
            click.echo(f"{item.id}  {item.counsellor.name}  {roster.describe_shift(item)}")


@shift.command("remove")
@click.argument("shift_id", type=int)
def shift_remove(shift_id: int) -> None:
    """Remove a shift by id."""
    with operator_change() as session:
        roster.remove_shift(session, shift_id)
        _audit(session, audit.Action.SHIFT_REMOVE, f"shift {shift_id}")
        click.echo(f"shift {shift_id} removed")
