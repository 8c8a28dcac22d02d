"""Who may write council notices: team managers (and administrators, who hold every role)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role

NOTICE_EDITOR_ROLES: tuple[StaffRole, ...] = (StaffRole.TEAM_MANAGER,)


def can_edit_notices(user: User | AnonymousUser | None) -> bool:
    return user is not None and has_role(user, *NOTICE_EDITOR_ROLES)
