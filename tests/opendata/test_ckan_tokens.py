"""API tokens: `townhall apitoken` prints the token last, only its hash is stored, revoked tokens stop working."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.opendata.ckan_fixtures import Catalogue
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.opendata import selectors
from townhall.opendata.models import ApiToken


def run(*args: str) -> str:
    out = StringIO()
    call_command("apitoken", *args, stdout=out)
    return out.getvalue()


def patch_title(client: Client, header: str, token: str) -> int:
    response = client.post(
        "/api/3/action/package_patch",
        json.dumps({"id": "street-trees", "title": "New title"}),
        content_type="application/json",
        **{header: token},
    )
    return response.status_code


def test_create_prints_the_token_last_and_stores_only_its_hash(data_steward: User) -> None:
    raw = run("create", "--user", "STEWARD@council.example", "--name", "harvester").strip().splitlines()[-1]

    stored = ApiToken.objects.get(user=data_steward)
    assert selectors.api_token_user(raw_token=raw) == data_steward
    assert raw not in (stored.token_hash, stored.token_prefix)
    assert raw.startswith(stored.token_prefix)
    assert AuditEntry.objects.filter(action="opendata.api_token.created", object_id=str(stored.pk)).exists()
    assert "harvester" in run("list", "--user", "steward@council.example")


def test_unknown_user(db: None) -> None:
    with pytest.raises(CommandError, match="No account"):
        run("create", "--user", "nobody@example.org")


def test_the_token_works_in_either_header_and_stops_when_revoked(
    client: Client, catalogue: Catalogue, data_steward: User
) -> None:
    raw = run("create", "--user", "steward@council.example").strip().splitlines()[-1]
    assert patch_title(client, "HTTP_AUTHORIZATION", raw) == 200
    assert patch_title(client, "HTTP_X_CKAN_API_KEY", raw) == 200

    run("revoke", "--user", "steward@council.example", "--prefix", raw[:8])
    assert patch_title(client, "HTTP_AUTHORIZATION", raw) == 403
    assert AuditEntry.objects.filter(action="opendata.api_token.revoked").count() == 1


def test_a_closed_account_or_a_lost_role_cannot_write(client: Client, catalogue: Catalogue, data_steward: User) -> None:
    raw = run("create", "--user", "steward@council.example").strip().splitlines()[-1]
    data_steward.role_assignments.all().delete()
    assert patch_title(client, "HTTP_AUTHORIZATION", raw) == 403
    User.objects.filter(pk=data_steward.pk).update(is_active=False)
    assert selectors.api_token_user(raw_token=raw) is None
