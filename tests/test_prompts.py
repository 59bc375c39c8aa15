"""The IVR prompt catalog: the shipped files, `hotline prompts check` and `synthesize`."""

from __future__ import annotations

import re
import shutil
import stat
import wave
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from hotline.cli.prompts import prompts
from hotline.ivr.prompts import (
    PROMPT_KEYS,
    CatalogError,
    PromptCatalog,
    audio_content_type,
    check_catalog,
    listening_seconds,
)

CONFIG = Path(__file__).resolve().parent.parent / "config"
LANGUAGE_VOICES = {"ru": ("Polly.Tatyana", "ru-RU"), "en": ("Polly.Joanna", "en-US")}


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(prompts, list(args), env=env)


def copy_config(tmp_path: Path, centres: bool = True) -> Path:
    """A private copy of the shipped catalog (and directory) that a test may break."""
    shutil.copytree(CONFIG / "prompts", tmp_path / "prompts")
    shutil.copytree(CONFIG / "sms", tmp_path / "sms")
    if centres:
        shutil.copy(CONFIG / "centres.yaml", tmp_path / "centres.yaml")
    return tmp_path


def edit_language(config: Path, lang: str, change: dict[str, object]) -> None:
    """Rewrite one language file with top-level fields or prompts changed (None deletes)."""
    path = config / "prompts" / f"{lang}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, value in change.items():
        target, key = (data["prompts"], name[8:]) if name.startswith("prompts.") else (data, name)
        if value is None and name.startswith("prompts."):
            del target[key]
        else:
            target[key] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def write_pcm_wav(path: Path, seconds: float, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x01\x00" * int(seconds * rate))


def test_shipped_catalog_passes_check_and_prints_listening_time() -> None:
    result = run("check", "--dir", str(CONFIG))

    assert result.exit_code == 0, result.output
    for lang in ("ky", "ru", "uz", "en"):
        found = re.search(
            rf"^{lang}: (\d+\.\d) s of prompts before the first ring \(2 keys\); "
            r"(\d+\.\d) s pressing nothing$",
            result.output,
            re.M,
        )
        assert found, result.output
        assert 8 < float(found.group(1)) <= 12  # the counsellor keys as soon as named
        assert 12 < float(found.group(2)) <= 25  # the language menu's wait included
    assert "4 languages, 0 problems" in result.output


def test_a_slower_first_minute_is_a_problem(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    edit_language(config, "en", {"prompts.connecting": "Connecting you. " * 12})

    result = run("check", "--dir", str(config))

    assert result.exit_code == 1
    assert "problem: en: 22.5 s of prompts before the first ring (at most 12 s)" in result.output
    assert "problem: en: a caller who presses nothing waits 25.2 s" in result.output
    assert result.output.count("problem:") == 2


@pytest.mark.parametrize(("lang", "key"), [("ru", "hold"), ("ky", "main_menu"), ("en", "goodbye")])
def test_a_removed_prompt_fails_check_naming_language_and_key(
    tmp_path: Path, lang: str, key: str
) -> None:
    config = copy_config(tmp_path)
    edit_language(config, lang, {f"prompts.{key}": None})

    result = run("check", env={"HOTLINE_CONFIG_DIR": str(config)})

    assert result.exit_code == 1
    assert f"problem: {lang}: prompt '{key}' is missing" in result.output
    assert result.output.count("problem:") == 1


def test_check_lists_every_sms_text_and_fails_on_an_unmarked_long_one(tmp_path: Path) -> None:
    shipped = run("check")
    assert shipped.exit_code == 0, shipped.output
    assert "  ru help                   UCS-2   70 chars  1 segment\n" in shipped.output
    assert "  en ask_when               GSM-7  156 chars  1 segment\n" in shipped.output
    assert "  ky nobody_on_call         UCS-2  120 chars  2 segments  longer allowed:" in (
        shipped.output
    )
    config = copy_config(tmp_path)
    path = config / "sms" / "ru.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["replies"]["help"] += " Милиция, скорая помощь"  # 92 characters of UCS-2
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    result = run("check", "--dir", str(config))

    assert result.exit_code == 1
    assert "problem: sms ru/help: 2 segments, not marked as allowed longer" in result.output
    assert result.output.count("problem:") == 1


def test_a_language_with_neither_voice_nor_audio_fails(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    shutil.rmtree(config / "prompts" / "audio" / "uz")
    edit_language(config, "ru", {"voice": None})

    result = run("check", "--dir", str(config))

    assert result.exit_code == 1
    assert "problem: uz: no Twilio voice and no audio files" in result.output
    assert "problem: ru: no Twilio voice and no audio files" in result.output
    # Every caller hears the uz language option before the first ring.
    assert "en: listening time unknown" in result.output


def test_audio_older_than_its_text_fails_check(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    edit_language(config, "ky", {"prompts.goodbye": "Рахмат, саламатта калыңыз."})

    result = run("check", "--dir", str(config))

    assert result.exit_code == 1
    assert "problem: ky/goodbye.wav: older than its text" in result.output


@pytest.mark.parametrize(
    "name",
    [
        "../ky.yaml",
        "../../centres.yaml",
        "..",
        "/etc/passwd",
        "welcome.wav/../../ky.yaml",
        "synthesized.json",
        "missing.wav",
        "WELCOME.WAV",
        "",
    ],
)
def test_audio_path_refuses_anything_but_audio_in_the_folder(name: str) -> None:
    catalog = PromptCatalog.load(CONFIG)

    assert catalog.audio_path("ky", name) is None


def test_audio_path_serves_audio_and_refuses_a_link_out_of_the_folder(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    (config / "prompts" / "audio" / "ky" / "escape.wav").symlink_to(config / "centres.yaml")
    catalog = PromptCatalog.load(config)

    served = catalog.audio_path("ky", "welcome.wav")
    assert served == (config / "prompts" / "audio" / "ky" / "welcome.wav").resolve()
    assert audio_content_type("welcome.wav") == "audio/wav"
    assert catalog.audio_path("ky", "escape.wav") is None
    assert catalog.audio_path("xx", "welcome.wav") is None


@pytest.mark.parametrize("key", PROMPT_KEYS)
def test_ky_and_uz_play_audio_ru_and_en_say_with_their_voice(key: str) -> None:
    catalog = PromptCatalog.load(CONFIG)

    for lang in ("ky", "uz"):
        prompt = catalog.prompt(lang, key)
        assert (prompt.kind, prompt.audio_file, prompt.voice) == ("play", f"{key}.wav", None)
        assert catalog.audio_path(lang, f"{key}.wav") is not None
    for lang, (voice, say_language) in LANGUAGE_VOICES.items():
        prompt = catalog.prompt(lang, key)
        assert (prompt.kind, prompt.audio_file) == ("say", None)
        assert (prompt.voice, prompt.say_language) == (voice, say_language)
        assert prompt.text


def test_language_digits_and_centre_text() -> None:
    catalog = PromptCatalog.load(CONFIG)

    assert catalog.languages == ["ky", "ru", "uz", "en"]
    assert [catalog.language_for_digit(d) for d in "12345"] == ["ky", "ru", "uz", "en", None]
    assert catalog.language("ru").name == "Русский"
    assert catalog.centre_text("ky", "sezim", "+996312512640") == (
        "Сезим кризистик борбору: нөл үч бир эки, беш бир, эки алты, төрт нөл."
    )
    assert catalog.centre_text("en", "akyl-karachach", "+996323426033") == (
        "Akyl-Karachach Crisis Center: zero three two three four, two, six zero, three three."
    )
    assert catalog.centre_prompt("uz", "sezim", "+996312512640").audio_file == "centre-sezim.wav"
    ru = catalog.centre_prompt("ru", "sezim", "+996312512640")
    assert (ru.kind, ru.text) == ("say", catalog.centre_text("ru", "sezim", "+996312512640"))
    with pytest.raises(CatalogError, match="no spoken name for 'nowhere'"):
        catalog.centre_text("ky", "nowhere", "+996312512640")


def test_kyrgyz_and_uzbek_texts_spell_digits_as_words() -> None:
    catalog = PromptCatalog.load(CONFIG)

    for lang in ("ky", "uz"):
        language = catalog.language(lang)
        texts = [*language.prompts.values(), *language.centres.values()]
        assert [text for text in texts if re.search(r"\d", text)] == []
        assert len(language.digits) == 10


def test_a_human_recording_replaces_the_synthesized_prompt(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    before = PromptCatalog.load(config)
    old_seconds = listening_seconds(before, "ru")
    # One second of constant-bitrate MP3: MPEG-1 layer III frames at 32 kbit/s.
    mp3 = b"\xff\xfb\x10\xc4" + bytes(4000 - 4)
    (config / "prompts" / "audio" / "ky" / "welcome.mp3").write_bytes(mp3)
    (config / "prompts" / "audio" / "ru").mkdir()
    write_pcm_wav(config / "prompts" / "audio" / "ru" / "connecting.wav", seconds=2.0)

    catalog = PromptCatalog.load(config)

    ky = catalog.prompt("ky", "welcome")
    assert (ky.kind, ky.audio_file) == ("play", "welcome.mp3")
    ru = catalog.prompt("ru", "connecting")
    assert (ru.kind, ru.audio_file) == ("play", "connecting.wav")
    said = len(before.prompt("ru", "connecting").text) / 14.0
    assert listening_seconds(catalog, "ru") == pytest.approx(old_seconds - said + 2.0)
    assert check_catalog(catalog).ok


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"digits": ["zero", "one"]}, "en.yaml: digits"),
        ({"prompts.welcome": ["not", "text"]}, "en.yaml: prompts: welcome"),
        ({"language": "fr"}, "en.yaml: language 'fr'"),
        ({"colour": "blue"}, "en.yaml: unknown field 'colour'"),
    ],
)
def test_a_malformed_language_file_is_an_error_naming_file_and_key(
    tmp_path: Path, change: dict[str, object], named: str
) -> None:
    config = copy_config(tmp_path)
    edit_language(config, "en", change)

    with pytest.raises(CatalogError, match=re.escape(named)):
        PromptCatalog.load(config)
    result = run("check", "--dir", str(config))
    assert result.exit_code == 2
    assert named in result.output


def test_uzbek_apostrophes_are_normalised(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    edit_language(config, "uz", {"prompts.goodbye": "Qo\u02bbng\u2018iroq uchun rahmat."})

    assert PromptCatalog.load(config).prompt("uz", "goodbye").text == "Qo'ng'iroq uchun rahmat."


def test_synthesize_without_espeak_exits_2_with_the_install_hint(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()

    result = run("synthesize", "--dir", str(copy_config(tmp_path)), env={"PATH": str(empty)})

    assert result.exit_code == 2
    assert "espeak-ng and sox not found" in result.output
    assert "apt-get install espeak-ng sox" in result.output


FAKE_ESPEAK = """#!/bin/sh
# Stands in for espeak-ng: reads the text, writes a fixed WAV to the -w file.
while [ $# -gt 0 ]; do [ "$1" = -w ] && out=$2; shift; done
/bin/cat > /dev/null
/bin/cp "{template}" "$out"
"""
FAKE_SOX = """#!/bin/sh
# Stands in for sox: copies the input (first argument) to the output (the last .wav named).
for arg; do case "$arg" in *.wav) out=$arg;; esac; done
/bin/cp "$1" "$out"
"""


@pytest.fixture
def fake_tools(tmp_path: Path) -> dict[str, str]:
    """PATH with stand-ins for espeak-ng and sox, so synthesis runs without them."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    write_pcm_wav(tmp_path / "template.wav", seconds=0.5)
    for name, script in (("espeak-ng", FAKE_ESPEAK), ("sox", FAKE_SOX)):
        tool = bin_dir / name
        tool.write_text(script.format(template=tmp_path / "template.wav"))
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin"}


def test_synthesize_makes_stale_audio_only_and_keeps_recordings(
    tmp_path: Path, fake_tools: dict[str, str]
) -> None:
    config = copy_config(tmp_path / "config", centres=False)
    audio = config / "prompts" / "audio" / "uz"
    shutil.rmtree(audio)
    args = ("synthesize", "--language", "uz", "--dir", str(config))

    first = run(*args, env=fake_tools)
    assert first.exit_code == 0, first.output
    assert f"{len(PROMPT_KEYS)} audio files made" in first.output
    assert "uz/welcome.wav: made" in first.output
    assert run("check", "--dir", str(config)).exit_code == 0

    again = run(*args, env=fake_tools)
    assert "0 audio files made" in again.output
    assert "uz/welcome.wav: up to date" in again.output

    edit_language(config, "uz", {"prompts.goodbye": "Xayr, o'zingizni asrang."})
    assert "uz/goodbye.wav: older than its text" in run("check", "--dir", str(config)).output
    write_pcm_wav(audio / "hold.wav", seconds=3.0)  # a volunteer's recording
    recording = (audio / "hold.wav").read_bytes()
    changed = run(*args, env=fake_tools)

    assert "uz/goodbye.wav: made" in changed.output
    assert "uz/hold.wav: human recording kept" in changed.output
    assert "1 audio file made" in changed.output
    assert run("check", "--dir", str(config)).exit_code == 0

    forced = run(*args, "--force", env=fake_tools)
    assert f"{len(PROMPT_KEYS) - 1} audio files made" in forced.output
    assert (audio / "hold.wav").read_bytes() == recording


@pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are not installed",
)
def test_synthesize_with_espeak_makes_8khz_mu_law_audio(tmp_path: Path) -> None:
    config = copy_config(tmp_path, centres=False)
    shutil.rmtree(config / "prompts" / "audio" / "uz")

    result = run("synthesize", "--language", "uz", "--dir", str(config))

    assert result.exit_code == 0, result.output
    header = (config / "prompts" / "audio" / "uz" / "welcome.wav").read_bytes()[:36]
    # fmt chunk: format 7 (mu-law), one channel, 8000 samples a second.
    assert header[20:28] == b"\x07\x00\x01\x00\x40\x1f\x00\x00"
    assert run("check", "--dir", str(config)).exit_code == 0
