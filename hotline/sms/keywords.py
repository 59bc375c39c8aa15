"""Reading an SMS: which keyword (if any), which language, which safe-time digit. Pure.

Keywords are matched on whole words, case-insensitively, after punctuation is dropped, so
"Позвоните!", "call me 2" and "QO'NG'IROQ" / "QONGIROQ" all read the same. English STOP and
the other words Twilio reserves are deliberately not ours: Twilio acts on them itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from hotline.callbacks import WINDOW_KEYS


class Intent(StrEnum):
    """What a person asks for by SMS."""

    CALL_ME = "call-me"
    CANCEL = "cancel"
    HELP = "help"
    WINDOW = "window"  # a bare "1".."4": the answer to "when is it safe?"
    OPTED_OUT = "opted-out"  # a word Twilio takes as an opt-out (STOP, ...)
    UNKNOWN = "unknown"


# Each language's words, in the order they are tried: cancel first, since "cancel call"
# holds a call word too.
KEYWORDS: dict[Intent, dict[str, tuple[str, ...]]] = {
    Intent.CANCEL: {
        "ky": ("ТОКТОТ", "ТОКТОТУҢУЗ", "ЖОККО ЧЫГАР", "ЖОККО ЧЫГАРЫҢЫЗ"),
        "ru": ("ОТМЕНА", "ОТМЕНИТЬ", "ОТМЕНИТЕ"),
        "uz": ("BEKOR", "БЕКОР"),
        "en": ("CANCEL",),
    },
    Intent.CALL_ME: {
        "ky": ("ЧАЛ", "ЧАЛЫҢЫЗ", "ЧАЛЫП", "ЧАЛГЫЛА"),
        "ru": ("ПОЗВОНИТЕ", "ПОЗВОНИ", "ПЕРЕЗВОНИТЕ", "ПЕРЕЗВОНИ", "ЗВОНОК"),
        "uz": ("QO'NG'IROQ", "ҚЎНҒИРОҚ"),
        "en": ("CALL", "CALL ME", "CALLBACK"),
    },
    Intent.HELP: {
        "ky": ("ЖАРДАМ",),
        "ru": ("ПОМОЩЬ",),
        "uz": ("YORDAM", "ЁРДАМ"),
        "en": ("INFO",),  # HELP is Twilio's; it still reaches us and gets the help reply
    },
}

# Twilio's own opt-out words (single-word messages only): it confirms the opt-out itself and
# refuses any reply to the sender afterwards (error 21610), so we must not answer them.
TWILIO_OPT_OUT = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)

APOSTROPHES = "'ʻʼ‘’`´"
_DROP_APOSTROPHES = str.maketrans("", "", APOSTROPHES)
_NOT_A_WORD = re.compile(r"[^\w]+")
_UZBEK_LATIN = re.compile(f"[OG][{APOSTROPHES}]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Z]")
KYRGYZ_LETTERS = frozenset("ҢӨҮ")
UZBEK_LETTERS = frozenset("ЎҚҒҲ")


@dataclass(frozen=True)
class Reading:
    """What an SMS says, as far as the hotline cares."""

    intent: Intent
    language: str | None  # None: nothing to tell the language by (digits only)
    digit: str | None = None  # "1".."4" when a safe time was given
    twilio_opted_out: bool = False  # Twilio took this message as an opt-out


def words(text: str) -> list[str]:
    """Upper-case words with punctuation dropped; apostrophes inside words vanish."""
    return [w for w in _NOT_A_WORD.split(text.upper().translate(_DROP_APOSTROPHES)) if w]


def _phrases() -> list[tuple[Intent, str, tuple[str, ...]]]:
    # Longer phrases first, so "CALL ME" is seen whole.
    found = [
        (intent, language, tuple(words(keyword)))
        for intent, by_language in KEYWORDS.items()
        for language, keywords in by_language.items()
        for keyword in keywords
    ]
    return sorted(found, key=lambda item: -len(item[2]))


PHRASES = _phrases()


def detect_language(text: str) -> str | None:
    """The language by script: ң ө ү Kyrgyz, ў қ ғ ҳ or Latin o'/g' Uzbek, Cyrillic Russian."""
    upper = text.upper()
    letters = set(upper)
    if letters & KYRGYZ_LETTERS:
        return "ky"
    if letters & UZBEK_LETTERS or _UZBEK_LATIN.search(upper):
        return "uz"
    if _CYRILLIC.search(upper):
        return "ru"
    if _LATIN.search(upper):
        return "en"
    return None


def read(body: str) -> Reading:
    """Intent, language and safe-time digit of an SMS body; a keyword decides the language."""
    tokens = words(body)
    digit = next((t for t in tokens if t in WINDOW_KEYS), None)
    if body.strip().upper() in TWILIO_OPT_OUT:
        opted_out = body.strip().upper() == "CANCEL"  # ours too: the callback is cancelled
        intent = Intent.CANCEL if opted_out else Intent.OPTED_OUT
        return Reading(intent, "en", None, twilio_opted_out=True)
    match = _keyword(tokens)
    if match is not None:
        intent, language = match
        return Reading(intent, language, digit if intent is Intent.CALL_ME else None)
    if tokens and tokens == [digit]:
        return Reading(Intent.WINDOW, None, digit)
    return Reading(Intent.UNKNOWN, detect_language(body))


def _keyword(tokens: list[str]) -> tuple[Intent, str] | None:
    for wanted in (Intent.CANCEL, Intent.CALL_ME, Intent.HELP):
        for intent, language, phrase in PHRASES:
            if intent is wanted and _contains(tokens, phrase):
                return intent, language
    return None


def _contains(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(tokens[i : i + size]) == phrase for i in range(len(tokens) - size + 1))
