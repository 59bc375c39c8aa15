"""Synthesized prompt audio for languages no Twilio voice speaks: espeak-ng, then sox."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hotline.ivr.prompts.audio import Manifest, text_hash
from hotline.ivr.prompts.catalog import CENTRE_AUDIO_PREFIX, PROMPT_KEYS, PromptCatalog

TOOLS = ("espeak-ng", "sox")
INSTALL_HINT = "install them: apt-get install espeak-ng sox"
# 8 kHz mono mu-law: what a phone line carries, and a WAV Twilio's <Play> accepts.
TELEPHONE_AUDIO = ("-r", "8000", "-c", "1", "-e", "mu-law")
TOOL_TIMEOUT = 60  # seconds; one prompt takes well under one
# espeak-ng pads every file with about 0.4 s of silence at each end: a caller hears it as
# dead air between prompts, so sox cuts what is quieter than 0.1% at both ends.
_TRIM_START = ("silence", "1", "0.01", "0.1%")
TRIM_SILENCE = (*_TRIM_START, "reverse", *_TRIM_START, "reverse")
# A word of a language written in Latin letters and the apostrophe (Uzbek: o', g', ').
_WORD = re.compile(r"[A-Za-z']+")
_VOWEL_LETTERS = "aeiou"


class SynthesisError(Exception):
    """espeak-ng or sox failed on a prompt; the message names the file."""


@dataclass(frozen=True)
class SpeechItem:
    """One audio file a synthesized language needs: a prompt or a centre's entry."""

    stem: str
    text: str
    spoken: str  # the text with the language's espeak_spellings applied
    fingerprint: str  # voice, rate and spoken text: a change means the audio is stale

    @property
    def wav(self) -> str:
        """The synthesized file's name."""
        return self.stem + ".wav"


def missing_tools() -> list[str]:
    """The synthesis tools not found on PATH."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def speech_items(catalog: PromptCatalog, lang: str) -> list[SpeechItem]:
    """Every prompt of `lang` and every published centre it names, in catalog order."""
    language = catalog.language(lang)
    texts = [(key, language.prompts[key]) for key in PROMPT_KEYS if key in language.prompts]
    for centre in catalog.centres:
        if centre.slug in language.centres:
            text = catalog.centre_text(lang, centre.slug, centre.numbers[0])
            texts.append((CENTRE_AUDIO_PREFIX + centre.slug, text))
    items = []
    for stem, text in texts:
        spoken = text
        for written, respelled in language.espeak_spellings.items():
            spoken = spoken.replace(written, respelled)
        if language.espeak_letters:
            spoken = as_phonemes(spoken, language.espeak_letters)
        voice = language.espeak_voice or ""
        fingerprint = text_hash(voice, str(language.espeak_rate), spoken, *TRIM_SILENCE)
        items.append(SpeechItem(stem, text, spoken, fingerprint))
    return items


def as_phonemes(text: str, letters: Mapping[str, str]) -> str:
    """Each word as espeak-ng phonemes ("bir" -> "[[b'ir]]"), stressed on its last vowel.

    Letters are read longest first (Uzbek "ng'" before "ng"); stress falls on the last
    vowel, as in most Uzbek words (espeak would leave all but a clause's last word flat).
    """
    longest = max(map(len, letters))

    def word(found: re.Match[str]) -> str:
        spelt, at, stressed = found.group().lower(), 0, -1
        phonemes: list[str] = []
        while at < len(spelt):
            size = longest
            while size > 1 and spelt[at : at + size] not in letters:
                size -= 1
            chunk = spelt[at : at + size]
            if chunk[0] in _VOWEL_LETTERS:
                stressed = len(phonemes)
            phonemes.append(letters.get(chunk, chunk))
            at += size
        if stressed >= 0:
            phonemes.insert(stressed, "'")
        return "[[" + "".join(phonemes) + "]]"

    return _WORD.sub(word, text)


def synthesize_language(
    catalog: PromptCatalog, lang: str, force: bool, progress: Callable[[str], None]
) -> int:
    """Make the missing or stale audio of one language; return how many files were made."""
    language = catalog.language(lang)
    if not language.synthesized or language.espeak_voice is None:
        return 0
    folder = catalog.audio_dir(lang)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = Manifest.read(folder)
    made = 0
    items = speech_items(catalog, lang)
    for item in items:
        wav = folder / item.wav
        if (folder / (item.stem + ".mp3")).exists() or (
            wav.exists() and not manifest.is_synthesized(wav)
        ):
            progress(f"{lang}/{item.wav}: human recording kept")
            continue
        if not force and manifest.is_current(wav, item.fingerprint):
            progress(f"{lang}/{item.wav}: up to date")
            continue
        _speak(item.spoken, language.espeak_voice, language.espeak_rate, wav)
        manifest.record(wav, item.fingerprint)
        manifest.write()  # after each file, so an interrupted run loses nothing
        made += 1
        progress(f"{lang}/{item.wav}: made")
    _remove_unused(manifest, {item.wav for item in items}, lang, progress)
    return made


def _remove_unused(
    manifest: Manifest, wanted: set[str], lang: str, progress: Callable[[str], None]
) -> None:
    """Delete our own audio of prompts or centres the catalog no longer has."""
    for name in sorted(set(manifest.entries) - wanted):
        path = manifest.path.parent / name
        if manifest.is_synthesized(path):
            path.unlink()
            progress(f"{lang}/{name}: removed (no longer in the catalog)")
        del manifest.entries[name]
    manifest.write()


def _speak(text: str, voice: str, rate: int, out: Path) -> None:
    """espeak-ng to a temporary WAV, sox to telephone audio, then replace `out` at once."""
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".synth-") as tmp:
        raw, telephone = Path(tmp) / "espeak.wav", Path(tmp) / out.name
        # The text goes on stdin: a prompt starting with "-" is never read as an option.
        _run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(raw), "--stdin"], text, out)
        _run(["sox", str(raw), *TELEPHONE_AUDIO, str(telephone), *TRIM_SILENCE], None, out)
        telephone.replace(out)


def _run(command: list[str], stdin: str | None, out: Path) -> None:
    try:
        subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
            timeout=TOOL_TIMEOUT,
        )
    except FileNotFoundError:
        raise SynthesisError(f"{out.name}: {command[0]} not found; {INSTALL_HINT}") from None
    except subprocess.CalledProcessError as exc:
        why = (exc.stderr or "").strip().splitlines()[-1:] or [f"exit {exc.returncode}"]
        raise SynthesisError(f"{out.name}: {command[0]} failed: {why[0]}") from None
    except subprocess.TimeoutExpired:
        raise SynthesisError(f"{out.name}: {command[0]} took over {TOOL_TIMEOUT} s") from None
