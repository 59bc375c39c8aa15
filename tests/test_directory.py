"""The crisis-centre directory file, its checker and `hotline centres`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cli.centres import centres
from hotline.directory import (
    CentreEntry,
    CentrePhone,
    Directory,
    DirectoryError,
    check_directory,
    load_directory,
)
from hotline.models import Centre

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
SHIPPED = CONFIG_DIR / "centres.yaml"
# The 2023 report says 18 centres but lists 15 distinct ones (some entries repeated).
SHIPPED_CENTRES = 15
CHOLPON_ATA_AS_PRINTED = """      - source: "(03934) 4-41-37"
        e164: null
"""
CHOLPON_ATA_CONFIRM = (
    "        confirm: not a valid number as printed; 03943 is Cholpon-Ata's code\n"
)
CHOLPON_ATA_FIXED = '      - {source: "(03943) 4-41-37", e164: "+996394344137"}\n'


def test_shipped_directory_loads() -> None:
    directory = load_directory(SHIPPED)
    assert len(directory.centres) == SHIPPED_CENTRES
    assert len({centre.slug for centre in directory.centres}) == SHIPPED_CENTRES
    ayalzat = directory.get("ayalzat-municipal")
    assert ayalzat is not None and not ayalzat.publish and ayalzat.phones == ()
    himaya = directory.get("himaya")
    assert himaya is not None
    assert [phone.sms for phone in himaya.phones] == [True, False]
    assert {entry.number for entry in directory.national_numbers} == {
        "101",
        "102",
        "103",
        "111",
        "112",
        "117",
    }


def test_published_centres_have_numbers_and_filter_by_oblast() -> None:
    directory = load_directory(SHIPPED)
    published = {centre.slug for centre in directory.published()}
    assert "ayalzat-municipal" not in published
    assert "altynai" not in published  # its only number is invalid as printed
    in_osh = [centre.slug for centre in directory.published("osh-city")]
    assert in_osh == ["ak-jurok", "aruulan", "meerban"]


def test_check_lists_the_cholpon_ata_number_to_confirm_and_passes() -> None:
    result = CliRunner().invoke(centres, ["check", "--file", str(SHIPPED)])
    assert result.exit_code == 0
    assert result.stdout == (
        "to confirm: altynai: phone 1: '(03934) 4-41-37' (not a valid number as printed; "
        "03943 is Cholpon-Ata's code)\n"
        f"{SHIPPED_CENTRES} centres, 0 problems, 1 number to confirm\n"
    )


def test_an_invalid_number_not_marked_to_confirm_is_a_problem(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    unmarked = tmp_path / "centres.yaml"
    unmarked.write_text(text.replace(CHOLPON_ATA_CONFIRM, ""), encoding="utf-8")
    result = CliRunner().invoke(centres, ["check", "--file", str(unmarked)])
    assert result.exit_code == 1
    assert result.stdout == (
        "altynai: phone 1: '(03934) 4-41-37' is not a valid phone number\n"
        f"{SHIPPED_CENTRES} centres, 1 problem\n"
    )


def test_check_reads_hotline_config_dir_by_default() -> None:
    result = CliRunner(env={"HOTLINE_CONFIG_DIR": str(CONFIG_DIR)}).invoke(centres, ["check"])
    assert result.exit_code == 0
    assert "altynai" in result.stdout


def test_a_fixed_directory_passes(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert CHOLPON_ATA_AS_PRINTED in text
    fixed = tmp_path / "centres.yaml"
    fixed.write_text(
        text.replace(CHOLPON_ATA_AS_PRINTED + CHOLPON_ATA_CONFIRM, CHOLPON_ATA_FIXED),
        encoding="utf-8",
    )
    result = CliRunner().invoke(centres, ["check", "--file", str(fixed)])
    assert result.exit_code == 0
    assert result.stdout == f"{SHIPPED_CENTRES} centres, 0 problems\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # libyaml's words (hotline.yaml_files), and where: the line after the open list
        ("centres: [\n", "not valid YAML: did not find expected node content (line 2, column 1)"),
        ("- just a list\n", "must be a mapping of fields"),
        ("centres: {}\n", "field 'centres': must be a list"),
        (
            "centres:\n  - {slug: x, publish: true, languages: [ky], services: [], phones: []}\n",
            "centre 1 (x): field 'name': is missing",
        ),
        (
            "centres:\n  - {slug: x, name: X, publish: 'yes', languages: [], services: [], "
            "phones: []}\n",
            "centre 1 (x): field 'publish': must be true or false",
        ),
        (
            "centres:\n  - {slug: x, name: X, publish: true, languages: [], services: [], "
            "phones: [{e164: '+996312512640'}]}\n",
            "phone 1: field 'source': is missing",
        ),
        ("centres:\n  - {slug: x, name: X, publsh: true}\n", "unknown field 'publsh'"),
    ],
)
def test_a_malformed_file_exits_2_naming_the_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    broken = tmp_path / "centres.yaml"
    broken.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(centres, ["check", "--file", str(broken)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {broken}: ")
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(centres, ["check", "--file", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_load_directory_raises_directory_error(tmp_path: Path) -> None:
    broken = tmp_path / "centres.yaml"
    broken.write_text("centres:\n  - 42\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="centre 1: must be a mapping of fields"):
        load_directory(broken)


def _centre(**changes: Any) -> CentreEntry:
    base = CentreEntry(
        slug="sezim",
        name="Sezim",
        oblast="bishkek",
        city="Bishkek",
        publish=True,
        languages=("ky", "ru"),
        services=("helpline",),
        phones=(CentrePhone("(0312) 51-26-40", "+996312512640"),),
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("centre", "problem"),
    [
        (
            _centre(oblast="osh-city"),
            "sezim: phone 1: +996312512640 is a bishkek number but the centre is in osh-city",
        ),
        (_centre(oblast="chui"), "sezim: unknown oblast 'chui'"),
        (_centre(languages=("ky", "kz")), "sezim: unknown language 'kz'"),
        (_centre(services=("hotline",)), "sezim: unknown service 'hotline'"),
        (_centre(phones=()), "sezim: published but has no phone"),
        (
            _centre(slug="Sezim Centre"),
            "Sezim Centre: slug must be lowercase letters, digits and hyphens",
        ),
        (
            _centre(phones=(CentrePhone("(0312) 51-26-40", None),)),
            "sezim: phone 1: e164 missing: '(0312) 51-26-40' reads as +996312512640",
        ),
        (
            _centre(phones=(CentrePhone("(0312) 51-26-40", "+996312512641"),)),
            "sezim: phone 1: '(0312) 51-26-40' reads as +996312512640, not +996312512641",
        ),
        (
            _centre(phones=(CentrePhone("0312 51-26-40", "0312512640"),)),
            "sezim: phone 1: e164 '0312512640' is not in E.164 form (+996312512640)",
        ),
    ],
)
def test_check_directory_finds_each_problem(centre: CentreEntry, problem: str) -> None:
    assert [str(found) for found in check_directory(Directory(centres=(centre,)))] == [problem]


def test_check_allows_mobiles_anywhere_and_abbreviated_sources() -> None:
    centre = _centre(
        phones=(
            CentrePhone("+996 551 733 390", "+996551733390", sms=True),
            CentrePhone("51-26-41", "+996312512641"),
        )
    )
    assert check_directory(Directory(centres=(centre,))) == []


def test_check_reports_duplicate_slugs() -> None:
    directory = Directory(centres=(_centre(), _centre(name="Sezim again")))
    assert [str(found) for found in check_directory(directory)] == ["sezim: slug used by 2 centres"]


def test_list_shows_every_centre_and_whether_it_is_published() -> None:
    result = CliRunner().invoke(centres, ["list", "--file", str(SHIPPED)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == SHIPPED_CENTRES
    ayalzat = next(line for line in lines if line.startswith("ayalzat-municipal "))
    assert ayalzat.split()[1:3] == ["-", "hidden"]
    sezim = next(line for line in lines if line.startswith("sezim "))
    assert sezim.split()[1:3] == ["bishkek", "publish"]


def test_sync_refuses_what_check_rejects_naming_file_and_line_and_writes_nothing(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    broken = tmp_path / "centres.yaml"
    broken.write_text(
        text.replace("oblast: osh-city", "oblast: osh-town", 1).replace(
            "slug: aruulan", "slug: ak-jurok"
        ),
        encoding="utf-8",
    )
    lines = broken.read_text(encoding="utf-8").splitlines()
    town = next(n for n, line in enumerate(lines, 1) if "osh-town" in line)
    result = runner.invoke(args=["centres", "sync", "--file", str(broken)])
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert f"error: {broken}:{town - 2}: ak-jurok: unknown oblast 'osh-town'" in errors
    assert any(": ak-jurok: slug used by 2 centres" in line for line in errors)
    assert errors[-1] == f"error: {broken}: nothing loaded (2 problems)"
    assert session.scalars(select(Centre)).all() == []
    loaded = runner.invoke(args=["centres", "sync"])
    assert (loaded.exit_code, loaded.output) == (0, f"{SHIPPED_CENTRES} centres added, 0 updated\n")
