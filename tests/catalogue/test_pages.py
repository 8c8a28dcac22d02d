"""The register's pages over HTTP: who may open each one, the forms, CSV and the graph."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.catalogue.conftest import Register
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.catalogue.models import AssetRelationship, DataStandard, FieldRule, InformationAsset, SharingAgreement

pytestmark = pytest.mark.django_db

EDITORS = {StaffRole.DATA_STEWARD, StaffRole.INFORMATION_GOVERNANCE_OFFICER, StaffRole.ADMINISTRATOR}
PREFIX = "/staff/information-assets/"


@dataclass(frozen=True)
class Page:
    name: str
    path: Callable[[Register, Any], str]
    method: str = "get"
    editors_only: bool = False


def _agreement(register: Register) -> SharingAgreement:
    agreement = SharingAgreement.objects.create(
        title="NFI",
        partner="Cabinet Office",
        purpose="Fraud",
        direction="outgoing",
        lawful_basis="legal_obligation",
        starts_on="2025-04-01",
    )
    agreement.assets.add(register.council_tax)
    return agreement


PAGES = [
    Page("list", lambda r, a: PREFIX),
    Page("export_csv", lambda r, a: f"{PREFIX}register.csv"),
    Page("publish", lambda r, a: f"{PREFIX}publish/", "post", editors_only=True),
    Page("create", lambda r, a: f"{PREFIX}new/", editors_only=True),
    Page("detail", lambda r, a: f"{PREFIX}{r.council_tax.pk}/"),
    Page("edit", lambda r, a: f"{PREFIX}edit/{r.council_tax.pk}/", editors_only=True),
    Page("history", lambda r, a: f"{PREFIX}history/{r.council_tax.pk}/"),
    Page("review", lambda r, a: f"{PREFIX}review/{r.council_tax.pk}/", editors_only=True),
    Page("reviews_due", lambda r, a: f"{PREFIX}reviews/"),
    Page("graph", lambda r, a: f"{PREFIX}graph/"),
    Page("relationship_add", lambda r, a: f"{PREFIX}relationships/{r.council_tax.pk}/", editors_only=True),
    Page(
        "relationship_remove",
        lambda r, a: f"{PREFIX}relationships/remove/{AssetRelationship.objects.get().pk}/",
        "post",
        editors_only=True,
    ),
    Page("field_rule_add", lambda r, a: f"{PREFIX}rules/{r.council_tax.pk}/", editors_only=True),
    Page(
        "field_rule_remove",
        lambda r, a: f"{PREFIX}rules/remove/{FieldRule.objects.get().pk}/",
        "post",
        editors_only=True,
    ),
    Page("agreements", lambda r, a: f"{PREFIX}sharing/"),
    Page("agreement_create", lambda r, a: f"{PREFIX}sharing/new/", editors_only=True),
    Page("agreement", lambda r, a: f"{PREFIX}sharing/{a.pk}/"),
    Page("agreement_edit", lambda r, a: f"{PREFIX}sharing/edit/{a.pk}/", editors_only=True),
    Page("standards", lambda r, a: f"{PREFIX}standards/"),
    Page("standard_create", lambda r, a: f"{PREFIX}standards/new/", editors_only=True),
    Page("standard", lambda r, a: f"{PREFIX}standards/{r.postcode.pk}/?value=TS1+1AA"),
    Page("standard_edit", lambda r, a: f"{PREFIX}standards/edit/{r.postcode.pk}/", editors_only=True),
]


def test_every_register_url_is_in_this_table() -> None:
    namespace = get_resolver().namespace_dict["information_assets"][1]
    names = {pattern.name for pattern in namespace.url_patterns}
    assert names == {page.name for page in PAGES}


@pytest.mark.parametrize("role", list(StaffRole))
def test_each_staff_role(role: StaffRole, register: Register, role_client: Callable[[StaffRole], Client]) -> None:
    """Every role reads every page; only editors open the editing pages (others get 404, as everywhere in /staff/).

    POSTs are sent empty, or to objects that exist: an editor's removal works (a redirect), and
    each other role's is refused before anything changes.
    """
    client = role_client(role)
    agreement = _agreement(register)
    editor = role in EDITORS
    failures = []
    for page in PAGES:
        path = page.path(register, agreement)
        response = getattr(client, page.method)(path)
        if page.editors_only and not editor:
            expected = {404}
        elif page.method == "post":
            expected = {302}
        else:
            expected = {200}
        if response.status_code not in expected:
            failures.append(f"{page.method.upper()} {path}: {response.status_code}, expected {expected}")
    assert not failures, f"{role}:\n" + "\n".join(failures)
    assert AssetRelationship.objects.exists() is not editor  # editors removed it; nobody else could
    assert FieldRule.objects.exists() is not editor


def test_residents_and_anonymous_visitors_are_refused(register: Register, client: Client, resident: User) -> None:
    agreement = _agreement(register)
    for page in PAGES:
        path = page.path(register, agreement)
        response = getattr(client, page.method)(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/auth/login/"), path
    client.force_login(resident)
    for page in PAGES:
        path = page.path(register, agreement)
        assert getattr(client, page.method)(path).status_code == 404, path
    assert AssetRelationship.objects.exists()


def test_read_only_staff_see_no_editing_controls(
    register: Register, role_client: Callable[[StaffRole], Client]
) -> None:
    html = role_client(StaffRole.CASE_OFFICER).get(f"{PREFIX}{register.council_tax.pk}/").content.decode()
    assert "Change this entry" not in html
    assert "Remove" not in html
    html = role_client(StaffRole.DATA_STEWARD).get(f"{PREFIX}{register.council_tax.pk}/").content.decode()
    assert "Change this entry" in html


ASSET_FORM = {
    "name": "Housing register",
    "kind": "system",
    "purpose": "Applications for social housing.",
    "owner_role": "Head of Housing Needs",
    "holds_personal_data": "on",
    "holds_special_category_data": "on",
    "lawful_basis": "public_task",
    "special_category_condition": "g",
    "legislation": "Housing Act 1996",
    "retention_period_months": "72",
    "retention_trigger": "after the application closes",
    "disposal_action": "destroy",
    "next_review_on": "2027-06-30",
    "location": "Allocations system",
    "format": "Database",
    "classification": "official",
    "published": "on",
}


def test_adding_an_asset_shows_errors_then_saves(
    register: Register, role_client: Callable[[StaffRole], Client]
) -> None:
    client = role_client(StaffRole.DATA_STEWARD)
    response = client.post(
        f"{PREFIX}new/", {**ASSET_FORM, "special_category_condition": "", "next_review_on": "31/02/2027"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Next review must be a real date" in html
    assert not InformationAsset.objects.filter(name="Housing register").exists()

    response = client.post(f"{PREFIX}new/", {**ASSET_FORM, "special_category_condition": ""})
    assert "Choose the Article 9 condition for special category data." in response.content.decode()

    response = client.post(f"{PREFIX}new/", ASSET_FORM)
    asset = InformationAsset.objects.get(name="Housing register")
    assert response.status_code == 302
    assert response["Location"] == f"{PREFIX}{asset.pk}/"
    assert asset.holds_special_category_data
    assert asset.special_category_condition == "g"


def test_editing_an_asset_records_history(register: Register, role_client: Callable[[StaffRole], Client]) -> None:
    client = role_client(StaffRole.INFORMATION_GOVERNANCE_OFFICER)
    asset = register.council_tax
    form = {**ASSET_FORM, "name": asset.name, "holds_special_category_data": "", "special_category_condition": ""}
    response = client.post(f"{PREFIX}edit/{asset.pk}/", form)
    assert response.status_code == 302
    html = client.get(f"{PREFIX}history/{asset.pk}/").content.decode()
    assert "Changed " in html
    assert "Housing Act 1996" in html
    assert "Local Government Finance Act 1992" in html


def test_relationships_agreements_standards_and_rules_through_the_pages(
    register: Register, role_client: Callable[[StaffRole], Client]
) -> None:
    client = role_client(StaffRole.DATA_STEWARD)
    response = client.post(
        f"{PREFIX}relationships/{register.council_tax.pk}/",
        {"kind": "shares_with", "target": str(register.social_care.pk), "description": "Deaths"},
    )
    assert response.status_code == 302
    response = client.post(f"{PREFIX}relationships/{register.council_tax.pk}/", {"kind": "feeds", "target": "999999"})
    assert "Choose an asset from the list" in response.content.decode()

    response = client.post(
        f"{PREFIX}sharing/new/",
        {
            "title": "Benefit data",
            "partner": "DWP",
            "purpose": "Entitlement",
            "direction": "both",
            "lawful_basis": "legal_obligation",
            "starts_on": "2025-04-01",
            "ends_on": "2024-01-01",
            "assets": [str(register.council_tax.pk)],
        },
    )
    assert "The end date must be the same as or after the start date." in response.content.decode()
    assert not SharingAgreement.objects.exists()

    response = client.post(
        f"{PREFIX}standards/new/",
        {"name": "Band", "kind": "choices", "parameter": "A, B", "example": "C"},
    )
    assert "The example does not meet the standard" in response.content.decode()
    response = client.post(f"{PREFIX}standards/new/", {"name": "Band", "kind": "choices", "parameter": "A, B"})
    band = DataStandard.objects.get(name="Band")
    assert response["Location"] == f"{PREFIX}standards/{band.pk}/"
    html = client.get(f"{PREFIX}standards/{band.pk}/", {"value": "E"}).content.decode()
    assert "does not meet this standard: Use one of: A, B." in html

    response = client.post(
        f"{PREFIX}rules/{register.social_care.pk}/", {"field_name": "band", "standard": str(band.pk), "required": "on"}
    )
    assert response.status_code == 302
    response = client.post(
        f"{PREFIX}rules/{register.social_care.pk}/", {"field_name": "2band", "standard": str(band.pk)}
    )
    assert "Field name must start with a letter" in response.content.decode()
    detail = client.get(f"{PREFIX}{register.social_care.pk}/").content.decode()
    assert "Council tax system</a> shares data with Adult social care case records: Deaths" in detail  # seen from both
    assert "<code>band</code>" in detail


def test_list_filters_csv_and_graph(register: Register, role_client: Callable[[StaffRole], Client]) -> None:
    client = role_client(StaffRole.CUSTOMER_SERVICE_ADVISER)
    html = client.get(PREFIX, {"personal": "no"}).content.decode()
    assert "Local Land and Property Gazetteer" in html
    assert "Council tax system" not in html
    html = client.get(PREFIX, {"q": "safeguarding"}).content.decode()
    assert "Safeguarding adults referrals" in html
    assert "Council tax system" not in html
    html = client.get(PREFIX, {"kind": "nonsense"}).content.decode()
    assert "There is a problem" in html

    response = client.get(f"{PREFIX}register.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 4  # staff see every entry, with where it is held
    assert {row["location"] for row in rows} >= {"Revenues server room 2"}

    html = client.get(f"{PREFIX}graph/").content.decode()
    assert 'aria-hidden="true"' in html
    assert "Local Land and Property Gazetteer</a> feeds <a" in html


def test_the_list_takes_a_fixed_number_of_queries(
    register: Register, role_client: Callable[[StaffRole], Client], django_assert_max_num_queries: Any
) -> None:
    client = role_client(StaffRole.CASE_OFFICER)
    client.get(PREFIX)  # warm the session and role caches
    with django_assert_max_num_queries(14):
        assert client.get(PREFIX).status_code == 200


def test_publishing_from_the_page(
    register: Register, role_client: Callable[[StaffRole], Client], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = role_client(StaffRole.DATA_STEWARD)
    response = client.post(f"{PREFIX}publish/", follow=True)
    assert "The register is published as open data" in response.content.decode()
    response = client.post(f"{PREFIX}publish/", follow=True)
    assert "already up to date" in response.content.decode()
