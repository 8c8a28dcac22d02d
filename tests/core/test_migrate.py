"""`townhall migrate` also creates the database cache table that allauth's rate limits need."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.db import connection

from tests.core.environment import run_townhall, townhall_env

CACHE_TABLE = "townhall_test_rate_limits"
DATABASE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE},
}


@pytest.fixture
def database_cache(settings, db) -> str:
    """The test settings use an in-memory cache; these tests need production's kind, on a fresh table."""
    settings.CACHES = DATABASE_CACHE
    assert CACHE_TABLE not in connection.introspection.table_names()
    return CACHE_TABLE


def migrate(*args: str, **options: object) -> str:
    out = StringIO()
    call_command("migrate", *args, stdout=out, interactive=False, **options)
    return out.getvalue()


def test_townhall_core_provides_the_migrate_command() -> None:
    assert get_commands()["migrate"] == "townhall.core"


def test_migrate_creates_the_missing_cache_table(database_cache: str) -> None:
    output = migrate()

    assert database_cache in connection.introspection.table_names()
    assert f"Creating cache table {database_cache}... OK" in output


def test_migrate_is_idempotent_and_says_nothing_about_an_existing_cache_table(database_cache: str) -> None:
    migrate()

    second = migrate()

    assert database_cache in connection.introspection.table_names()
    assert "cache table" not in second.lower()
    assert "No migrations to apply." in second


def test_migrate_respects_quiet(database_cache: str) -> None:
    assert migrate(verbosity=0) == ""
    assert database_cache in connection.introspection.table_names()
    assert migrate(verbosity=0) == ""


@pytest.mark.parametrize("option", ["plan", "check_unapplied"])
def test_read_only_migrate_runs_create_nothing(database_cache: str, option: str) -> None:
    migrate(**{option: True})

    assert database_cache not in connection.introspection.table_names()


@pytest.mark.django_db
def test_migrate_with_a_non_database_cache_creates_no_table() -> None:
    """The test settings' in-memory cache: nothing to create, nothing printed about caches."""
    before = set(connection.introspection.table_names())

    output = migrate()

    assert set(connection.introspection.table_names()) == before
    assert "cache" not in output.lower()


def test_townhall_migrate_on_a_fresh_install_creates_the_default_cache_table(tmp_path: Path) -> None:
    """What `make run` does: the default CACHE_URL (dbcache://townhall_cache) on a new SQLite file, twice."""
    env = townhall_env(tmp_path)

    first = run_townhall("migrate", "--noinput", env=env, timeout=300)
    second = run_townhall("migrate", "--noinput", env=env, timeout=300)

    assert first.returncode == 0, first.stderr
    assert "Creating cache table townhall_cache... OK" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "cache table" not in second.stdout.lower()
    with closing(sqlite3.connect(tmp_path / "townhall.sqlite3")) as database:
        tables = {name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "townhall_cache" in tables
