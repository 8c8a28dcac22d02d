"""The open part of the register published through the open data portal, and seen through CKAN and DCAT."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.catalogue.conftest import Register
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.catalogue import services
from townhall.opendata.models import Resource

pytestmark = pytest.mark.django_db
DATASET = "information-asset-register"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _published_rows() -> list[dict[str, str]]:
    resource = Resource.objects.get(dataset__name=DATASET)
    with resource.upload.open("rb") as handle:
        return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8"))))


def test_publishing_puts_the_register_in_the_portal(register: Register, client: Client) -> None:
    dataset = services.register_publish(acting_user=None)
    assert dataset is not None

    response = client.get("/api/3/action/package_show", {"id": DATASET})
    assert response.status_code == 200
    package = response.json()["result"]
    assert package["title"] == "Information asset register"
    assert package["organization"]["name"] == "information-governance"
    assert [r["format"] for r in package["resources"]] == ["CSV"]

    turtle = client.get(f"/dataset/{DATASET}.ttl")
    assert turtle.status_code == 200
    assert "Information asset register" in turtle.content.decode()


def test_only_the_open_part_is_published(register: Register) -> None:
    services.register_publish(acting_user=None)
    rows = {row["name"]: row for row in _published_rows()}

    assert set(rows) == {"Adult social care case records", "Council tax system", "Local Land and Property Gazetteer"}
    assert "Safeguarding adults referrals" not in rows  # OFFICIAL-SENSITIVE
    council_tax = rows["Council tax system"]
    assert council_tax["personal_data"] == "yes"
    assert council_tax["lawful_basis"] == "Legal obligation (6(1)(c))"
    assert council_tax["retention_period_months"] == "72"
    assert "location" not in council_tax
    assert "Revenues server room 2" not in str(rows)  # where it is held is never published
    assert rows["Local Land and Property Gazetteer"]["feeds"] == "Council tax system"


def test_publishing_again_without_changes_changes_nothing(
    register: Register, staff_by_role: dict[StaffRole, User]
) -> None:
    steward = staff_by_role[StaffRole.DATA_STEWARD]
    assert services.register_publish(acting_user=steward) is not None
    assert AuditEntry.objects.filter(action="catalogue.register.published").count() == 1
    assert services.register_publish(acting_user=steward) is None
    assert AuditEntry.objects.filter(action="catalogue.register.published").count() == 1


def test_the_scheduled_command_publishes(register: Register) -> None:
    out = io.StringIO()
    call_command("information_assets", "publish", stdout=out)
    assert out.getvalue().strip() == "Published a new version."
    call_command("information_assets", "publish", stdout=out)
    assert out.getvalue().strip().endswith("Nothing changed.")
