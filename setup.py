"""Builds the console's message catalogs (.po -> .mo) whenever the package is built or installed.

Everything else about the package is in pyproject.toml; this file only adds that step.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path(__file__).resolve().parent / "hotline" / "supervisor" / "translations"


def compile_catalogs() -> list[Path]:
    """Compile every translations/<lang>/LC_MESSAGES/messages.po next to itself."""
    compiled = []
    for po_path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        compiled.append(mo_path)
    return compiled


class BuildWithCatalogs(build_py):
    """build_py that compiles the catalogs first (wheels, sdists and editable installs alike)."""

    def run(self) -> None:
        compile_catalogs()
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
