"""Reading a counsellor's SMS: a command (ON, OFF, STATUS, LIST, END) or a reply to relay. Pure.

Only a registered counsellor's phone is read this way; the same words from anyone else are a
texter's message. A command is the whole message (END may name a tag); anything else is a
reply, to the conversation its leading "#K7" names, or to the only one open.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hotline.conversations import read_tag
from hotline.sms.keywords import TWILIO_OPT_OUT, words


class Command(StrEnum):
    """What a counsellor can ask of the hotline by SMS."""

    ON = "on"
    OFF = "off"
    STATUS = "status"
    LIST = "list"
    END = "end"


# Kyrgyz and Uzbek words: medium confidence, to be checked by native speakers.
COMMANDS: dict[Command, dict[str, tuple[str, ...]]] = {
    Command.ON: {
        "ky": ("ИШТЕЙМ", "КЕЗМЕТТЕМИН"),
        "ru": ("ВКЛ", "НА СМЕНЕ"),
        "uz": ("ISHDAMAN", "NAVBATDAMAN"),
        "en": ("ON",),
    },
    Command.OFF: {
        "ky": ("ЭС АЛАМ", "КЕЗМЕТТЕН ЧЫКТЫМ"),
        "ru": ("ВЫКЛ", "НЕ НА СМЕНЕ"),
        "uz": ("DAM OLAMAN", "NAVBATDAN CHIQDIM"),
        "en": ("OFF",),
    },
    Command.STATUS: {
        "ky": ("АБАЛ",),
        "ru": ("СТАТУС",),
        "uz": ("HOLAT",),
        # Twilio's opt-in words: a counsellor who texted END alone is back, and asks how things are.
        "en": ("STATUS", "START", "UNSTOP"),
    },
    Command.LIST: {"ky": ("ТИЗМЕ",), "ru": ("СПИСОК",), "uz": ("RO'YXAT",), "en": ("LIST",)},
    Command.END: {
        "ky": ("БҮТТҮ", "БУТТУ", "ЖАБУУ"),
        "ru": ("КОНЕЦ", "ЗАКРЫТЬ"),
        "uz": ("TUGADI", "YOPISH"),
        "en": ("END", "CLOSE"),
    },
}
_PHRASES = {
    tuple(words(phrase)): command
    for command, by_language in COMMANDS.items()
    for phrases in by_language.values()
    for phrase in phrases
}


@dataclass(frozen=True)
class CounsellorSms:
    """A counsellor's SMS: a command, or a reply (`text`) for the conversation `tag`."""

    command: Command | None
    tag: str | None  # the conversation named, if any
    text: str = ""  # the reply to relay, its tag taken off
    twilio_opted_out: bool = False  # END alone: Twilio opted this phone out of the line


def read_counsellor(body: str) -> CounsellorSms:
    """What a registered counsellor's SMS asks for."""
    tokens = tuple(words(body))
    command = _PHRASES.get(tokens)
    if command is not None:
        return CounsellorSms(command, None, twilio_opted_out=body.strip().upper() in TWILIO_OPT_OUT)
    if len(tokens) >= 2 and _PHRASES.get(tokens[:-1]) is Command.END:
        tag = read_tag(tokens[-1])
        if tag is not None:
            return CounsellorSms(Command.END, tag)
    first, _, rest = body.strip().partition(" ")
    tag = read_tag(first) if first.startswith("#") else None
    if tag is not None:
        return CounsellorSms(None, tag, rest.strip())
    return CounsellorSms(None, None, body.strip())
