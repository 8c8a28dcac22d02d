"""Shared fixtures: one user per role (money-to-prisoners style), so every URL can be tried by every role."""

from __future__ import annotations

import pytest

from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User

TEST_PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture
def resident(db) -> User:
    return account_services.user_create_resident(
        email="resident@example.org",
        password=TEST_PASSWORD,
        given_name="Rita",
        family_name="Resident",
        email_verified=True,
    )


@pytest.fixture
def other_resident(db) -> User:
    return account_services.user_create_resident(
        email="neighbour@example.org",
        password=TEST_PASSWORD,
        given_name="Nasir",
        family_name="Neighbour",
        email_verified=True,
    )


@pytest.fixture
def staff_by_role(db) -> dict[StaffRole, User]:
    """One member of staff per role, without MFA enrolled."""
    return {
        role: account_services.staff_create(email=f"{role.value}@council.example", password=TEST_PASSWORD, roles=[role])
        for role in StaffRole
    }
