"""`hotline prompts`: check the IVR prompt catalog, synthesize audio for ky and uz."""

from __future__ import annotations

import os
from pathlib import Path

import click

from hotline.ivr.prompts import CatalogError, PromptCatalog, check_catalog
from hotline.ivr.prompts.synthesis import INSTALL_HINT, SynthesisError, missing_tools
from hotline.ivr.prompts.synthesis import synthesize_language as _synthesize_language
from hotline.settings import config_dir

EXIT_PROBLEMS = 1
EXIT_UNUSABLE = 2

_dir_option = click.option(
    "--dir",
    "config_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Config directory holding prompts/ and centres.yaml (default: HOTLINE_CONFIG_DIR).",
)


def default_config_dir() -> Path:
    """HOTLINE_CONFIG_DIR from the environment, else the settings default."""
    return config_dir(os.environ)


def _load(config_dir: Path | None) -> PromptCatalog:
    try:
        return PromptCatalog.load(config_dir or default_config_dir())
    except CatalogError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_UNUSABLE) from None


@click.group()
def prompts() -> None:
    """The IVR's recorded and spoken prompts in every language."""


@prompts.command("check")
@_dir_option
def check_command(config_dir: Path | None) -> None:
    """Report missing or unplayable prompts and the listening time before the first ring."""
    catalog = _load(config_dir)
    report = check_catalog(catalog)
    for code in catalog.languages:
        if code in report.listening:
            click.echo(
                f"{code}: {report.listening[code]:.1f} s of prompts before the first ring "
                f"(2 keys); {report.silent[code]:.1f} s pressing nothing"
            )
        else:
            click.echo(f"{code}: listening time unknown: a prompt before the first ring is missing")
    problems = [*report.problems, *_sms_problems(config_dir or default_config_dir())]
    for problem in problems:
        click.echo(f"problem: {problem}")
    count = len(problems)
    click.echo(f"{len(catalog.languages)} languages, {count} problem{'' if count == 1 else 's'}")
    if problems:
        raise SystemExit(EXIT_PROBLEMS)


def _sms_problems(config_dir: Path) -> list[str]:
    """List every SMS text with its encoding and segments; the long ones without leave."""
    from hotline.sms.replies import RepliesError, check_replies

    try:
        counts = check_replies(config_dir)
    except RepliesError as exc:
        return [f"sms: {exc}"]
    click.echo("SMS texts (values filled at their longest):")
    for count in counts:
        allowed = f"  longer allowed: {count.longer}" if count.longer else ""
        click.echo(
            f"  {count.language} {count.key:<23}{count.encoding}  {count.characters:>3} chars"
            f"  {count.segments} segment{'' if count.segments == 1 else 's'}{allowed}"
        )
    return [
        f"sms {c.language}/{c.key}: {c.segments} segments, not marked as allowed longer"
        for c in counts
        if c.problem
    ]


@prompts.command("synthesize")
@click.option("--language", "languages", multiple=True, help="Only this language (repeatable).")
@click.option("--force", is_flag=True, help="Remake synthesized audio even when up to date.")
@_dir_option
def synthesize_command(languages: tuple[str, ...], force: bool, config_dir: Path | None) -> None:
    """Make 8 kHz telephone audio with espeak-ng for languages without a Twilio voice.

    Human recordings (<key>.wav or <key>.mp3 not made by this command) are never replaced.
    """
    missing = missing_tools()
    if missing:
        click.echo(f"error: {' and '.join(missing)} not found; {INSTALL_HINT}", err=True)
        raise SystemExit(EXIT_UNUSABLE)
    catalog = _load(config_dir)
    chosen = list(languages) or [c for c in catalog.languages if catalog.language(c).synthesized]
    made = 0
    try:
        for code in chosen:
            language = catalog.language(code)
            if not language.synthesized:
                why = f"Twilio voice {language.voice}" if language.voice else "no espeak_voice"
                click.echo(f"{code}: {why}; nothing to synthesize")
                continue
            made += _synthesize_language(catalog, code, force, click.echo)
    except (CatalogError, SynthesisError) as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_PROBLEMS) from None
    click.echo(f"{made} audio file{'' if made == 1 else 's'} made")
