"""Who may do what in the open data portal; every check the CKAN API and the pages make is here."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role


def can_manage_datasets(user: User | AnonymousUser | None) -> bool:
    """Data stewards (and administrators, who hold every role) create, change, publish and see unpublished datasets."""
    return user is not None and has_role(user, StaffRole.DATA_STEWARD)


# Staff who may draft datasets and submit them for review; only data stewards approve and publish.
DATASET_DRAFTER_ROLES: tuple[StaffRole, ...] = (StaffRole.TEAM_MANAGER, StaffRole.DATA_STEWARD)


def can_draft_datasets(user: User | AnonymousUser | None) -> bool:
    """Team managers (who own the services the data comes from) and stewards draft and submit for review."""
    return user is not None and has_role(user, *DATASET_DRAFTER_ROLES)


def can_approve_own_submission(user: User | AnonymousUser | None) -> bool:
    """Four eyes: a steward may not approve what they submitted; an administrator may (a one-person team)."""
    return user is not None and has_role(user, StaffRole.ADMINISTRATOR)
