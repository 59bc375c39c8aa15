"""The SMS texts: config/sms/<lang>.yaml, one short text per key, in every language.

Each text fits one SMS segment (GSM-7 160 characters, UCS-2 70) with its values filled in at
their longest, unless its spec here allows it to be longer; `check_replies` says which do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from hotline import yaml_files
from hotline.languages import LANGUAGES
from hotline.models import Message
from hotline.outbox import Writer
from hotline.sms.segments import is_gsm7, segments

SMS_DIR = "sms"
# The longest values a text is filled with, for counting its segments.
LONGEST = {
    "tag": "K77",
    "count": "3",
    "tags": "#K77 #A22 #B33",
    "items": "#K77 ru 45m, #A22 ky 12m, #B33 uz 3m",
    "language": "ru",
    "minutes": "60",
    "reserve": "+996312000111",
}


@dataclass(frozen=True)
class ReplySpec:
    """What a text is for, and whether it may take more than one segment (and why)."""

    purpose: str
    longer: str = ""  # why this text may be longer than one segment; "" = it may not


REPLIES: dict[str, ReplySpec] = {
    "help": ReplySpec("writing reaches a counsellor; CALL; the emergency numbers"),
    "ask_when": ReplySpec("is it safe to call this number back, and when (1-4)"),
    "registered": ReplySpec("the callback is booked, from this number; how to cancel"),
    "cancelled": ReplySpec("the callback is cancelled"),
    "nothing_waiting": ReplySpec("no callback to cancel"),
    "send_inline": ReplySpec("Redis is down: send the keyword with the digit in one message"),
    "relay_opened": ReplySpec("the message reached a counsellor; answers come from here"),
    "relay_reassigned": ReplySpec("another counsellor is coming (the first was silent)"),
    "nobody_on_call": ReplySpec(
        "nobody on call: emergency numbers, the reserve line, the callback offer",
        longer="three emergency numbers, a whole reserve number and the callback keyword",
    ),
    "language_set": ReplySpec("the language the hotline writes in from now on"),
    "data_deleted": ReplySpec("the sender's data is deleted"),
    "centres": ReplySpec(
        "neutral header of a list of centres' numbers",
        longer="one line per centre follows the header",
    ),
    "counsellor_on": ReplySpec("a counsellor is on duty now"),
    "counsellor_off": ReplySpec("a counsellor is off duty now"),
    "counsellor_status_on": ReplySpec("STATUS: on duty, open tags"),
    "counsellor_status_off": ReplySpec("STATUS: off duty, open tags"),
    "counsellor_list": ReplySpec(
        "LIST: open conversations with language and age", longer="one item per open conversation"
    ),
    "counsellor_none": ReplySpec("a counsellor has no open conversation"),
    "counsellor_ended": ReplySpec("END: the conversation is closed"),
    "counsellor_which": ReplySpec("several open: start with the tag"),
    "counsellor_unknown_tag": ReplySpec("no open conversation with that tag"),
    "relay_new": ReplySpec("a silent counsellor's conversation, given to this one"),
    "relay_passed": ReplySpec("the conversation went to another counsellor"),
    "relay_closed": ReplySpec("closed after idle minutes"),
    "relay_gone": ReplySpec("closed: the texter stopped or deleted their data"),
}
REPLY_KEYS = tuple(REPLIES)
# Typographic apostrophes turn a whole SMS into UCS-2 (70 characters); U+0027 keeps GSM-7.
_PLAIN_APOSTROPHE = str.maketrans({"ʻ": "'", "ʼ": "'", "‘": "'", "’": "'", "`": "'"})


class RepliesError(Exception):
    """A reply file is missing, unreadable or lacks a reply."""


@dataclass(frozen=True)
class ReplyCount:
    """One text as `hotline prompts check` lists it."""

    language: str
    key: str
    encoding: str  # GSM-7 or UCS-2
    characters: int  # with its values filled in at their longest
    segments: int
    longer: str  # why it may be longer, "" if it may not

    @property
    def problem(self) -> bool:
        """More than one segment without leave."""
        return self.segments > 1 and not self.longer


def load_replies(config_dir: Path) -> dict[str, dict[str, str]]:
    """All languages' replies from `config_dir`/sms, checked to be complete."""
    return dict(_load(str(config_dir)))


@lru_cache(maxsize=4)
def _load(config_dir: str) -> tuple[tuple[str, dict[str, str]], ...]:
    return tuple((lang, _load_language(Path(config_dir) / SMS_DIR, lang)) for lang in LANGUAGES)


def _load_language(folder: Path, lang: str) -> dict[str, str]:
    path = folder / f"{lang}.yaml"
    try:
        data = yaml_files.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RepliesError(f"{path.name}: unreadable ({type(exc).__name__})") from None
    replies = data.get("replies") if isinstance(data, dict) else None
    if not isinstance(replies, dict):
        raise RepliesError(f"{path.name}: no 'replies' mapping")
    missing = [key for key in REPLY_KEYS if not isinstance(replies.get(key), str)]
    if missing:
        raise RepliesError(f"{path.name}: missing replies {', '.join(missing)}")
    return {key: " ".join(replies[key].split()).translate(_PLAIN_APOSTROPHE) for key in REPLY_KEYS}


def reply_text(config_dir: Path, lang: str, key: str, **values: object) -> str:
    """The reply `key` in `lang` (an unknown language falls back to Kyrgyz), `values` filled."""
    replies = load_replies(config_dir)
    text = replies.get(lang, replies["ky"])[key]
    return text.format(**values) if values else text


def reply_writer(config_dir: Path) -> Writer:
    """The outbox's writer of "sms:<key>" messages: the reply in the message's language."""

    def write(session: Session, message: Message) -> str:
        key = (message.text_ref or "").partition(":")[2]
        return reply_text(config_dir, message.language or "ky", key, **(message.text_args or {}))

    return write


def check_replies(config_dir: Path) -> list[ReplyCount]:
    """Every text in every language, filled at its longest: encoding, characters, segments."""
    counts = []
    for lang, texts in load_replies(config_dir).items():
        for key, text in texts.items():
            filled = text.format(**LONGEST)
            counts.append(
                ReplyCount(
                    lang,
                    key,
                    "GSM-7" if is_gsm7(filled) else "UCS-2",
                    len(filled.encode("utf-16-le")) // 2,
                    segments(filled),
                    REPLIES[key].longer,
                )
            )
    return counts
