"""Run `townhall` in a subprocess with a configuration the test controls.

The developer's shell and CI set their own DATABASE_URL, DJANGO_SETTINGS_MODULE
and friends; a subprocess test must see none of them, only what it asks for.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOWNHALL = [sys.executable, "-m", "townhall.cli"]

# Every variable Townhall's settings (or gunicorn) read, besides TOWNHALL_*.
CONFIG_VARIABLES = frozenset(
    {
        "ALLOWED_HOSTS",
        "CACHE_URL",
        "CSRF_TRUSTED_ORIGINS",
        "DATABASE_URL",
        "DEBUG",
        "DEFAULT_FROM_EMAIL",
        "DJANGO_SETTINGS_MODULE",
        # The browser tests set this in-process for Playwright; `check --deploy` rightly refuses it.
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "EMAIL_URL",
        "FORWARDED_ALLOW_IPS",
        "GUNICORN_CMD_ARGS",
        "LOG_LEVEL",
        "NOTIFY_API_KEY",
        "NOTIFY_EMAIL_BACKEND",
        "OIDC_PROVIDERS",
        "SECRET_KEY",
        "SECURE_HSTS_PRELOAD",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
    }
)


def townhall_env(var_dir: Path, *, settings: str = "townhall.settings.local", **overrides: str) -> dict[str, str]:
    """The current environment minus Townhall's configuration, with a private var/ and SQLite database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in CONFIG_VARIABLES and not key.startswith("TOWNHALL_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        TOWNHALL_VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'townhall.sqlite3'}",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def run_townhall(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run one `townhall` command to completion and capture its output."""
    return subprocess.run([*TOWNHALL, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
