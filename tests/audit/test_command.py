"""`townhall audit verify`: exit 0 with a count on a clean chain, exit 1 naming the entry after tampering."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.audit.conftest import execute_sql, record_entries

TOWNHALL = Path(sys.executable).parent / "townhall"


@pytest.mark.django_db
def test_verify_reports_a_valid_chain() -> None:
    record_entries(3)
    out, err = StringIO(), StringIO()

    call_command("audit", "verify", stdout=out, stderr=err)

    assert out.getvalue().strip() == "Audit chain valid: 3 entries checked."
    assert err.getvalue() == ""


@pytest.mark.django_db
def test_verify_exits_1_naming_the_edited_entry() -> None:
    entries = record_entries(3)
    execute_sql("UPDATE {entries} SET reason = %s WHERE id = %s", ["Nothing to see here", entries[1].pk])
    out, err = StringIO(), StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", stdout=out, stderr=err)

    assert exit_info.value.code == 1
    assert err.getvalue().startswith(f"Audit chain broken at entry id {entries[1].pk}: ")
    assert out.getvalue() == ""


def _townhall(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TOWNHALL), *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_installed_command_fails_on_a_tampered_sqlite_database(tmp_path: Path) -> None:
    """The real CLI with its default (local) settings, against a database of its own."""
    database = tmp_path / "townhall.sqlite3"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env |= {"DATABASE_URL": f"sqlite:///{database}", "TOWNHALL_VAR_DIR": str(tmp_path)}
    migrated = _townhall("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    recorded = _townhall(
        "shell",
        "-c",
        "from townhall.audit.services import audit_record\n"
        "for n in range(3): audit_record(actor=None, action='test.entry.recorded', object_type='test', object_id=n)",
        env=env,
    )
    assert recorded.returncode == 0, recorded.stderr
    with sqlite3.connect(database) as db:
        (tampered_id,) = db.execute("SELECT id FROM audit_auditentry WHERE sequence = 2").fetchone()
        db.execute("UPDATE audit_auditentry SET object_id = 'forged' WHERE id = ?", (tampered_id,))
    db.close()

    verified = _townhall("audit", "verify", env=env)

    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert f"Audit chain broken at entry id {tampered_id}: " in verified.stderr
