"""Who runs consultations: team managers (and administrators, who hold every role). Others get 404."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role

CONSULTATION_MANAGER_ROLES: tuple[StaffRole, ...] = (StaffRole.TEAM_MANAGER,)


def can_manage_consultations(user: User | AnonymousUser | None) -> bool:
    return user is not None and has_role(user, *CONSULTATION_MANAGER_ROLES)
