"""`hotline simulate`: Twilio's REST API, a caller and an SMS sender, for a laptop."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import requests

from hotline.ivr.prompts import CatalogError, PromptCatalog
from hotline.ivr.prompts.synthesis import speech_items
from hotline.languages import LANGUAGE_NAMES
from hotline.privacy.phones import mask_number
from hotline.settings import config_dir, is_production, load_settings
from hotline.simulator import (
    HANGUP,
    Behaviour,
    CallRecord,
    EmulatorServer,
    Event,
    EventKind,
    HttpTransport,
    KeyScript,
    SmsMessage,
    TwilioEmulator,
)
from hotline.simulator.records import DTMF_KEYS
from hotline.simulator.twiml import Gather

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
    emulator.on_message = _print_message
    emulator.on_call_end = _print_call
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
    emulator.on_message = _print_message
    party = KeyScript(_key_list(keys)) if keys is not None else KeyboardParty()
    server = EmulatorServer(emulator, port=api_port).start() if api_port else None
    listener = EventPrinter(PromptTexts.load(config_dir(os.environ)))
    try:
        record = emulator.call(from_, to, party=party, listener=listener)
        emulator.run_pending()
    finally:
        if server is not None:
            server.stop()
    _print_outcome(record)
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


class Handset:
    """One phone, through the running emulator's handset routes."""

    def __init__(self, api_url: str, auth: tuple[str, str]) -> None:
        self.api_url = api_url
        self.http = requests.Session()
        self.http.auth = auth

    def text(self, number: str, line: str, body: str) -> None:
        """Send an SMS from this phone to the line."""
        answer = self.http.post(
            f"{self.api_url}/_emulator/sms",
            data={"From": number, "To": line, "Body": body},
            timeout=30,
        )
        answer.raise_for_status()

    def inbox(self, number: str, after: int) -> tuple[list[dict[str, str]], int]:
        """What reached this phone since position `after`, and the next position."""
        answer = self.http.post(
            f"{self.api_url}/_emulator/inbox", data={"number": number, "after": after}, timeout=10
        )
        answer.raise_for_status()
        data = answer.json()
        return data["messages"], int(data["next"])


def play_phone(handset: Handset, number: str, line: str, poll_seconds: float = 0.5) -> None:
    """Type messages to the line; print what arrives on this phone, as it arrives."""
    try:
        _, after = handset.inbox(number, 0)
    except requests.RequestException:
        raise click.ClickException(
            f"no emulator answers at {handset.api_url}: start `make run` first"
        ) from None
    click.echo(f"You are {mask_number(number)}, texting {line}. Type a message, Enter sends it;")
    click.echo("q (or Ctrl-D) ends. Messages to this phone appear as they arrive.")
    position = [after]
    lock = threading.Lock()
    stop = threading.Event()

    def show_new() -> None:
        with lock:
            messages, position[0] = handset.inbox(number, position[0])
            for message in messages:
                click.echo(f"  << from {message['from']}: {message['body']}")

    def keep_showing() -> None:
        while not stop.wait(poll_seconds):
            show_new()

    watcher = threading.Thread(target=keep_showing, daemon=True)
    watcher.start()
    try:
        for typed in iter(sys.stdin.readline, ""):
            if typed.strip().lower() == "q":
                break
            if typed.strip():
                handset.text(number, line, typed.strip())
                show_new()
    finally:
        stop.set()
        watcher.join(timeout=5)
    show_new()


class KeyboardParty:
    """A person at the terminal: a line of keys per menu, Enter for none, q to hang up."""

    def press(self, gather: Gather) -> str | None:
        """Ask for keys until the answer is DTMF, nothing, or q."""
        hint = f"{gather.num_digits} key(s)" if gather.num_digits else "keys"
        while True:
            try:
                text = click.prompt(
                    f"  {hint}, Enter for none, q to hang up",
                    default="",
                    show_default=False,
                    prompt_suffix="> ",
                )
            except click.Abort:
                return HANGUP  # end of input: the caller is gone
            text = text.strip()
            if text.lower() == "q":
                return HANGUP
            if set(text) <= DTMF_KEYS:
                return text or None
            click.echo("  only 0-9, * and # can be pressed")


