"""The directory file (config/centres.yaml) read into dataclasses; errors name the line. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from hotline import yaml_files

DIRECTORY_FILE = "centres.yaml"
LANGUAGES = ("ky", "ru", "uz", "en")
SERVICES = (
    "helpline",
    "counselling",
    "psychological",
    "legal",
    "medical",
    "shelter",
    "outreach",  # counselling at the woman's home
    "material-aid",
    "employment",
    "children",
    "information",
    "perpetrator-programme",
)
_TOP_FIELDS = {"centres", "national_numbers"}
_CENTRE_FIELDS = {
    "slug",
    "name",
    "oblast",
    "city",
    "publish",
    "languages",
    "services",
    "phones",
    "note",
}
_PHONE_FIELDS = {"source", "e164", "sms", "confirm"}
_NATIONAL_FIELDS = {"number", "name", "note"}


class DirectoryError(Exception):
    """The directory file cannot be read or is malformed; the message names file and entry."""


@dataclass(frozen=True)
class CentrePhone:
    """A centre's public number: as printed in the source, and in E.164 when valid."""

    source: str
    e164: str | None
    sms: bool = False
    # Why the number must be confirmed with the centre first; until then it is never given out.
    confirm: str = ""
    line: int = field(default=0, compare=False)  # where it stands in the file


@dataclass(frozen=True)
class CentreEntry:
    """A crisis centre as the directory file lists it (the table's row is models.Centre)."""

    slug: str
    name: str
    oblast: str | None
    city: str | None
    publish: bool
    languages: tuple[str, ...]
    services: tuple[str, ...]
    phones: tuple[CentrePhone, ...]
    note: str = ""
    line: int = field(default=0, compare=False)  # where it starts in the file

    @property
    def numbers(self) -> tuple[str, ...]:
        """The centre's E.164 numbers that may be given out (normalised, not awaiting a check)."""
        return tuple(phone.e164 for phone in self.phones if phone.e164 and not phone.confirm)


@dataclass(frozen=True)
class NationalNumber:
    """A short national number (police, ambulance, helplines): information only."""

    number: str
    name: str
    note: str = ""


@dataclass(frozen=True)
class Directory:
    """All centres and national numbers from one directory file."""

    centres: tuple[CentreEntry, ...]
    national_numbers: tuple[NationalNumber, ...] = ()

    def get(self, slug: str) -> CentreEntry | None:
        """The centre with this slug, if any."""
        return next((centre for centre in self.centres if centre.slug == slug), None)

    def published(self, oblast: str | None = None) -> tuple[CentreEntry, ...]:
        """Centres that may be given to callers and have a number, optionally in one oblast."""
        return tuple(
            centre
            for centre in self.centres
            if centre.publish and centre.numbers and (oblast is None or centre.oblast == oblast)
        )


_LINE = "__line__"


class _LineLoader(yaml_files.SafeLoader):
    """The safe loader, noting on every mapping the line it starts on (for problems)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[_LINE] = node.start_mark.line + 1
        return mapping


class _Fields:
    """Typed access to one mapping from the YAML file; errors name file, entry and field."""

    def __init__(self, data: object, where: str, allowed: set[str]) -> None:
        self.where = where
        if not isinstance(data, Mapping):
            raise DirectoryError(f"{where}: must be a mapping of fields")
        self.line = int(data.get(_LINE, 0))
        self.data: Mapping[str, Any] = {k: v for k, v in data.items() if k != _LINE}
        unknown = sorted(str(name) for name in self.data if name not in allowed)
        if unknown:
            raise DirectoryError(f"{where}: unknown field '{unknown[0]}'")

    def fail(self, name: str, message: str) -> NoReturn:
        raise DirectoryError(f"{self.where}: field '{name}': {message}")

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if value is None:
            self.fail(name, "is missing")
        if not isinstance(value, str) or not value.strip():
            self.fail(name, "must be non-empty text")
        return value.strip()

    def optional_text(self, name: str) -> str | None:
        return self.text(name) if self.data.get(name) is not None else None

    def flag(self, name: str, default: bool | None = None) -> bool:
        value = self.data.get(name, default)
        if value is None:
            self.fail(name, "is missing")
        if not isinstance(value, bool):
            self.fail(name, "must be true or false")
        return value

    def items(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if value is None:
            self.fail(name, "is missing")
        if not isinstance(value, list):
            self.fail(name, "must be a list")
        return value

    def words(self, name: str) -> tuple[str, ...]:
        values = self.items(name)
        if not all(isinstance(value, str) for value in values):
            self.fail(name, "must be a list of words")
        return tuple(values)


def load_directory(path: str | Path) -> Directory:
    """Read a directory file; malformed content raises DirectoryError, never a traceback."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except OSError as exc:
        raise DirectoryError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DirectoryError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise DirectoryError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from None
    top = _Fields(raw, str(path), _TOP_FIELDS)
    centres = tuple(
        _centre(entry, f"{path}: centre {index}")
        for index, entry in enumerate(top.items("centres"), start=1)
    )
    national = tuple(
        _national_number(entry, f"{path}: national number {index}")
        for index, entry in enumerate(
            top.items("national_numbers") if "national_numbers" in top.data else [], start=1
        )
    )
    return Directory(centres=centres, national_numbers=national)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(exc)


def _centre(entry: object, where: str) -> CentreEntry:
    if isinstance(entry, Mapping) and isinstance(entry.get("slug"), str):
        where = f"{where} ({entry['slug']})"
    fields = _Fields(entry, where, _CENTRE_FIELDS)
    return CentreEntry(
        slug=fields.text("slug"),
        name=fields.text("name"),
        oblast=fields.optional_text("oblast"),
        city=fields.optional_text("city"),
        publish=fields.flag("publish"),
        languages=fields.words("languages"),
        services=fields.words("services"),
        phones=tuple(
            _phone(phone, f"{where}: phone {index}")
            for index, phone in enumerate(fields.items("phones"), start=1)
        ),
        note=fields.optional_text("note") or "",
        line=fields.line,
    )


def _phone(entry: object, where: str) -> CentrePhone:
    fields = _Fields(entry, where, _PHONE_FIELDS)
    return CentrePhone(
        source=fields.text("source"),
        e164=fields.optional_text("e164"),
        sms=fields.flag("sms", default=False),
        confirm=fields.optional_text("confirm") or "",
        line=fields.line,
    )


def _national_number(entry: object, where: str) -> NationalNumber:
    fields = _Fields(entry, where, _NATIONAL_FIELDS)
    return NationalNumber(
        number=fields.text("number"),
        name=fields.text("name"),
        note=fields.optional_text("note") or "",
    )
