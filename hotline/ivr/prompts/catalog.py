"""The prompt catalog: config/prompts/<lang>.yaml texts, their audio, and how each is played."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import phonenumbers
import yaml

from hotline import yaml_files
from hotline.directory import DIRECTORY_FILE, CentreEntry, DirectoryError, load_directory
from hotline.ivr.prompts.audio import AUDIO_NAME, AUDIO_SUFFIXES
from hotline.languages import LANGUAGES

PROMPTS_DIR = "prompts"
AUDIO_DIR = "audio"
# Every language file must have every one of these (the IVR's fixed design).
PROMPT_KEYS = (
    "welcome",
    "language_option",
    "main_menu",
    "main_menu_more",
    "invalid_choice",
    "connecting",
    "hold",
    "still_trying",
    "no_counsellor",
    "callback_safe_question",
    "callback_when",
    "callback_registered",
    "callback_not_created",
    "callback_cancelled",
    "callback_unavailable",
    "callback_pending",
    "callback_which_number",
    "callback_enter_number",
    "callback_number_refused",
    "centres_intro",
    "centres_sms_offer",
    "centres_sms_sent",
    "emergency_numbers",
    "blocked",
    "goodbye",
    "reserve_connecting",
    "screen_offer_ky",
    "screen_offer_ru",
    "screen_offer_uz",
    "screen_offer_en",
    "screen_accepted",
    "callback_screen",
    "callback_asked_at",
    "callback_caller_missed",
    "callback_counsellor_goodbye",
    "callback_caller_screen",
    "counsellor_leg_failed",
)
CENTRE_AUDIO_PREFIX = "centre-"
# Played to a caller on hold, in every language; a centre may replace it with its own.
HOLD_MUSIC = "hold_music.wav"
DEFAULT_ESPEAK_RATE = 150  # words per minute; espeak-ng's 175 is too hurried for a crisis line
_FIELDS = {
    "language",
    "name",
    "digit",
    "voice",
    "say_language",
    "espeak_voice",
    "espeak_rate",
    "espeak_spellings",
    "espeak_letters",
    "prompts",
    "digits",
    "centres",
}
# Uzbek Latin's okina and its look-alikes become ASCII ' (one SMS alphabet, one spelling).
_APOSTROPHES = str.maketrans({"\u02bb": "'", "\u2018": "'", "\u2019": "'", "\u02bc": "'"})
_GROUP = re.compile(r"\d+")


class CatalogError(Exception):
    """The catalog is malformed or lacks what was asked for; the message names file and key."""


@dataclass(frozen=True)
class Language:
    """One language of the IVR: how it is offered and how its prompts are spoken."""

    code: str
    name: str
    digit: str
    voice: str | None
    say_language: str | None
    espeak_voice: str | None = None
    espeak_rate: int = DEFAULT_ESPEAK_RATE
    # Fragments espeak-ng misreads -> a spelling it reads right (synthesis only).
    espeak_spellings: Mapping[str, str] = field(default_factory=dict)
    # Letters -> espeak-ng phonemes: when set, every word is given to espeak as phonemes.
    espeak_letters: Mapping[str, str] = field(default_factory=dict)
    prompts: Mapping[str, str] = field(default_factory=dict)
    digits: tuple[str, ...] = ()
    centres: Mapping[str, str] = field(default_factory=dict)

    @property
    def synthesized(self) -> bool:
        """True when its audio is made by espeak-ng: no Twilio voice speaks it."""
        return self.voice is None and self.espeak_voice is not None


@dataclass(frozen=True)
class Prompt:
    """How to play one prompt: an audio file (<Play>) or text for a Twilio voice (<Say>)."""

    kind: Literal["play", "say"]
    text: str
    audio_file: str | None
    voice: str | None
    say_language: str | None


class PromptCatalog:
    """All languages' prompts, loaded from a config directory; read-only after loading."""

    def __init__(
        self, root: Path, languages: Mapping[str, Language], centres: tuple[CentreEntry, ...]
    ) -> None:
        self.root = root
        self._languages = dict(languages)
        self.centres = centres
        known = [code for code in LANGUAGES if code in self._languages]
        self._order = known + sorted(set(self._languages) - set(known))
        # Audio changes only with a deploy or `prompts synthesize` (then the app restarts), so
        # which files each language has is read once, not stat'ed for every prompt of a call.
        self._audio = {code: self._audio_files(code) for code in self._languages}
        music = root / AUDIO_DIR / HOLD_MUSIC
        self._hold_music = music if music.is_file() else None

    @classmethod
    def load(cls, config_dir: Path, with_directory: bool = True) -> PromptCatalog:
        """Read config_dir/prompts/*.yaml, and the published centres of config_dir/centres.yaml
        unless `with_directory` is False (the running app reads centres from the database, so
        a mistake in the directory file never stops it)."""
        root = Path(config_dir) / PROMPTS_DIR
        if not root.is_dir():
            raise CatalogError(f"{root}: no prompt catalog folder")
        languages = {}
        for path in sorted(root.glob("*.yaml")):
            language = _read_language(path)
            languages[language.code] = language
        directory = Path(config_dir) / DIRECTORY_FILE
        return cls(root, languages, _published_centres(directory) if with_directory else ())

    @property
    def languages(self) -> list[str]:
        """Language codes in menu order: ky, ru, uz, en, then any others alphabetically."""
        return list(self._order)

    def language(self, code: str) -> Language:
        """The language with this code; CatalogError when the catalog has no such file."""
        try:
            return self._languages[code]
        except KeyError:
            raise CatalogError(f"no prompt catalog for language {code!r}") from None

    def language_for_digit(self, digit: str) -> str | None:
        """The language a caller chose by pressing `digit` in the language menu."""
        return next((code for code in self._order if self._languages[code].digit == digit), None)

    def audio_dir(self, lang: str) -> Path:
        """The folder holding one language's audio files."""
        return self.root / AUDIO_DIR / self.language(lang).code

    def audio_path(self, lang: str, filename: str) -> Path | None:
        """The audio file to serve, or None: only plain .wav/.mp3 names inside the folder."""
        if lang not in self._languages or not AUDIO_NAME.fullmatch(filename):
            return None
        folder = self.audio_dir(lang).resolve()
        path = (folder / filename).resolve()
        if path.parent != folder or not path.is_file():
            return None
        return path

    def _audio_files(self, lang: str) -> frozenset[str]:
        """The names of one language's audio files that `audio_path` would serve."""
        folder = self.audio_dir(lang)
        if not folder.is_dir():
            return frozenset()
        return frozenset(
            entry.name for entry in folder.iterdir() if self.audio_path(lang, entry.name)
        )

    def hold_music(self) -> Path | None:
        """The music a holding caller hears between prompts, if the catalog has some."""
        return self._hold_music

    def find_audio(self, lang: str, stem: str) -> str | None:
        """The audio file name for a prompt or centre, a human mp3 first, else None."""
        present = self._audio.get(lang, frozenset())
        return next((stem + suffix for suffix in AUDIO_SUFFIXES if stem + suffix in present), None)

    def prompt(self, lang: str, key: str) -> Prompt:
        """How to play prompt `key` in `lang`: audio when there is some, else the voice."""
        language = self.language(lang)
        text = language.prompts.get(key)
        if text is None:
            raise CatalogError(f"{lang}.yaml: prompt {key!r} is missing")
        return self.resolve(lang, key, text)

    def centre_text(self, lang: str, slug: str, phone_e164: str) -> str:
        """What is said for a centre: its name, then its number digit by digit in groups."""
        language = self.language(lang)
        name = language.centres.get(slug)
        if name is None:
            raise CatalogError(f"{lang}.yaml: centres: no spoken name for {slug!r}")
        return f"{name}: {spoken_number(phone_e164, language.digits)}."

    def centre_prompt(self, lang: str, slug: str, phone_e164: str) -> Prompt:
        """How to play a centre's entry: its audio (made for the first number) or the voice."""
        text = self.centre_text(lang, slug, phone_e164)
        return self.resolve(lang, CENTRE_AUDIO_PREFIX + slug, text)

    def resolve(self, lang: str, stem: str, text: str) -> Prompt:
        """Play `stem`'s audio file when there is one, else Say `text` with the voice."""
        language = self.language(lang)
        audio = self.find_audio(language.code, stem)
        if audio is not None:
            return Prompt("play", text, audio, language.voice, language.say_language)
        if language.voice is not None:
            return Prompt("say", text, None, language.voice, language.say_language)
        raise CatalogError(f"{language.code}: no audio for {stem!r} and no Twilio voice")


