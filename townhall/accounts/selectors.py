"""Reads about people: staff profiles, resident search and details, TOTP codes.

Residents are users with no staff role who are not superusers; staff pages that look
people up only ever see residents, so a member of staff cannot be looked up this way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import and_

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import Representation, SignInEvent, StaffRoleAssignment, User
from townhall.accounts.permissions import AnyUser, can_find_residents, roles_of

RESIDENT_SEARCH_LIMIT = 50
RESIDENT_SEARCH_MIN_LENGTH = 2
_MAX_SEARCH_TERMS = 5
_MASK = "***"


class TOTPNotEnrolledError(LookupError):
    """The person has no authenticator app (TOTP) set up."""


class ResidentNotFoundError(LookupError):
    """No resident has this id (it may not exist, or belong to a member of staff)."""


def totp_code_at(*, secret: str, at: dt.datetime) -> str:
    """The code an authenticator app set up with `secret` shows at `at` (allauth's period and digits)."""
    counter = int(at.timestamp()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def staff_totp_secret(user: User) -> str:
    """The decrypted TOTP secret of `user`'s authenticator app; raises TOTPNotEnrolledError."""
    authenticator = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        raise TOTPNotEnrolledError(f"User {user.pk} has not set up an authenticator app (TOTP).")
    return decrypt(authenticator.data["secret"])


def staff_totp_code(user: User, *, at: dt.datetime | None = None) -> str:
    """The code `user`'s authenticator app shows now (or at `at`): for `townhall demo totp` and tests."""
    return totp_code_at(secret=staff_totp_secret(user), at=at or timezone.now())


@dataclass(frozen=True)
class StaffOverview:
    role_labels: list[str]
    team_names: list[str]


def staff_overview(user: User) -> StaffOverview:
    """The roles (in StaffRole order) and teams of a member of staff, for their home page."""
    held = roles_of(user)
    return StaffOverview(
        role_labels=[str(role.label) for role in StaffRole if role in held],
        team_names=list(user.teams.order_by("name").values_list("name", flat=True)),
    )


def residents() -> QuerySet[User]:
    """Every resident account (active or closed), never staff or superusers."""
    staff_role = StaffRoleAssignment.objects.filter(user_id=OuterRef("pk"))
    return User.objects.filter(is_superuser=False).filter(~Exists(staff_role))


def mask_email(email: str) -> str:
    """`rita.resident@example.org` -> `r***t@example.org`: enough to tell people apart, not to contact them."""
    local, at, domain = email.rpartition("@")
    if not at:
        local, domain = email, ""
    masked = f"{local[:1]}{_MASK}" if len(local) <= 2 else f"{local[0]}{_MASK}{local[-1]}"
    return f"{masked}@{domain}" if at else masked


@dataclass(frozen=True)
class ResidentSummary:
    id: int
    name: str
    masked_email: str


@dataclass(frozen=True)
class ResidentSearchResults:
    residents: list[ResidentSummary]
    # True when more residents matched than are shown: ask the user to refine the search.
    truncated: bool


def _search_filter(query: str) -> Q:
    terms = query.split()[:_MAX_SEARCH_TERMS]
    return reduce(
        and_,
        (Q(given_name__icontains=term) | Q(family_name__icontains=term) | Q(email__icontains=term) for term in terms),
    )


def resident_search(*, acting_user: AnyUser, query: str, limit: int = RESIDENT_SEARCH_LIMIT) -> ResidentSearchResults:
    """Residents whose name or email contains every word of `query` (case-insensitive), best-known first.

    Only a partly masked email leaves this function: the full details are behind
    an audited reason (services.resident_personal_data_view).
    """
    if not can_find_residents(acting_user):
        raise PermissionDenied("Not allowed to search for residents.")
    query = query.strip()
    if len(query) < RESIDENT_SEARCH_MIN_LENGTH:
        raise ValueError(f"Search for at least {RESIDENT_SEARCH_MIN_LENGTH} characters.")
    rows = list(
        residents()
        .filter(_search_filter(query))
        .order_by("family_name", "given_name", "pk")
        .only("pk", "email", "given_name", "family_name")[: limit + 1]
    )
    summaries = [
        ResidentSummary(id=user.pk, name=user.get_full_name() or "(no name given)", masked_email=mask_email(user.email))
        for user in rows[:limit]
    ]
    return ResidentSearchResults(residents=summaries, truncated=len(rows) > limit)


def resident_get(*, resident_id: int) -> User | None:
    return residents().filter(pk=resident_id).first()


def resident_exists(*, resident_id: int) -> bool:
    return residents().filter(pk=resident_id).exists()


@dataclass(frozen=True)
class ResidentPersonalDetails:
    id: int
    name: str
    email: str
    email_verified: bool
    joined: dt.datetime
    deletion_requested_at: dt.datetime | None
    is_active: bool


def resident_personal_details(*, resident_id: int) -> ResidentPersonalDetails | None:
    """A resident's details, or None. Call it through services.resident_personal_data_view, which audits."""
    user = residents().filter(pk=resident_id).first()
    if user is None:
        return None
    verified = EmailAddress.objects.filter(user_id=user.pk, email__iexact=user.email, verified=True).exists()
    return ResidentPersonalDetails(
        id=user.pk,
        name=user.get_full_name(),
        email=user.email,
        email_verified=verified,
        joined=user.date_joined,
        deletion_requested_at=user.deletion_requested_at,
        is_active=user.is_active,
    )


def representations_for(*, user: User) -> tuple[list[Representation], list[Representation]]:
    """(people `user` may act for, people who may act for `user`), live ones only."""
    live = Representation.objects.filter(revoked_at__isnull=True).select_related("representative", "represented")
    return (
        list(live.filter(representative=user, represented__is_active=True)),
        list(live.filter(represented=user)),
    )


def represented_by(*, representative: User, represented_id: int) -> User | None:
    """The account `representative` may act for now, or None (revoked, closed, or never authorised)."""
    found = (
        Representation.objects.select_related("represented")
        .filter(
            representative=representative,
            represented_id=represented_id,
            revoked_at__isnull=True,
            represented__is_active=True,
        )
        .first()
    )
    return found.represented if found is not None else None


def staff_with_role(*, role: StaffRole) -> QuerySet[User]:
    """Active users holding `role` itself (administrators are not counted as holding every role here)."""
    return User.objects.filter(is_active=True, role_assignments__role=role).distinct()


def resident_signups(*, joined_from: dt.datetime, joined_before: dt.datetime) -> QuerySet[User]:
    """Resident accounts opened in [joined_from, joined_before)."""
    return residents().filter(date_joined__gte=joined_from, date_joined__lt=joined_before)


def sign_in_history(*, user: User) -> QuerySet[SignInEvent]:
    """`user`'s own sign-ins and failed attempts, newest first (nobody else's, whoever asks)."""
    return SignInEvent.objects.filter(user=user).order_by("-occurred_at", "-pk")


def account_for_sign_in_email(email: str) -> User | None:
    """The one account someone trying to sign in as `email` was aiming at, or None.

    Matches the account's own address or one of its verified addresses, ignoring case, as
    allauth's sign-in does. An address nobody holds gives None, so nothing is recorded.
    """
    email = email.strip()
    if not email:
        return None
    by_account = list(User.objects.filter(email__iexact=email)[:2])
    if len(by_account) == 1:
        return by_account[0]
    owners = list(
        EmailAddress.objects.filter(email__iexact=email, verified=True).values_list("user_id", flat=True).distinct()[:2]
    )
    if len(owners) != 1:
        return None
    return User.objects.filter(pk=owners[0]).first()


def authenticator_types(*, user: User) -> frozenset[str]:
    """The kinds of authenticator `user` has set up ("totp", "recovery_codes", "webauthn")."""
    return frozenset(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True))
