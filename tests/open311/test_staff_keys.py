"""/staff/open311/: administrators list, create (shown once), change and revoke API keys; every change audited.

The command line (`townhall apikey create --name NAME`) keeps working: tests/open311/test_apikey_command.py.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied

from tests.service_requests.conftest import staff_client  # noqa: F401 - fixture
from townhall.accounts.constants import StaffRole
from townhall.audit.models import AuditEntry
from townhall.open311 import selectors as open311_selectors
from townhall.open311 import services as open311_services
from townhall.open311.models import ApiKey, api_key_digest

URL = "/staff/open311/"


@pytest.fixture
def admin(staff_client):  # noqa: F811
    return staff_client(StaffRole.ADMINISTRATOR)


def html(response) -> str:
    text = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in text
    return text


def test_the_list_shows_keys_without_secrets(admin, db):
    key, raw_key = open311_services.api_key_create(acting_user=None, name="FixMyStreet", rate_limit_per_minute=90)
    open311_services.api_key_revoke(
        acting_user=None, api_key=open311_services.api_key_create(acting_user=None, name="Old")[0]
    )
    open311_services.api_key_use_record(api_key=key, what="POST requests: DB-2026-000001.")

    page = html(admin.get(URL))

    assert "FixMyStreet" in page
    assert key.key_prefix in page
    assert raw_key not in page
    assert key.key_hash not in page
    assert "Revoked" in page
    assert "Active" in page
    assert ">90<" in page
    assert "Not recorded" in page  # the revoked key was never used


def test_create_shows_the_key_once_and_audits(admin, db):
    response = admin.post(
        f"{URL}new/", {"name": "Contractor", "contact_email": "Ops@Contractor.example", "rate_limit_per_minute": "30"}
    )

    assert response.status_code == 200
    page = html(response)
    shown = re.search(r'<code class="townhall-secret" id="api-key">([^<]+)</code>', page)
    assert shown
    key = ApiKey.objects.get(name="Contractor")
    assert key.key_hash == api_key_digest(shown.group(1))
    assert (key.contact_email, key.rate_limit_per_minute) == ("ops@contractor.example", 30)
    assert AuditEntry.objects.filter(action=open311_services.ACTION_API_KEY_CREATED, object_id=str(key.pk)).exists()
    assert shown.group(1) not in html(admin.get(URL))
    assert shown.group(1) not in html(admin.get(f"{URL}{key.pk}/"))


def test_create_errors_are_shown_in_a_summary(admin, db):
    open311_services.api_key_create(acting_user=None, name="FixMyStreet")
    response = admin.post(f"{URL}new/", {"name": "FixMyStreet", "rate_limit_per_minute": "0", "contact_email": "x"})

    page = html(response)
    assert "govuk-error-summary" in page
    assert "The limit must be at least 1" in page
    assert "Enter an email address in the correct format" in page
    response = admin.post(f"{URL}new/", {"name": "FixMyStreet", "rate_limit_per_minute": "10"})
    assert "An API key with this name already exists" in html(response)
    assert ApiKey.objects.count() == 1


def test_change_the_rate_limit_and_contact(admin, db):
    key, _ = open311_services.api_key_create(acting_user=None, name="FixMyStreet")

    response = admin.post(f"{URL}{key.pk}/", {"rate_limit_per_minute": "600", "contact_email": "fms@example.org"})

    assert response.status_code == 302
    key.refresh_from_db()
    assert (key.rate_limit_per_minute, key.contact_email) == (600, "fms@example.org")
    entry = AuditEntry.objects.get(action=open311_services.ACTION_API_KEY_UPDATED)
    assert entry.reason == "Changed: rate_limit_per_minute, contact_email."
    assert "govuk-error-summary" in html(admin.post(f"{URL}{key.pk}/", {"rate_limit_per_minute": ""}))


def test_revoke_asks_first_then_refuses_the_key(admin, client, db):
    key, raw_key = open311_services.api_key_create(acting_user=None, name="FixMyStreet")

    assert "Are you sure you want to revoke this API key?" in html(admin.get(f"{URL}revoke/{key.pk}/"))
    key.refresh_from_db()
    assert key.revoked_at is None
    assert admin.post(f"{URL}revoke/{key.pk}/").status_code == 302

    key.refresh_from_db()
    assert key.is_revoked
    assert AuditEntry.objects.filter(action=open311_services.ACTION_API_KEY_REVOKED, object_id=str(key.pk)).exists()
    refused = client.post("/open311/v2/requests.json", {"api_key": raw_key, "service_code": "pothole"})
    assert refused.status_code == 403


def test_unknown_keys_are_404(admin, db):
    assert admin.get(f"{URL}999/").status_code == 404
    assert admin.post(f"{URL}revoke/999/").status_code == 404


@pytest.mark.parametrize("role", [role for role in StaffRole if role != StaffRole.ADMINISTRATOR])
def test_only_administrators(role, staff_client, db):  # noqa: F811
    key, _ = open311_services.api_key_create(acting_user=None, name="FixMyStreet")
    client = staff_client(role)
    for path in (URL, f"{URL}new/", f"{URL}{key.pk}/", f"{URL}revoke/{key.pk}/"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"{URL}revoke/{key.pk}/").status_code == 404
    assert client.post(f"{URL}new/", {"name": "Sneaky", "rate_limit_per_minute": "5"}).status_code == 404
    assert not open311_selectors.api_key_get(api_key_id=key.pk).is_revoked
    assert not ApiKey.objects.filter(name="Sneaky").exists()


def test_residents_and_anonymous_never_reach_it(client, resident, db):
    assert client.get(URL).status_code == 302  # to sign in
    client.force_login(resident)
    assert client.get(URL).status_code == 404


def test_services_refuse_non_administrators(staff_by_role, db):
    officer = staff_by_role[StaffRole.CASE_OFFICER]
    with pytest.raises(PermissionDenied):
        open311_services.api_key_create(acting_user=officer, name="Sneaky")
    key, _ = open311_services.api_key_create(acting_user=None, name="FixMyStreet")
    with pytest.raises(PermissionDenied):
        open311_services.api_key_revoke(acting_user=officer, api_key=key)
    with pytest.raises(PermissionDenied):
        open311_services.api_key_update(acting_user=officer, api_key=key, rate_limit_per_minute=1, contact_email="")
