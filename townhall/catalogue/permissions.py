"""Who may change the information asset register. Every member of staff may read it (it holds no resident's data)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role

# Data stewards keep the entries; information governance officers answer for lawful basis and
# retention, so they edit too. Administrators hold every role.
REGISTER_EDITOR_ROLES: tuple[StaffRole, ...] = (StaffRole.DATA_STEWARD, StaffRole.INFORMATION_GOVERNANCE_OFFICER)


def can_edit_register(user: User | AnonymousUser | None) -> bool:
    return user is not None and has_role(user, *REGISTER_EDITOR_ROLES)
