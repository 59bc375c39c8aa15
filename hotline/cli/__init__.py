"""The `hotline` console script: the operator's commands.

Each command's module is imported only when that command runs, so `hotline --help` answers
at once: it never builds the app, starts Redis or reads the config. Commands that need the
app run inside its context (`with_appcontext`), made by `create_app` from the environment.
"""

from __future__ import annotations

import gc
import importlib

import click
from flask import Flask
from flask.cli import ScriptInfo

# name -> (module:attribute, the line `hotline --help` shows)
COMMANDS = {
    "audit": ("hotline.cli.users:audit_group", "The console's audit trail."),
    "callbacks": ("hotline.cli.callbacks:callbacks", "Callbacks the hotline owes."),
    "centres": ("hotline.cli.centres:centres", "The crisis-centre directory."),
    "counsellor": ("hotline.cli.roster:counsellor", "Counsellors who answer calls."),
    "db": ("hotline.cli.database:db", "Database schema (Alembic migrations)."),
    "demo": ("hotline.cli.demo:demo", "Demo data for trying the hotline on a laptop."),
    "figures": ("hotline.cli.figures:figures", "The daily figures behind overview and reports."),
    "line": ("hotline.cli.roster:line", "Hotline numbers on Twilio."),
    "purge": ("hotline.cli.retention:purge_command", "Delete metadata past retention."),
    "prompts": ("hotline.cli.prompts:prompts", "The IVR's prompts in every language."),
    "report": ("hotline.cli.figures:report_command", "Figures for donors and the ministry."),
    "redis": ("hotline.cli.redis:redis", "The laptop's embedded Redis server."),
    "shift": ("hotline.cli.roster:shift", "Weekly on-call shifts (local time)."),
    "simulate": ("hotline.cli.simulate:simulate", "Play Twilio's part: a caller, an SMS."),
    "user": ("hotline.cli.users:user", "Console accounts: admins and supervisors."),
    "worker": ("hotline.cli.worker:worker", "The background worker (callbacks)."),
}


def create_app_for_cli() -> Flask:
    """The app from the environment; a bad setting is one line naming it, not a traceback.

    The app lives as long as the command (the worker's: as long as the worker). The cyclic
    garbage collector is held off while it is built, then what the build made is frozen out
    of its sight (gc.freeze): else it walks those objects again and again as they come, 0.2 s
    of a 0.8 s start, and once more after."""
    from hotline import create_app
    from hotline.settings import ConfigError

    gc.disable()
    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        gc.freeze()
        gc.enable()


class HotlineGroup(click.Group):
    """Finds commands in COMMANDS, importing a command's module only to run it."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; an unexpected failure is one line on stderr, not a traceback."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # the operator reads one line, with numbers masked
            from hotline.privacy import mask_phone_numbers

            first = (str(exc).strip().splitlines() or [""])[0]
            message = f"{type(exc).__name__}: {mask_phone_numbers(first)}".rstrip(": ")
            raise click.ClickException(message) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, without importing any."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """The command called `name`, imported now."""
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name][0].split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, from COMMANDS."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in sorted(COMMANDS)])

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: object,
    ) -> click.Context:
        """Commands that need the app find how to make it in the context (as Flask's do)."""
        extra.setdefault("obj", ScriptInfo(create_app=create_app_for_cli))
        return super().make_context(info_name, args, parent, **extra)


main = HotlineGroup(
    "hotline", help="Operate a hotline: database, lines, counsellors, callbacks, simulator."
)
