"""The console in Kyrgyz, Russian and English: catalogs compiled by the package build, each
user's language kept, Russian plural forms right."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import session_scope
from hotline.models import Call, User
from tests.conftest import PUBLIC_URL
from tests.console_support import SUPERVISOR, Console

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "hotline" / "supervisor" / "translations"


def test_the_login_page_answers_in_the_browsers_language(console: Console) -> None:
    kyrgyz = console.get("/supervisor/login", headers={"Accept-Language": "ky"})
    page = kyrgyz.get_data(as_text=True)
    assert '<html lang="ky">' in page and "<h1>Кирүү</h1>" in page and "Сырсөз" in page
    russian = console.get("/supervisor/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert "<h1>Вход</h1>" in russian.get_data(as_text=True)
    nothing = console.client.get("/supervisor/login", base_url=PUBLIC_URL)
    assert '<html lang="ru">' in nothing.get_data(as_text=True)  # the default: Russian


def test_a_users_language_is_kept_and_switchable_on_every_page(
    app: Flask, console: Console, session: Session
) -> None:
    console.post("/supervisor/language", {"language": "ky", "next": "/supervisor/login"},
                 page="/supervisor/login")  # fmt: skip
    assert "<h1>Кирүү</h1>" in console.get("/supervisor/login").get_data(as_text=True)
    console.log_in(SUPERVISOR)
    page = console.get("/supervisor/calls").get_data(as_text=True)
    assert "<h1>Чалуулар</h1>" in page and 'action="/supervisor/language"' in page
    switched = console.post(
        "/supervisor/language", {"language": "en", "next": "/supervisor/calls?language=ky"},
        page="/supervisor/calls",
    )  # fmt: skip
    assert switched.headers["Location"] == "/supervisor/calls?language=ky"
    user = session.scalars(select(User).where(User.username == SUPERVISOR)).one()
    assert user.language == "en"
    elsewhere = Console(app.test_client(), console.clock)  # another browser, another day
    elsewhere.log_in(SUPERVISOR)
    overview = elsewhere.get("/supervisor/", headers={"Accept-Language": "ky"})
    assert "<h1>Overview</h1>" in overview.get_data(as_text=True)
    away = console.post("/supervisor/language", {"language": "ru", "next": "//evil.example"},
                        page="/supervisor/")  # fmt: skip
    assert away.headers["Location"] == "/supervisor/"


@pytest.mark.parametrize(
    ("count", "words"),
    [(1, "1 запись"), (2, "2 записи"), (5, "5 записей"), (11, "11 записей"), (21, "21 запись"),
     (22, "22 записи")],
)  # fmt: skip
def test_russian_plural_forms(count: int, words: str, app: Flask, console: Console) -> None:
    with session_scope(app) as session:
        for number in range(count):
            session.add(Call(call_sid=f"CA{number:032d}", started_at=console.clock.now()))
    console.log_in(SUPERVISOR)
    page = console.get("/supervisor/calls", headers={"Accept-Language": "ru"})
    assert f'<p class="pager">\n  {words}\n' in page.get_data(as_text=True)


def test_a_throttled_login_says_the_minutes_in_russian(console: Console) -> None:
    console.post("/supervisor/language", {"language": "ru"}, page="/supervisor/login")
    for _ in range(5):
        console.log_in(SUPERVISOR, "wrong password!")
    page = console.log_in(SUPERVISOR).get_data(as_text=True)
    assert "Слишком много попыток. Попробуйте снова через 1 минуту." in page


@pytest.mark.parametrize("language", ["ky", "ru", "en"])
def test_the_compiled_catalogs_are_those_of_the_po_files(language: str) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as po_file:
        written = {_key(m.id): _key(m.string) for m in read_po(po_file) if m.id}
    with (folder / "messages.mo").open("rb") as mo_file:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(mo_file) if m.id}
    if language == "en":  # the source language: untranslated, its ids are shown
        assert set(compiled) <= set(written)
        return
    assert compiled == written
    assert all(written.values()), "every message is translated"


def _key(text: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    return text if isinstance(text, str) else tuple(text)


@pytest.mark.slow
def test_a_fresh_checkout_builds_catalogs_that_the_app_uses(tmp_path: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    checkout = tmp_path / "checkout"
    for name in tracked:
        source = ROOT / name
        if source.is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            (checkout / name).write_bytes(source.read_bytes())
    assert not list(checkout.rglob("*.mo"))  # only the .po files are in the repository
    wheel_command = ["pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(checkout)]
    built = subprocess.run(
        [sys.executable, "-m", *wheel_command], capture_output=True, text=True, timeout=300
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(tmp_path.glob("hotline-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    for language in ("ky", "ru", "en"):
        assert f"hotline/supervisor/translations/{language}/LC_MESSAGES/messages.mo" in names
    shown = subprocess.run(
        [sys.executable, "-c", PAGE_IN_KYRGYZ],
        env={**os.environ, "PYTHONPATH": str(site), "HOTLINE_INSTANCE_PATH": str(tmp_path / "i")},
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert shown.stdout.splitlines() == [str(site / "hotline" / "__init__.py"), "Кирүү"]


PAGE_IN_KYRGYZ = """
import re, hotline
app = hotline.create_app({"HOTLINE_CONFIG_DIR": "%s"})
page = app.test_client().get("/supervisor/login", headers={"Accept-Language": "ky"})
print(hotline.__file__)
print(re.search(r"<h1>(.*?)</h1>", page.get_data(as_text=True)).group(1))
""" % (ROOT / "config")
