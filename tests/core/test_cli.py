"""The `townhall` entry point: Django's manage.py under Townhall's name, with readable configuration errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.environment import REPO, run_townhall, townhall_env

# The console script pip installed next to this interpreter (`make` installs the project editable).
ENTRY_POINT = Path(sys.executable).with_name("townhall")

# The subcommands issue 3 promises, and the app that provides each.
EXPECTED_COMMANDS = {"serve": "core", "migrate": "core", "demo": "demo", "createstaff": "accounts", "audit": "audit"}


def test_the_entry_point_lists_townhall_subcommands(tmp_path: Path) -> None:
    assert ENTRY_POINT.exists(), f"{ENTRY_POINT} is missing: install the project (make .venv/.installed-dev)"

    result = subprocess.run(
        [str(ENTRY_POINT), "--help"], cwd=REPO, env=townhall_env(tmp_path), capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    sections: dict[str, set[str]] = {}
    for line in result.stdout.splitlines():
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], set())
        elif line.startswith("    ") and sections:
            current.add(line.strip())
    for command, app in EXPECTED_COMMANDS.items():
        assert command in sections.get(app, set()), f"`townhall --help` does not list {command} under [{app}]"


def test_serve_help_documents_its_options(tmp_path: Path) -> None:
    result = run_townhall("serve", "--help", env=townhall_env(tmp_path))

    assert result.returncode == 0, result.stderr
    for option in ("--port", "--host", "--no-worker", "--workers", "--reload"):
        assert option in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TOWNHALL_NATION", "wales", "TOWNHALL_NATION must be one of england-and-wales, northern-ireland, scotland"),
        ("TOWNHALL_PORT", "80000", "TOWNHALL_PORT must be between 1 and 65535"),
        ("DATABASE_URL", "mysql://townhall@db/townhall", "DATABASE_URL must be a sqlite:/// or postgres:// URL"),
    ],
)
def test_a_configuration_error_is_one_clear_line_not_a_traceback(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    result = run_townhall("check", env=townhall_env(tmp_path, **{variable: value}))

    assert result.returncode == 1
    assert result.stderr.startswith(f"Configuration error: {message}")
    assert "Traceback" not in result.stderr


def test_the_settings_option_is_honoured_before_settings_load(tmp_path: Path) -> None:
    """`--settings` picks the module the up-front check loads, as manage.py would."""
    # Local settings by default, and no SECRET_KEY.
    result = run_townhall("check", "--settings", "townhall.settings.production", env=townhall_env(tmp_path))

    assert result.returncode == 1
    assert result.stderr.startswith("Configuration error: SECRET_KEY must be set in production")