class PromptTexts:
    """What each prompt file and each voice says, to print audio (ky, uz) as text too."""

    def __init__(self, texts: dict[tuple[str, str], str], say_languages: dict[str, str]) -> None:
        self.texts = texts  # (language, file stem) -> text
        self.say_languages = say_languages  # Twilio's language ("ru-RU") -> ours ("ru")

    @classmethod
    def load(cls, folder: Path) -> PromptTexts:
        """From the prompt catalog in `folder`; an unreadable catalog prints file names only."""
        try:
            catalog = PromptCatalog.load(folder)
        except CatalogError:
            return cls({}, {})
        texts = {
            (code, item.stem): item.text
            for code in catalog.languages
            for item in speech_items(catalog, code)
        }
        say = {
            language.say_language: code
            for code in catalog.languages
            if (language := catalog.language(code)).say_language
        }
        return cls(texts, say)

    def played(self, url: str) -> str:
        """`[Kyrgyz] "text" (plays ky/welcome.wav)` for a prompt's audio URL."""
        path = Path(urlsplit(url).path)
        lang, stem = path.parent.name, path.stem
        text = self.texts.get((lang, stem))
        spoken = f' "{text}"' if text else ""
        return f"{_language_label(lang)}{spoken} (plays {lang}/{path.name})".strip()

    def said(self, text: str, say_language: str) -> str:
        """`[Russian] "text"` for a Twilio voice."""
        lang = self.say_languages.get(say_language, say_language)
        return f'{_language_label(lang)} "{text}"'.strip()


def _language_label(code: str) -> str:
    return f"[{LANGUAGE_NAMES[code]}]" if code in LANGUAGE_NAMES else ""


class EventPrinter:
    """Prints what the caller hears, prompts as text with their language, numbers masked."""

    def __init__(self, texts: PromptTexts) -> None:
        self.texts = texts

    def __call__(self, event: Event) -> None:
        """Print one event."""
        kind = event.kind
        if kind is EventKind.SAY:
            click.echo("  " + self.texts.said(event.text, event.language))
        elif kind is EventKind.PLAY:
            click.echo("  " + self.texts.played(event.text))
        else:
            _show_other(event)


def _show_other(event: Event) -> None:
    kind = event.kind
    if kind is EventKind.PAUSE:
        click.echo(f"  (silence, {event.seconds} s)")
    elif kind is EventKind.GATHER:
        pressed = f"pressed {event.digits}" if event.digits else "no input"
        click.echo(f"  > {pressed}")
    elif kind is EventKind.DIAL:
        legs = ", ".join(f"{mask_number(leg.number)} {leg.result}" for leg in event.legs)
        click.echo(f"  (ringing: {legs}; {event.status})")
    elif kind is EventKind.CONNECTED:
        click.echo(f"  (connected to {mask_number(event.number)} for {event.seconds} s)")
    elif kind is EventKind.REJECT:
        click.echo(f"  (call rejected: {event.status})")
    elif kind is EventKind.ERROR:
        click.echo(f'  "{event.text}" (Twilio error {event.code})')
    else:
        click.echo("  (you hung up)" if kind is EventKind.CALLER_HANGUP else "  (hung up)")


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


def _print_message(message: SmsMessage) -> None:
    click.echo(f"SMS {mask_number(message.from_)} -> {mask_number(message.to)}: {message.body}")


def _print_call(record: CallRecord) -> None:
    click.echo(
        f"call {mask_number(record.from_)} -> {mask_number(record.to)}: "
        f"{record.status}, {record.duration} s"
    )
    _print_notifications(record)


def _print_outcome(record: CallRecord) -> None:
    click.echo(f"call ended: {record.status} after {record.duration} s")
    _print_notifications(record)


def _print_notifications(record: CallRecord) -> None:
    for notice in record.notifications:
        path = urlsplit(notice.url).path
        click.echo(f"Twilio error {notice.code}: {notice.message} ({path})", err=True)
