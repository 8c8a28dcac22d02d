"""Fixtures for accounts tests: staff with an authenticator app, signed in through the real MFA flow."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import TEST_PASSWORD
from townhall.accounts import selectors, services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User

# A fixed base32 secret (160 bits), so failures are reproducible.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """allauth keeps used TOTP codes and rate-limit counters in the cache; start every test without them."""
    cache.clear()


@pytest.fixture
def make_staff(db) -> Callable[..., User]:
    """`make_staff(role, ...)`: a member of staff with a password and, unless mfa=False, an authenticator app."""

    def make(
        *roles: StaffRole, email: str = "", mfa: bool = True, teams: tuple[str, ...] = (), given_name: str = "Sam"
    ) -> User:
        roles = roles or (StaffRole.CASE_OFFICER,)
        user = services.staff_create(
            email=email or f"{'.'.join(role.value for role in roles)}@council.example",
            password=TEST_PASSWORD,
            roles=roles,
            teams=[services.team_get_or_create(name=name) for name in teams],
            given_name=given_name,
            family_name="Staff",
        )
        if mfa:
            services.staff_enrol_totp(user, secret=TEST_TOTP_SECRET)
        return user

    return make


def sign_in_with_mfa(client: Client, user: User, password: str = TEST_PASSWORD) -> None:
    """Sign in as a person would: email and password, then the authenticator app's current code."""
    response = client.post("/auth/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert urlsplit(response["Location"]).path == "/auth/2fa/authenticate/", response["Location"]
    response = client.post("/auth/2fa/authenticate/", {"code": selectors.staff_totp_code(user)})
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def staff_client(client: Client, make_staff: Callable[..., User]) -> Callable[..., tuple[Client, User]]:
    """`staff_client(role, ...)`: a test client signed in, with MFA, as a new member of staff with `role`."""

    def signed_in(*roles: StaffRole, **kwargs: object) -> tuple[Client, User]:
        user = make_staff(*roles, **kwargs)
        sign_in_with_mfa(client, user)
        return client, user

    return signed_in
