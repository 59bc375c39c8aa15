"""A typo in a config file can't take the line down: the Procfile's release step stops the
deploy (naming the file and line) before anything changes, and a running app never reads the
directory file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from hotline.simulator import HANGUP
from tests.conftest import LINE, AppMaker, Hotline, verbs

ROOT = Path(__file__).resolve().parent.parent


def release_command() -> str:
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("release:"))
    return line.split(":", 1)[1].strip()


def copied_config(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    return config


def run_release(config: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "HOTLINE_INSTANCE_PATH": str(tmp_path / "instance"),
        "HOTLINE_CONFIG_DIR": str(config),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'release.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # the release step never needs Redis
    }
    return subprocess.run(
        ["sh", "-c", release_command()], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_release_step_checks_migrates_and_loads_the_directory(tmp_path: Path) -> None:
    result = run_release(copied_config(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "15 centres added, 0 updated"


def test_a_broken_prompts_file_stops_the_release_before_the_database_is_touched(
    tmp_path: Path,
) -> None:
    config = copied_config(tmp_path)
    ky = config / "prompts" / "ky.yaml"
    lines = ky.read_text(encoding="utf-8").splitlines()
    broken_at = next(n for n, line in enumerate(lines) if line.startswith("prompts:")) + 2
    lines.insert(broken_at, "  welcome: [unclosed")
    ky.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_release(config, tmp_path)
    assert result.returncode != 0
    assert str(ky) in result.stderr and "line" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "release.sqlite3").exists()  # nothing migrated, nothing loaded


def test_a_broken_directory_stops_the_release_but_never_a_running_app(
    make_app: AppMaker, tmp_path: Path
) -> None:
    config = copied_config(tmp_path)
    (config / "centres.yaml").write_text("centres: [\n", encoding="utf-8")
    result = run_release(config, tmp_path)
    assert result.returncode != 0 and "centres.yaml: not valid YAML" in result.stderr
    app, emulator = make_app(HOTLINE_CONFIG_DIR=str(config))  # the app starts all the same
    Hotline(app, emulator).line()
    record = emulator.call("+996700123456", LINE, keys=[HANGUP])
    assert verbs(record.requests[0].body) == ["Gather"]  # and answers: the language menu
