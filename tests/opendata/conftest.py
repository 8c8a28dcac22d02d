"""Fixtures for the open data tests: the catalogue, a data steward with an API token, ckanapi clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ckanapi
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.opendata.ckan_fixtures import Catalogue, make_catalogue, steward
from tests.service_requests.conftest import sign_in_with_mfa
from townhall.accounts import services as account_services
from townhall.accounts.models import User
from townhall.opendata import services
from townhall.opendata.models import Resource
from townhall.opendata.services import ResourceFields

UPLOADED_CSV = b"id,name,amount\n1,Alice,10\n2,Bob,20\n"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    """Uploaded files go to the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    return make_catalogue()


@pytest.fixture
def data_steward(db: None) -> User:
    return steward()


@pytest.fixture
def steward_token(data_steward: User) -> str:
    _, raw = services.api_token_create(acting_user=None, user=data_steward, name="tests")
    return raw


@pytest.fixture
def resident_token(db: None) -> str:
    resident = account_services.user_create_resident(
        email="curious@example.org", password="correct-horse-battery-staple-42", email_verified=True
    )
    _, raw = services.api_token_create(acting_user=None, user=resident)
    return raw


@pytest.fixture
def ckan(live_server: Any) -> Iterator[ckanapi.RemoteCKAN]:
    """The real client, anonymous."""
    with ckanapi.RemoteCKAN(live_server.url) as client:
        yield client


@pytest.fixture
def ckan_steward(live_server: Any, steward_token: str) -> Iterator[ckanapi.RemoteCKAN]:
    """The real client with a data steward's token."""
    with ckanapi.RemoteCKAN(live_server.url, apikey=steward_token) as client:
        yield client


@pytest.fixture
def resource(catalogue: Catalogue, data_steward: User) -> Resource:
    """A CSV file of the public toilets dataset, version 1 (`UPLOADED_CSV`), uploaded by the data steward."""
    return services.resource_create(
        acting_user=data_steward,
        dataset=catalogue.toilets,
        fields=ResourceFields(name="Spend", upload=SimpleUploadedFile("spend.csv", UPLOADED_CSV)),
    )


@pytest.fixture
def steward_client(client: Client, data_steward: User) -> Client:
    """The test client, signed in as the data steward with MFA (as every /staff/ page needs)."""
    return sign_in_with_mfa(client, data_steward)
