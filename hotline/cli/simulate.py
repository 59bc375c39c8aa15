"""`hotline simulate`: Twilio's REST API, a caller and an SMS sender, for a laptop."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import click

from hotline.cli.terminal import (
    EventPrinter,
    Handset,
    KeyboardParty,
    PromptTexts,
    play_phone,
    print_call,
    print_message,
    print_outcome,
)
from hotline.privacy.phones import mask_number
from hotline.settings import config_dir, is_production, load_settings
from hotline.simulator import (
    HANGUP,
    Behaviour,
    EmulatorServer,
    EventKind,
    HttpTransport,
    KeyScript,
    TwilioEmulator,
)
from hotline.simulator.records import DTMF_KEYS

app_url_option = click.option(
    "--app-url", help="Where the app listens (default: HOTLINE_PUBLIC_URL)."
)
instance_option = click.option(
    "--instance",
    default=lambda: os.environ.get("HOTLINE_INSTANCE_PATH", "instance"),
    type=click.Path(file_okay=False, path_type=Path),
    help="The app's instance folder (development secrets are shared through it).",
)
phone_option = click.option(
    "--phone",
    "phones",
    multiple=True,
    metavar="NUMBER=BEHAVIOUR",
    help="Script a dialled phone: " + ", ".join(b.value for b in Behaviour) + ".",
)


@click.group()
def simulate() -> None:
    """Play Twilio's part on a laptop: its REST API, a caller, an SMS sender."""


@simulate.command("twilio")
@click.option("--port", default=5001, show_default=True, help="Port of the REST API.")
@click.option("--line", "lines", multiple=True, help="A number the account owns (repeatable).")
@app_url_option
@phone_option
@instance_option
def twilio_command(
    port: int,
    lines: tuple[str, ...],
    app_url: str | None,
    phones: tuple[str, ...],
    instance: Path,
) -> None:
    """Serve Twilio's REST API on 127.0.0.1 and place the calls and SMS the app asks for."""
    emulator = _emulator(instance, app_url, phones)
    for number in lines:
        emulator.add_line(number)
    emulator.on_message = print_message
    emulator.on_call_end = print_call
    with EmulatorServer(emulator, port=port) as server:
        click.echo(f"Twilio emulator: REST API on http://127.0.0.1:{server.port}")
        click.echo(f"webhooks go to {app_url or emulator.public_url}; Ctrl-C stops")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            click.echo("stopped")


@simulate.command("call")
@click.option("--from", "from_", required=True, help="The caller's number.")
@click.option("--to", "to", required=True, help="The hotline line called.")
@click.option("--keys", help='Keys for each menu, e.g. "1,,2" ("" = none, q = hang up).')
@click.option("--api-port", type=int, help="Also serve the REST API here during the call.")
@app_url_option
@phone_option
@instance_option
def call_command(
    from_: str,
    to: str,
    keys: str | None,
    api_port: int | None,
    app_url: str | None,
    phones: tuple[str, ...],
    instance: Path,
) -> None:
    """Call the hotline: hear its prompts and press keys (from the keyboard or --keys)."""
    emulator = _emulator(instance, app_url, phones)
    emulator.add_line(to)
    emulator.on_message = print_message
    party = KeyScript(_key_list(keys)) if keys is not None else KeyboardParty()
    server = EmulatorServer(emulator, port=api_port).start() if api_port else None
    listener = EventPrinter(PromptTexts.load(config_dir(os.environ)))
    try:
        record = emulator.call(from_, to, party=party, listener=listener)
        emulator.run_pending()
    finally:
        if server is not None:
            server.stop()
    print_outcome(record)
    if record.events(EventKind.ERROR):
        raise SystemExit(1)


@simulate.command("sms")
@click.option("--from", "from_", help="The sender's number, to text once (with --body).")
@click.option(
    "--as",
    "as_",
    metavar="NUMBER",
    help="Play this phone in this terminal through the running emulator (make run): "
    "a texter, or a registered counsellor's phone.",
)
@click.option("--to", "to", required=True, help="The hotline line texted.")
@click.option("--body", help="The message text (with --from).")
@click.option(
    "--api-url",
    default=lambda: f"http://127.0.0.1:{os.environ.get('EMULATOR_PORT', '5001')}",
    help="The running emulator, for --as (default: port EMULATOR_PORT or 5001).",
)
@app_url_option
@instance_option
def sms_command(
    from_: str | None,
    as_: str | None,
    to: str,
    body: str | None,
    api_url: str,
    app_url: str | None,
    instance: Path,
) -> None:
    """Text the hotline once (--from, --body), or be a phone that texts it (--as)."""
    if as_:
        settings = load_settings(os.environ, instance)
        auth = (settings["TWILIO_ACCOUNT_SID"], settings["TWILIO_AUTH_TOKEN"])
        play_phone(Handset(api_url.rstrip("/"), auth), as_, to)
        return
    if not from_ or body is None:
        raise click.UsageError("give --from and --body to text once, or --as to play a phone")
    emulator = _emulator(instance, app_url, ())
    emulator.add_line(to)
    replies = emulator.send_sms(from_, to, body)
    for reply in replies:
        click.echo(f"reply to {mask_number(reply.to)}: {reply.body}")
    if not replies:
        click.echo("no reply")
    for notice in emulator.notifications:
        click.echo(f"Twilio error {notice.code}: {notice.message}", err=True)


def _emulator(instance: Path, app_url: str | None, phones: tuple[str, ...]) -> TwilioEmulator:
    if is_production(os.environ):
        raise click.UsageError("the Twilio emulator is for development (HOTLINE_ENV=production)")
    settings: dict[str, Any] = load_settings(os.environ, instance)
    public_url = settings["HOTLINE_PUBLIC_URL"]
    emulator = TwilioEmulator(
        HttpTransport(app_url or public_url),
        settings["TWILIO_ACCOUNT_SID"],
        settings["TWILIO_AUTH_TOKEN"],
        public_url,
    )
    emulator.unknown_phone_behaviour = Behaviour.ANSWER_ACCEPT
    for spec in phones:
        number, _, name = spec.partition("=")
        try:
            emulator.add_phone(number.strip(), Behaviour(name.strip().lower()))
        except ValueError:
            choices = ", ".join(b.value for b in Behaviour)
            raise click.BadParameter(f"use NUMBER=BEHAVIOUR, BEHAVIOUR one of {choices}") from None
    return emulator


def _key_list(keys: str) -> list[str | None]:
    entries: list[str | None] = []
    for entry in keys.split(","):
        entry = entry.strip()
        if entry.lower() in ("q", HANGUP):
            entries.append(HANGUP)
        elif not set(entry) <= DTMF_KEYS:
            raise click.BadParameter("keys are 0-9, * and #, entries separated by commas")
        else:
            entries.append(entry or None)
    return entries
