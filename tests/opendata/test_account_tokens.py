"""/account/api-tokens/: a data steward makes, sees once, and revokes their own CKAN API tokens."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.conftest import TEST_PASSWORD
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.opendata.models import ApiToken

pytestmark = pytest.mark.django_db

PAGE = "/account/api-tokens/"


@pytest.fixture
def steward() -> User:
    return account_services.staff_create(
        email="steward@example.gov.uk", password=TEST_PASSWORD, roles=[StaffRole.DATA_STEWARD]
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _create_status(client: Client, token: str) -> int:
    """Whoever holds the token may create a dataset; 403 once it is revoked (anonymous, as in CKAN)."""
    response = client.post(
        "/api/3/action/package_create",
        json.dumps({"name": f"t-{token[:6].lower()}", "title": "T"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=token,
    )
    return response.status_code


def test_a_steward_creates_a_token_sees_it_once_and_can_use_it(steward: User) -> None:
    client = _client(steward)
    response = client.post(PAGE, {"name": "Harvester"})

    html = response.content.decode()
    shown = re.search(r'<code id="new-token">([^<]+)</code>', html)
    assert shown, "the new token is shown on the page that answers the form"
    token = shown.group(1)
    stored = ApiToken.objects.get(user=steward)
    assert stored.name == "Harvester"
    assert token not in stored.token_hash
    assert token not in client.get(PAGE).content.decode(), "never shown again"
    assert stored.token_prefix in client.get(PAGE).content.decode()
    assert _create_status(Client(), token) != 403


def test_revoking_stops_the_token(steward: User) -> None:
    client = _client(steward)
    token = re.search(
        r'<code id="new-token">([^<]+)</code>', client.post(PAGE, {"name": "Old script"}).content.decode()
    )
    assert token
    stored = ApiToken.objects.get(user=steward)

    response = client.post(f"{PAGE}{stored.pk}/revoke/")

    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    assert _create_status(Client(), token.group(1)) == 403


def test_a_name_is_required(steward: User) -> None:
    response = _client(steward).post(PAGE, {"name": ""})

    assert "Say what the token is for" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_residents_and_other_staff_get_not_found(steward: User, resident: User) -> None:
    adviser = account_services.staff_create(
        email="adviser@example.gov.uk", password=TEST_PASSWORD, roles=[StaffRole.CUSTOMER_SERVICE_ADVISER]
    )
    for person in (resident, adviser):
        assert _client(person).get(PAGE).status_code == 404
        assert _client(person).post(PAGE, {"name": "x"}).status_code == 404
    assert not ApiToken.objects.exists()


def test_someone_elses_token_cannot_be_revoked(steward: User) -> None:
    other = account_services.staff_create(
        email="other@example.gov.uk", password=TEST_PASSWORD, roles=[StaffRole.DATA_STEWARD]
    )
    _client(other).post(PAGE, {"name": "Theirs"})
    theirs = ApiToken.objects.get(user=other)

    assert _client(steward).post(f"{PAGE}{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
