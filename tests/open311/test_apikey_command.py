"""`townhall apikey create --name NAME` prints the key as its last line; revoke refuses it; all audited."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from townhall.audit.models import AuditEntry
from townhall.open311 import selectors
from townhall.open311.models import ApiKey


def run(*args: str) -> str:
    out = StringIO()
    call_command("apikey", *args, stdout=out)
    return out.getvalue()


def test_create_prints_the_key_last_and_stores_only_its_hash(db):
    output = run("create", "--name", "FixMyStreet")

    raw_key = output.strip().splitlines()[-1]
    stored = ApiKey.objects.get(name="FixMyStreet")
    assert selectors.api_key_for(raw_key=raw_key) == stored
    assert raw_key != stored.key_hash
    assert AuditEntry.objects.filter(action="open311.api_key.created", object_id=str(stored.pk)).exists()


def test_names_are_unique(db):
    run("create", "--name", "FixMyStreet")
    with pytest.raises(CommandError, match="already exists"):
        run("create", "--name", "FixMyStreet")


def test_revoke_and_list(db):
    run("create", "--name", "FixMyStreet")
    run("revoke", "--name", "FixMyStreet")

    assert ApiKey.objects.get(name="FixMyStreet").is_revoked
    assert AuditEntry.objects.filter(action="open311.api_key.revoked").count() == 1
    assert "revoked" in run("list")
    with pytest.raises(CommandError, match="No API key"):
        run("revoke", "--name", "Nobody")
