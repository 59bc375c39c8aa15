"""What a person at the terminal sees and types in `hotline simulate`: prompts with their text
and language, key presses, the phone of a texter or a counsellor, calls' and SMS' outcomes."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import click
import requests

from hotline.ivr.prompts import CatalogError, PromptCatalog
from hotline.ivr.prompts.synthesis import speech_items
from hotline.languages import LANGUAGE_NAMES
from hotline.privacy.phones import mask_number
from hotline.simulator import HANGUP, CallRecord, Event, EventKind, SmsMessage
from hotline.simulator.records import DTMF_KEYS
from hotline.simulator.twiml import Gather


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


def print_message(message: SmsMessage) -> None:
    click.echo(f"SMS {mask_number(message.from_)} -> {mask_number(message.to)}: {message.body}")


def print_call(record: CallRecord) -> None:
    click.echo(
        f"call {mask_number(record.from_)} -> {mask_number(record.to)}: "
        f"{record.status}, {record.duration} s"
    )
    print_notifications(record)


def print_outcome(record: CallRecord) -> None:
    click.echo(f"call ended: {record.status} after {record.duration} s")
    print_notifications(record)


def print_notifications(record: CallRecord) -> None:
    for notice in record.notifications:
        path = urlsplit(notice.url).path
        click.echo(f"Twilio error {notice.code}: {notice.message} ({path})", err=True)
