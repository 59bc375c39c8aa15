"""The SMS reply texts: config/sms/<lang>.yaml, one short text per reply, in every language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from hotline.languages import LANGUAGES

SMS_DIR = "sms"
# Every language file must have every one of these.
REPLY_KEYS = (
    "help",  # the keywords and the emergency numbers
    "ask_when",  # is it safe to call this number back, and when (1-4)
    "registered",  # the callback is booked; it will come from this number
    "cancelled",
    "nothing_waiting",
    "send_inline",  # Redis is down: send the keyword with the digit in one message
    "centres_header",  # heads the centres' numbers texted from a call; names nothing
)
# Typographic apostrophes turn a whole SMS into UCS-2 (70 characters); U+0027 keeps GSM-7.
_PLAIN_APOSTROPHE = str.maketrans({"ʻ": "'", "ʼ": "'", "‘": "'", "’": "'", "`": "'"})


class RepliesError(Exception):
    """A reply file is missing, unreadable or lacks a reply."""


def load_replies(config_dir: Path) -> dict[str, dict[str, str]]:
    """All languages' replies from `config_dir`/sms, checked to be complete."""
    return dict(_load(str(config_dir)))


@lru_cache(maxsize=4)
def _load(config_dir: str) -> tuple[tuple[str, dict[str, str]], ...]:
    return tuple((lang, _load_language(Path(config_dir) / SMS_DIR, lang)) for lang in LANGUAGES)


def _load_language(folder: Path, lang: str) -> dict[str, str]:
    path = folder / f"{lang}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RepliesError(f"{path.name}: unreadable ({type(exc).__name__})") from None
    replies = data.get("replies") if isinstance(data, dict) else None
    if not isinstance(replies, dict):
        raise RepliesError(f"{path.name}: no 'replies' mapping")
    missing = [key for key in REPLY_KEYS if not isinstance(replies.get(key), str)]
    if missing:
        raise RepliesError(f"{path.name}: missing replies {', '.join(missing)}")
    return {key: " ".join(replies[key].split()).translate(_PLAIN_APOSTROPHE) for key in REPLY_KEYS}


def reply_text(config_dir: Path, lang: str, key: str) -> str:
    """The reply `key` in `lang` (an unknown language falls back to Kyrgyz)."""
    replies = load_replies(config_dir)
    return replies.get(lang, replies["ky"])[key]
