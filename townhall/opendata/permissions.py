"""Who may do what in the open data portal; every check the CKAN API and the pages make is here."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role


def can_manage_datasets(user: User | AnonymousUser | None) -> bool:
    """Data stewards (and administrators, who hold every role) create, change, publish and see unpublished datasets."""
    return user is not None and has_role(user, StaffRole.DATA_STEWARD)
