"""Settings: development makes its secrets once; production refuses to start without them."""

from __future__ import annotations

import gc
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import hotline
from hotline import create_app
from hotline.cli import create_app_for_cli
from hotline.settings import DEFAULTS, PRODUCTION_REQUIRED, ConfigError, load_settings

PRODUCTION_ENV = {
    "HOTLINE_ENV": "production",
    "HOTLINE_SECRET_KEY": "s" * 32,
    "HOTLINE_PSEUDONYM_KEY": "p" * 32,
    "HOTLINE_ENCRYPTION_KEY": "m0Zs8DdeT9gUw2nPj1kJX1c7mSNzKqjM5x0h3yIhxb8=",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "t" * 32,
    "HOTLINE_PUBLIC_URL": "https://hotline.example.org",
    "DATABASE_URL": "postgresql://hotline@db.example.org/hotline",
    "REDIS_URL": "redis://redis.example.org:6379/0",
}


def run_hotline(
    args: list[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """The real console script in a clean environment."""
    base = {"PATH": os.environ["PATH"], "HOME": str(cwd), "HOTLINE_INSTANCE_PATH": str(cwd / "i")}
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_through_the_real_console_script(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "HOTLINE_SECRET_KEY"}
    result = run_hotline(["db", "upgrade"], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "Error: HOTLINE_ENV=production needs these environment variables set: HOTLINE_SECRET_KEY\n"
    )
    assert not (tmp_path / "i").exists()  # nothing generated in production


@pytest.mark.parametrize("missing", PRODUCTION_REQUIRED)
def test_production_names_each_missing_variable(missing: str, tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    with pytest.raises(ConfigError) as refused:
        load_settings(env, tmp_path)
    assert str(refused.value) == (
        f"HOTLINE_ENV=production needs these environment variables set: {missing}"
    )
    assert not (tmp_path / "secrets.json").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HOTLINE_ENCRYPTION_KEY", "not-a-key", "HOTLINE_ENCRYPTION_KEY must be Fernet keys"),
        ("HOTLINE_ENV", "prod", "HOTLINE_ENV must be development or production, not 'prod'"),
        ("HOTLINE_TIMEZONE", "Bishkek", "HOTLINE_TIMEZONE must be a time zone like Asia/Bishkek"),
        ("HOTLINE_DEFAULT_REGION", "XX", "HOTLINE_DEFAULT_REGION must be a country code like KG"),
        ("HOTLINE_WRAP_UP_SECONDS", "two", "HOTLINE_WRAP_UP_SECONDS must be a number"),
        ("HOTLINE_RETENTION_DAYS", "29", "HOTLINE_RETENTION_DAYS must be 30 to 3650"),
        ("HOTLINE_RETENTION_DAYS", "3651", "HOTLINE_RETENTION_DAYS must be 30 to 3650"),
        ("HOTLINE_DAILY_AT", "7", "HOTLINE_DAILY_AT must be a time of day like 07:00, not '7'"),
        ("HOTLINE_DAILY_AT", "25:00", "HOTLINE_DAILY_AT must be a time of day like 07:00"),
        ("HOTLINE_DB_POOL_SIZE", "0", "HOTLINE_DB_POOL_SIZE must be 1 to 200"),
    ],
)
def test_a_malformed_setting_is_explained(
    name: str, value: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({**PRODUCTION_ENV, name: value}, tmp_path)


def test_every_setting_in_the_readme_is_read_and_every_setting_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    documented = set(re.findall(r"`((?:HOTLINE|TWILIO|DATABASE|REDIS)_[A-Z_]+)`", readme))
    known = {*DEFAULTS, *PRODUCTION_REQUIRED, "HOTLINE_ENV", "HOTLINE_INSTANCE_PATH"}
    assert documented - known == set()  # nothing documented that no code reads
    assert known - documented == set()  # nothing read that the README does not explain
    source = "\n".join(
        path.read_text()
        for path in Path(hotline.__file__).parent.rglob("*.py")
        if path.name != "settings.py"
    )
    unused = {name for name in DEFAULTS if f'"{name}"' not in source}
    assert unused == set()  # each setting is used somewhere beyond its default


def test_development_generates_secrets_once_and_keeps_them(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    config = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    first = create_app(dict(config))
    second = create_app(dict(config))
    stored = json.loads((tmp_path / "secrets.json").read_text())
    for name in (
        "HOTLINE_SECRET_KEY",
        "HOTLINE_PSEUDONYM_KEY",
        "HOTLINE_ENCRYPTION_KEY",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_ACCOUNT_SID",
    ):
        assert first.config[name] == second.config[name] == stored[name]
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
    assert first.config["HOTLINE_ENV"] == "development"


def test_a_command_builds_its_app_unwatched_by_the_garbage_collector_then_freezes_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, redis_url: str
) -> None:
    for name, value in (
        ("HOTLINE_INSTANCE_PATH", str(tmp_path)),
        ("DATABASE_URL", database_url),
        ("REDIS_URL", redis_url),
    ):
        monkeypatch.setenv(name, value)
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(count)
    try:
        frozen = gc.get_freeze_count()
        create_app_for_cli()
        assert collections == []  # not one collection while it was built
        assert gc.isenabled() and gc.get_freeze_count() > frozen + 10_000
        gc.collect()
        assert 2 in collections  # and the collector runs again
    finally:
        gc.callbacks.remove(count)
        gc.unfreeze()
        gc.enable()


def test_create_app_in_production_raises_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOTLINE_ENV", "production")
    for name in PRODUCTION_REQUIRED:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="HOTLINE_SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_a_command_that_fails_says_so_in_one_line(tmp_path: Path) -> None:
    result = run_hotline(["line", "list"], {"HOTLINE_CONFIG_DIR": str(tmp_path / "none")}, tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr
        == f"Error: CatalogError: {tmp_path / 'none' / 'prompts'}: no prompt catalog folder\n"
    )
