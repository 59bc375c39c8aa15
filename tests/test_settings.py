"""Settings: development makes its secrets once; production refuses to start without them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hotline import create_app
from hotline.settings import PRODUCTION_REQUIRED, ConfigError

PRODUCTION_ENV = {
    "HOTLINE_ENV": "production",
    "HOTLINE_SECRET_KEY": "s" * 32,
    "HOTLINE_PSEUDONYM_KEY": "p" * 32,
    "HOTLINE_ENCRYPTION_KEY": "m0Zs8DdeT9gUw2nPj1kJX1c7mSNzKqjM5x0h3yIhxb8=",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "t" * 32,
    "HOTLINE_PUBLIC_URL": "https://hotline.example.org",
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


@pytest.mark.parametrize("missing", PRODUCTION_REQUIRED)
def test_production_refuses_to_start_naming_the_missing_variable(
    missing: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_hotline(["db", "upgrade"], env, tmp_path)
    assert result.returncode == 1
    assert f"HOTLINE_ENV=production needs these environment variables set: {missing}" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "i" / "secrets.json").exists()  # nothing generated in production


def test_bad_encryption_key_is_explained(tmp_path: Path) -> None:
    env = {**PRODUCTION_ENV, "HOTLINE_ENCRYPTION_KEY": "not-a-key"}
    result = run_hotline(["db", "upgrade"], env, tmp_path)
    assert result.returncode == 1
    assert "HOTLINE_ENCRYPTION_KEY must be Fernet keys" in result.stderr


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


def test_create_app_in_production_raises_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOTLINE_ENV", "production")
    for name in PRODUCTION_REQUIRED:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="HOTLINE_SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})
