"""`hotline prompts check`: every prompt playable, audio current, listening time per language."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hotline.ivr.prompts.audio import (
    AudioError,
    Manifest,
    audio_seconds,
)
from hotline.ivr.prompts.catalog import (
    PROMPT_KEYS,
    CatalogError,
    Prompt,
    PromptCatalog,
)
from hotline.ivr.prompts.synthesis import speech_items
from hotline.languages import LANGUAGES

# Speaking rate assumed for <Say>. Conversational English runs at about 150 words a minute
# (the usual figure for speech and for TTS at its default rate), and an English word is
# about 4.7 letters plus a space: 150 * 5.7 / 60 = 14.25 characters a second. Russian words
# are longer but spoken at about the same syllable rate, so the same figure serves as an
# estimate; shipped audio (ky, uz) is measured instead.
SAY_CHARACTERS_PER_SECOND = 14.0
# How long a menu waits for a key (the <Gather> timeout of every menu).
GATHER_SECONDS = 6
# The first minute's promises: a counsellor rings after at most this much listening with two
# keys, and within this much of the answer for a caller who presses nothing.
FAST_PATH_LIMIT = 12.0
SILENT_PATH_LIMIT = 25.0


@dataclass
class CheckReport:
    """What `hotline prompts check` found: problems, and listening time per language."""

    problems: list[str] = field(default_factory=list)
    listening: dict[str, float] = field(default_factory=dict)
    silent: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the catalog has no problem."""
        return not self.problems


def prompt_seconds(catalog: PromptCatalog, lang: str, prompt: Prompt) -> float:
    """How long a prompt plays: measured for audio, estimated for a Twilio voice."""
    if prompt.kind == "play" and prompt.audio_file is not None:
        path = catalog.audio_path(lang, prompt.audio_file)
        if path is None:
            raise CatalogError(f"{lang}/{prompt.audio_file}: audio file is gone")
        return audio_seconds(path)
    return len(prompt.text) / SAY_CHARACTERS_PER_SECOND


def listening_seconds(catalog: PromptCatalog, lang: str) -> float:
    """Prompts before the first ring for a caller who presses their language, then 1 for a
    counsellor, each as soon as it is named (two keys), on a line of any language."""
    # Twilio stops a prompt at the first key, but a caller who does not know the menu hears
    # every language's option before choosing, and the main menu names the counsellor first.
    welcome = max(_seconds(catalog, code, "welcome") for code in catalog.languages)
    heard = [(code, "language_option") for code in catalog.languages]
    heard += [(lang, "main_menu"), (lang, "connecting")]
    return welcome + sum(_seconds(catalog, code, key) for code, key in heard)


def silent_seconds(catalog: PromptCatalog, lang: str) -> float:
    """From the answer to the first ring for a caller who presses nothing, on a `lang` line:
    the language menu, its wait for a key, then "connecting" in the line's language."""
    heard = [(lang, "welcome"), *((code, "language_option") for code in catalog.languages)]
    heard += [(lang, "connecting")]
    return GATHER_SECONDS + sum(_seconds(catalog, code, key) for code, key in heard)


def _seconds(catalog: PromptCatalog, lang: str, key: str) -> float:
    return prompt_seconds(catalog, lang, catalog.prompt(lang, key))


def check_catalog(catalog: PromptCatalog) -> CheckReport:
    """Every missing prompt or language, unplayable prompt, stale audio; listening times."""
    report = CheckReport()
    for code in LANGUAGES:
        if code not in catalog.languages:
            report.problems.append(f"{code}: no catalog file {code}.yaml")
    digits = Counter(catalog.language(code).digit for code in catalog.languages)
    for code in catalog.languages:
        digit = catalog.language(code).digit
        if digits[digit] > 1:
            report.problems.append(f"{code}: menu digit {digit} is used by another language")
        report.problems.extend(_language_problems(catalog, code))
    for code in catalog.languages:
        try:
            report.listening[code] = listening_seconds(catalog, code)
            report.silent[code] = silent_seconds(catalog, code)
        except (CatalogError, AudioError):
            continue  # already reported as a missing or unreadable prompt
        report.problems += _first_minute_problems(code, report)
    return report


def _first_minute_problems(code: str, report: CheckReport) -> list[str]:
    problems = []
    if report.listening[code] > FAST_PATH_LIMIT:
        problems.append(
            f"{code}: {report.listening[code]:.1f} s of prompts before the first ring "
            f"(at most {FAST_PATH_LIMIT:.0f} s): shorten the welcome, the language options, "
            "the main menu's first sentence or connecting"
        )
    if report.silent[code] > SILENT_PATH_LIMIT:
        problems.append(
            f"{code}: a caller who presses nothing waits {report.silent[code]:.1f} s for the "
            f"first ring (at most {SILENT_PATH_LIMIT:.0f} s)"
        )
    return problems


def _language_problems(catalog: PromptCatalog, code: str) -> list[str]:
    language = catalog.language(code)
    problems = [
        f"{code}: prompt {key!r} is missing" for key in PROMPT_KEYS if key not in language.prompts
    ]
    problems += [
        f"{code}: unknown prompt {key!r}" for key in language.prompts if key not in PROMPT_KEYS
    ]
    problems += [
        f"{code}: no spoken name for centre {centre.slug!r}"
        for centre in catalog.centres
        if centre.slug not in language.centres
    ]
    folder = catalog.audio_dir(code)
    if language.voice is None and not any(folder.glob("*.wav")) and not any(folder.glob("*.mp3")):
        hint = "run `hotline prompts synthesize` or add recordings"
        return [*problems, f"{code}: no Twilio voice and no audio files ({hint})"]
    return problems + _audio_problems(catalog, code)


def _audio_problems(catalog: PromptCatalog, code: str) -> list[str]:
    """Prompts that cannot be played, audio that cannot be read, synthesis older than text."""
    language = catalog.language(code)
    manifest = Manifest.read(catalog.audio_dir(code))
    problems = []
    for item in speech_items(catalog, code):
        try:
            prompt = catalog.resolve(code, item.stem, item.text)
            prompt_seconds(catalog, code, prompt)
        except CatalogError:
            problems.append(f"{code}/{item.stem}: no audio file and no Twilio voice")
            continue
        except AudioError as exc:
            problems.append(f"{code}/{prompt.audio_file}: audio file unreadable: {exc}")
            continue
        wav = catalog.audio_dir(code) / item.wav
        if (
            language.synthesized
            and prompt.audio_file == item.wav
            and manifest.is_synthesized(wav)
            and not manifest.is_current(wav, item.fingerprint)
        ):
            problems.append(
                f"{code}/{item.wav}: older than its text; run `hotline prompts synthesize`"
            )
    return problems
