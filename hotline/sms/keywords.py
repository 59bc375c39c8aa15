"""Reading an SMS: which keyword (if any), which language, which digit or oblast. Pure.

A keyword counts only at the start of a short message (the keyword, a digit or an oblast, and
at most two words more): "Позвоните!", "call me 2", "ЦЕНТРЫ ОШ". Anything longer is a person
writing, and goes to a counsellor. Words are matched case-insensitively, punctuation dropped,
Kyrgyz ң ө ү also typed as н о у (a Russian keypad). English STOP and the other words Twilio
reserves are deliberately not ours: Twilio acts on them itself.
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
    CENTRES = "centres"
    LANGUAGE = "language"
    FORGET = "delete-my-data"
    WINDOW = "window"  # a bare "1".."4": the answer to "when is it safe?"
    OPTED_OUT = "opted-out"  # a word Twilio takes as an opt-out (STOP, ...)
    UNKNOWN = "unknown"  # a person writing: it goes to a counsellor


# Each language's words, in the order they are tried: cancel first, since "cancel call"
# holds a call word too.
KEYWORDS: dict[Intent, dict[str, tuple[str, ...]]] = {
    Intent.CANCEL: {
        "ky": ("ТОКТОТ", "ТОКТОТУҢУЗ", "ЖОККО ЧЫГАР", "ЖОККО ЧЫГАРЫҢЫЗ"),
        "ru": ("ОТМЕНА", "ОТМЕНИТЬ", "ОТМЕНИТЕ"),
        "uz": ("BEKOR", "БЕКОР"),
        "en": ("CANCEL",),
    },
    Intent.FORGET: {
        "ky": ("МААЛЫМАТЫМДЫ ӨЧҮР", "МААЛЫМАТТАРЫМДЫ ӨЧҮР", "МААЛЫМАТЫМДЫ ӨЧҮРҮҢҮЗ"),
        "ru": ("УДАЛИТЬ ДАННЫЕ", "УДАЛИТЕ ДАННЫЕ", "УДАЛИТЕ МОИ ДАННЫЕ"),
        "uz": ("MA'LUMOTLARIMNI O'CHIR", "MA'LUMOTLARIMNI O'CHIRING", "МАЪЛУМОТЛАРИМНИ ЎЧИР"),
        "en": ("DELETE MY DATA", "DELETE DATA"),
    },
    Intent.CALL_ME: {
        "ky": ("ЧАЛ", "ЧАЛЫҢЫЗ", "ЧАЛЫП", "ЧАЛГЫЛА"),
        "ru": ("ПОЗВОНИТЕ", "ПОЗВОНИ", "ПЕРЕЗВОНИТЕ", "ПЕРЕЗВОНИ", "ЗВОНОК"),
        "uz": ("QO'NG'IROQ", "ҚЎНҒИРОҚ"),
        "en": ("CALL", "CALL ME", "CALLBACK"),
    },
    Intent.CENTRES: {
        "ky": ("БОРБОР", "БОРБОРЛОР"),
        "ru": ("ЦЕНТРЫ", "ЦЕНТР"),
        "uz": ("MARKAZ", "MARKAZLAR", "МАРКАЗ", "МАРКАЗЛАР"),
        "en": ("CENTRES", "CENTERS", "CENTRE", "CENTER"),
    },
    Intent.HELP: {
        "ky": ("ЖАРДАМ",),
        "ru": ("ПОМОЩЬ",),
        "uz": ("YORDAM", "ЁРДАМ"),
        "en": ("INFO",),  # HELP is Twilio's; it still reaches us and gets the help reply
    },
}
# "Change of language": a language's name alone, or after the word for language.
LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "ky": ("КЫРГЫЗЧА", "КЫРГЫЗ ТИЛИ", "KYRGYZ", "KY"),
    "ru": ("РУССКИЙ", "ПО РУССКИ", "ОРУСЧА", "RUSSIAN", "RU"),
    "uz": ("O'ZBEKCHA", "ЎЗБЕКЧА", "УЗБЕКЧА", "UZBEK", "UZ"),
    "en": ("ENGLISH", "АНГЛИЙСКИЙ", "EN"),
}
LANGUAGE_WORDS = ("ТИЛ", "ЯЗЫК", "TIL", "LANGUAGE")
# Oblasts for "CENTRES OSH", in any of the four languages, hyphens and spaces dropped.
OBLAST_NAMES: dict[str, tuple[str, ...]] = {
    "bishkek": ("БИШКЕК", "BISHKEK"),
    "chuy": ("ЧҮЙ", "ЧУЙ", "CHUY", "CHUI"),
    "osh": ("ОШ", "OSH"),
    "talas": ("ТАЛАС", "TALAS"),
    "naryn": ("НАРЫН", "NARYN"),
    "batken": ("БАТКЕН", "BATKEN"),
    "jalal-abad": ("ЖАЛАЛАБАД", "ЖАЛАЛ-АБАД", "JALALABAD", "JALOLOBOD", "ЖАЛОЛОБОД"),
    "issyk-kul": ("ЫСЫККӨЛ", "ЫСЫК-КӨЛ", "ИССЫККУЛЬ", "ISSYKKUL", "ISSIQKO'L", "ISSYK-KUL"),
}
# Greetings tell a language that letters alone do not (Uzbek Latin, Kyrgyz without ң ө ү).
GREETINGS: dict[str, tuple[str, ...]] = {
    "uz": ("ASSALOMU", "ASSALOM", "SALOM", "АССАЛОМУ", "САЛОМ"),
    "ky": ("САЛАМАТСЫЗБЫ", "САЛАМАТСЫЗАРБЫ", "КАНДАЙСЫЗ"),
    "ru": ("ЗДРАВСТВУЙТЕ", "ПРИВЕТ"),
}

# Twilio's own opt-out words (single-word messages only): it confirms the opt-out itself and
# refuses any reply to the sender afterwards (error 21610), so we must not answer them.
TWILIO_OPT_OUT = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
MAX_EXTRA_WORDS = 2  # words after a keyword before the message counts as a person writing

APOSTROPHES = "'ʻʼ‘’`´"
_DROP_APOSTROPHES = str.maketrans("", "", APOSTROPHES)
# A Russian keypad has no ң ө ү: ЧАЛЫНЫЗ means ЧАЛЫҢЫЗ.
_KEYPAD = str.maketrans("ҢӨҮ", "НОУ")
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
    oblast: str | None = None  # CENTRES: the oblast asked about
    choice: str | None = None  # LANGUAGE: the language chosen


def words(text: str) -> list[str]:
    """Upper-case words with punctuation dropped; apostrophes inside words vanish."""
    return [w for w in _NOT_A_WORD.split(text.upper().translate(_DROP_APOSTROPHES)) if w]


def _folded(tokens: list[str]) -> tuple[str, ...]:
    return tuple(token.translate(_KEYPAD) for token in tokens)


def _phrases() -> list[tuple[Intent, str, tuple[str, ...]]]:
    # Longer phrases first, so "CALL ME" is seen whole.
    found = [
        (intent, language, _folded(words(keyword)))
        for intent, by_language in KEYWORDS.items()
        for language, keywords in by_language.items()
        for keyword in keywords
    ]
    return sorted(found, key=lambda item: -len(item[2]))


def _names(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {"".join(_folded(words(name))): key for key, names in table.items() for name in names}


PHRASES = _phrases()
LANGUAGE_BY_NAME = _names(LANGUAGE_NAMES)
OBLAST_BY_NAME = _names(OBLAST_NAMES)
GREETING_LANGUAGE = _names(GREETINGS)


def detect_language(text: str) -> str | None:
    """The language by letters (ң ө ү Kyrgyz; ў қ ғ ҳ or o'/g' Uzbek), greeting, then script."""
    upper = text.upper()
    letters = set(upper)
    if letters & KYRGYZ_LETTERS:
        return "ky"
    if letters & UZBEK_LETTERS or _UZBEK_LATIN.search(upper):
        return "uz"
    greeted = next(
        (GREETING_LANGUAGE[w] for w in _folded(words(text)) if w in GREETING_LANGUAGE), None
    )
    if greeted:
        return greeted
    if _CYRILLIC.search(upper):
        return "ru"
    if _LATIN.search(upper):
        return "en"
    return None


def read(body: str) -> Reading:
    """Intent, language and digit or oblast of an SMS body; a keyword decides the language."""
    tokens = list(_folded(words(body)))
    digit = next((t for t in tokens if t in WINDOW_KEYS), None)
    if body.strip().upper() in TWILIO_OPT_OUT:
        opted_out = body.strip().upper() == "CANCEL"  # ours too: the callback is cancelled
        intent = Intent.CANCEL if opted_out else Intent.OPTED_OUT
        return Reading(intent, "en", None, twilio_opted_out=True)
    choice = _language_choice(tokens)
    if choice is not None:
        return Reading(Intent.LANGUAGE, choice, choice=choice)
    match = _keyword(tokens)
    if match is not None:
        intent, language, rest = match
        if intent is Intent.CENTRES:
            return Reading(intent, language, oblast=OBLAST_BY_NAME.get("".join(rest)))
        return Reading(intent, language, digit if intent is Intent.CALL_ME else None)
    if tokens and tokens == [digit]:
        return Reading(Intent.WINDOW, None, digit)
    return Reading(Intent.UNKNOWN, detect_language(body))


def _language_choice(tokens: list[str]) -> str | None:
    named = tokens[1:] if tokens[:1] and tokens[0] in LANGUAGE_WORDS else tokens
    return LANGUAGE_BY_NAME.get("".join(named)) if named else None


def _keyword(tokens: list[str]) -> tuple[Intent, str, list[str]] | None:
    """The keyword the message starts with, its language, and the words after it."""
    for wanted in KEYWORDS:
        for intent, language, phrase in PHRASES:
            if intent is wanted and tuple(tokens[: len(phrase)]) == phrase:
                rest = tokens[len(phrase) :]
                if len([w for w in rest if w not in WINDOW_KEYS]) <= MAX_EXTRA_WORDS:
                    return intent, language, rest
    return None
