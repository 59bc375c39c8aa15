"""`hotline centres`: check and list the crisis-centre directory (no Flask app needed)."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from hotline.db import session_scope
from hotline.directory import (
    DIRECTORY_FILE,
    Directory,
    DirectoryError,
    check_directory,
    load_directory,
    sync_centres,
    to_confirm,
)
from hotline.settings import config_dir

EXIT_PROBLEMS = 1
EXIT_UNREADABLE = 2

_file_option = click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Directory file (default: HOTLINE_CONFIG_DIR/centres.yaml).",
)


def default_directory_path() -> Path:
    """HOTLINE_CONFIG_DIR/centres.yaml, from the environment or the settings default."""
    return config_dir(os.environ) / DIRECTORY_FILE


def _load(path: Path | None) -> Directory:
    try:
        return load_directory(path or default_directory_path())
    except DirectoryError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_UNREADABLE) from None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@click.group()
def centres() -> None:
    """The crisis-centre directory."""


@centres.command("check")
@_file_option
def check_command(path: Path | None) -> None:
    """Check every centre's numbers, oblast, languages and services."""
    directory = _load(path)
    problems = check_directory(directory)
    for problem in problems:
        click.echo(str(problem))
    unconfirmed = to_confirm(directory)
    for number in unconfirmed:
        click.echo(f"to confirm: {number}")
    summary = f"{_plural(len(directory.centres), 'centre')}, {_plural(len(problems), 'problem')}"
    if unconfirmed:
        summary += f", {_plural(len(unconfirmed), 'number')} to confirm"
    click.echo(summary)
    if problems:
        raise SystemExit(EXIT_PROBLEMS)


@centres.command("list")
@_file_option
def list_command(path: Path | None) -> None:
    """List centres: slug, name, oblast, whether it may be given to callers."""
    directory = _load(path)
    for centre in directory.centres:
        shown = "publish" if centre.publish else "hidden"
        click.echo(f"{centre.slug:<28} {centre.oblast or '-':<11} {shown:<8} {centre.name}")


@centres.command("sync")
@_file_option
@with_appcontext
def sync_command(path: Path | None) -> None:
    """Load the directory into the database (centres that lines and counsellors belong to)."""
    file = path or Path(current_app.config["HOTLINE_CONFIG_DIR"]) / DIRECTORY_FILE
    directory = _load(file)
    problems = check_directory(directory)
    if problems:  # nothing half-checked reaches callers: fix the file, then sync again
        for problem in problems:
            click.echo(f"error: {file}:{problem.line}: {problem}", err=True)
        click.echo(f"error: {file}: nothing loaded ({_plural(len(problems), 'problem')})", err=True)
        raise SystemExit(EXIT_PROBLEMS)
    with session_scope() as session:
        added, updated = sync_centres(session, directory)
    click.echo(f"{_plural(added, 'centre')} added, {updated} updated")
