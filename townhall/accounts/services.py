"""Every write to accounts: residents, staff, roles and teams.

Callers (views, commands, the demo generator, later the Citizen Index) go through
these functions so validation, audit and email-address records stay consistent.
"""

from __future__ import annotations

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils.text import slugify

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import StaffRoleAssignment, Team, User
from townhall.accounts.permissions import role_choices


@transaction.atomic
def user_create_resident(
    *,
    email: str,
    password: str | None,
    given_name: str = "",
    family_name: str = "",
    email_verified: bool = False,
) -> User:
    """Create a resident account. `password=None` leaves an unusable password (code sign-in only)."""
    user = User.objects.create_user(email=email, password=password, given_name=given_name, family_name=family_name)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user


@transaction.atomic
def team_get_or_create(*, name: str) -> Team:
    name = name.strip()
    if not name:
        raise ValueError("A team needs a name.")
    team, _ = Team.objects.get_or_create(slug=slugify(name)[:120], defaults={"name": name})
    return team


@transaction.atomic
def staff_create(
    *,
    email: str,
    password: str | None,
    roles: Iterable[StaffRole | str],
    teams: Iterable[Team] = (),
    given_name: str = "",
    family_name: str = "",
) -> User:
    """Create a member of staff with at least one role. They must enrol MFA before using /staff/."""
    cleaned_roles = role_choices(str(role) for role in roles)
    if not cleaned_roles:
        raise ValueError("A member of staff needs at least one role.")
    user = User.objects.create_user(email=email, password=password, given_name=given_name, family_name=family_name)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    StaffRoleAssignment.objects.bulk_create(StaffRoleAssignment(user=user, role=role) for role in cleaned_roles)
    user.teams.add(*teams)
    return user
