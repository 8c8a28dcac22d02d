"""The steward's upload pages: a refused file shows its report (and the report downloads as CSV) with nothing
stored; a good file becomes the next version; the schema form validates; only data stewards get in."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import TEST_PASSWORD
from tests.opendata.ckan_fixtures import Catalogue
from tests.service_requests.conftest import sign_in_with_mfa
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.opendata.models import Resource, ResourceVersion

pytestmark = pytest.mark.django_db

GOOD = b"id,name,amount\n1,Alice,10\n2,Bob,20\n"
BAD = b"id,name,amount\n1,Alice,10\n2,Bob,lots\n=cmd,Eve,5\n"


def _files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def test_a_bad_file_shows_the_report_stores_nothing_and_the_report_downloads(
    steward_client: Client, resource: Resource, settings: Any
) -> None:
    before = (ResourceVersion.objects.count(), _files(Path(settings.MEDIA_ROOT)))
    response = steward_client.post(
        f"/staff/open-data/uploads/resource/{resource.pk}/",
        {"file": SimpleUploadedFile("spend-may.csv", BAD), "change_note": "May"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "The file was not accepted: 2 problems in 2 rows." in html
    assert '<td class="govuk-table__cell">3</td>' in html
    assert "“lots” is not a whole number" in html
    assert (ResourceVersion.objects.count(), _files(Path(settings.MEDIA_ROOT))) == before

    token = response.context["report_token"]
    report = steward_client.get(f"/staff/open-data/uploads/report/{token}/")
    assert report["Content-Type"].startswith("text/csv")
    assert 'filename="spend-may-problems.csv"' in report["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(report.content.decode())))
    assert rows[0] == ["row", "field", "value", "problem"]
    assert ["3", "amount", "lots", "“lots” is not a whole number"] in rows
    assert ["4", "id", "'=cmd", "“=cmd” is not a whole number"] in rows
    assert (
        steward_client.get("/staff/open-data/uploads/report/00000000-0000-0000-0000-000000000009/").status_code == 404
    )


def test_a_good_file_becomes_the_next_version(steward_client: Client, resource: Resource) -> None:
    response = steward_client.post(
        f"/staff/open-data/uploads/resource/{resource.pk}/",
        {"file": SimpleUploadedFile("spend-may.csv", GOOD + b"3,Cara,30\n"), "change_note": "May"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/staff/open-data/uploads/resource/{resource.pk}/version/2/"
    html = response.content.decode()
    assert "Version 2 of Spend" in html
    assert "Rows: 1 added, 0 removed" in html
    assert "Waiting to load" in html
    resource.refresh_from_db()
    assert resource.current_version.number == 2
    assert resource.current_version.change_note == "May"


def test_a_new_file_in_a_dataset(steward_client: Client, catalogue: Catalogue) -> None:
    url = f"/staff/open-data/uploads/dataset/new/{catalogue.spend.pk}/"
    missing = steward_client.post(url, {"name": ""})
    assert "Enter a name for the file" in missing.content.decode()
    assert "Choose a file to upload" in missing.content.decode()
    refused = steward_client.post(url, {"name": "Broken", "file": SimpleUploadedFile("b.csv", b"a,b\n1\n")})
    assert "fewer values" in refused.content.decode()
    assert not Resource.objects.filter(name="Broken").exists()
    steward_client.post(url, {"name": "Payments", "file": SimpleUploadedFile("p.csv", GOOD)})
    assert Resource.objects.get(name="Payments").current_version.number == 1


def test_the_schema_form(steward_client: Client, resource: Resource) -> None:
    url = f"/staff/open-data/uploads/resource/schema/{resource.pk}/"
    page = steward_client.get(url).content.decode()
    assert "Column <code>amount</code>" in page

    form = {
        "f0_type": "integer",
        "f1_type": "string",
        "f2_type": "integer",
        "f0_title": "Identifier",
        "f0_unique": "on",
        "f2_minimum": "abc",
        "f1_pattern": "(",
        "primary_key": ["id"],
    }
    invalid = steward_client.post(url, form).content.decode()
    assert "amount: the minimum must be a whole number" in invalid
    assert "name: the pattern is not a valid expression" in invalid
    misfit = steward_client.post(url, {**form, "f2_minimum": "15", "f1_pattern": ""}).content.decode()
    assert "The current file does not fit this schema" in misfit
    assert "“10” is below the minimum (15)" in misfit
    resource.refresh_from_db()
    assert "primaryKey" not in resource.table_schema

    saved = steward_client.post(url, {**form, "f2_minimum": "0", "f1_pattern": "[A-Z].*"})
    assert saved.status_code == 302
    resource.refresh_from_db()
    assert resource.table_schema["primaryKey"] == ["id"]
    assert resource.table_schema["fields"][0] == {
        "name": "id",
        "type": "integer",
        "title": "Identifier",
        "constraints": {"unique": True},
    }
    assert resource.table_schema["fields"][2]["constraints"] == {"minimum": 0}
    assert resource.table_schema["fields"][1]["constraints"] == {"pattern": "[A-Z].*"}


def test_index_and_version_pages(steward_client: Client, resource: Resource) -> None:
    index = steward_client.get("/staff/open-data/uploads/").content.decode()
    assert f"/staff/open-data/uploads/resource/{resource.pk}/" in index
    assert "Version 1" in index
    assert steward_client.get(f"/staff/open-data/uploads/resource/{resource.pk}/version/9/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/staff/open-data/uploads/",
        "/staff/open-data/uploads/resource/{resource}/",
        "/staff/open-data/uploads/resource/{resource}/version/1/",
        "/staff/open-data/uploads/resource/schema/{resource}/",
        "/staff/open-data/uploads/dataset/new/{dataset}/",
        "/staff/open-data/uploads/report/00000000-0000-0000-0000-000000000003/",
    ],
)
def test_only_data_stewards_get_in(client: Client, resource: Resource, path: str) -> None:
    url = path.format(resource=resource.pk, dataset=resource.dataset_id)
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "/auth/login/" in anonymous["Location"]

    resident = account_services.user_create_resident(email="r@example.org", password=TEST_PASSWORD, email_verified=True)
    client.force_login(resident)
    assert client.get(url).status_code == 404
    client.logout()

    officer = account_services.staff_create(
        email="officer@council.example", password=TEST_PASSWORD, roles=[StaffRole.CASE_OFFICER]
    )
    sign_in_with_mfa(client, officer)
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code in (404, 405)