def spoken_number(phone_e164: str, digits: tuple[str, ...]) -> str:
    """A number as dialled at home, digit words grouped as it is printed: "0312, 51 26 40"."""
    try:
        number = phonenumbers.parse(phone_e164, None)
    except phonenumbers.NumberParseException:
        raise CatalogError("centre number is not in E.164 form") from None
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    area, *local = _GROUP.findall(national)
    # The area code stays whole; the rest goes in pairs, as numbers are printed and dictated
    # in Kyrgyzstan ("(03234) 2-60-33"), each pair a short pause for the listener.
    rest = "".join(local)
    pairs = [rest[max(0, end - 2) : end] for end in range(len(rest), 0, -2)][::-1]
    return ", ".join(" ".join(digits[int(d)] for d in group) for group in [area, *pairs])


def _published_centres(path: Path) -> tuple[CentreEntry, ...]:
    """Centres read out to callers; none when the directory file is not there."""
    if not path.exists():
        return ()
    try:
        return load_directory(path).published()
    except DirectoryError as exc:
        raise CatalogError(str(exc)) from None


def _read_language(path: Path) -> Language:
    """One language file, with every field's type checked; errors name file and key."""
    try:
        raw = yaml_files.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read: {exc}") from None
    if not isinstance(raw, dict):
        raise CatalogError(f"{path}: must be a mapping of fields")
    unknown = sorted(str(key) for key in raw if key not in _FIELDS)
    if unknown:
        raise CatalogError(f"{path}: unknown field {unknown[0]!r}")
    where = str(path)
    code = _text(raw, "language", where)
    if code != path.stem:
        raise CatalogError(f"{path}: language {code!r} does not match the file name")
    digits = tuple(_texts(raw, "digits", where))
    if len(digits) != 10:
        raise CatalogError(f"{path}: digits: must list ten words, for 0 to 9")
    rate = raw.get("espeak_rate", DEFAULT_ESPEAK_RATE)
    if not isinstance(rate, int) or not 80 <= rate <= 450:
        raise CatalogError(f"{path}: espeak_rate: must be words per minute, 80 to 450")
    return Language(
        code=code,
        name=_text(raw, "name", where),
        digit=_text(raw, "digit", where),
        voice=_optional_text(raw, "voice", where),
        say_language=_optional_text(raw, "say_language", where),
        espeak_voice=_optional_text(raw, "espeak_voice", where),
        espeak_rate=rate,
        espeak_spellings=_mapping(raw, "espeak_spellings", where),
        espeak_letters=_mapping(raw, "espeak_letters", where),
        prompts=_mapping(raw, "prompts", where),
        digits=digits,
        centres=_mapping(raw, "centres", where),
    )


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # `digit: 1` is a natural way to write it
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: {key}: must be non-empty text")
    return " ".join(value.translate(_APOSTROPHES).split())


def _optional_text(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    return None if raw.get(key) is None else _text(raw, key, where)


def _texts(raw: Mapping[str, Any], key: str, where: str) -> list[str]:
    values = raw.get(key)
    if not isinstance(values, list):
        raise CatalogError(f"{where}: {key}: must be a list")
    return [_text({key: value}, key, where) for value in values]


def _mapping(raw: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    values = raw.get(key) or {}
    if not isinstance(values, dict):
        raise CatalogError(f"{where}: {key}: must be a mapping")
    return {str(name): _text(values, name, f"{where}: {key}") for name in values}
