"""Every write to accounts: residents, staff, roles, teams, authenticators and deletion requests.

Callers (views, commands, the demo generator, later the Citizen Index) go through
these functions so validation, audit and email-address records stay consistent.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from townhall.accounts import selectors
from townhall.accounts.constants import (
    SIGN_IN_HISTORY_DAYS,
    Relationship,
    SecondStep,
    SignInMethod,
    SignInOutcome,
    StaffRole,
)
from townhall.accounts.devices import device_description
from townhall.accounts.mfa_adapter import reencrypt
from townhall.accounts.models import Representation, SignInEvent, StaffRoleAssignment, Team, User
from townhall.accounts.permissions import can_find_residents, can_request_account_deletion, role_choices
from townhall.audit.services import audit_record
from townhall.notify import services as notify

# RFC 4226 asks for at least 128 bits of shared secret; allauth and the demo use 160.
MIN_TOTP_SECRET_BYTES = 16
# Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 - an alphabet
_PASSWORD_GROUPS, _PASSWORD_GROUP_LENGTH = 4, 5  # 20 characters from 55: about 115 bits
_TEAM_NAME_MAX = Team._meta.get_field("name").max_length or 120
_NAME_MAX = User._meta.get_field("given_name").max_length or 150


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
    """Create a member of staff with at least one role. They must enrol MFA before using /staff/.

    The building block for the demo and fixtures; people are taken on through staff_onboard,
    which validates command-line input and writes the audit entry.
    """
    cleaned_roles = role_choices(str(role) for role in roles)
    if not cleaned_roles:
        raise ValueError("A member of staff needs at least one role.")
    user = User.objects.create_user(email=email, password=password, given_name=given_name, family_name=family_name)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    StaffRoleAssignment.objects.bulk_create(StaffRoleAssignment(user=user, role=role) for role in cleaned_roles)
    user.teams.add(*teams)
    return user


class StaffOnboardingError(ValueError):
    """The new member of staff could not be created; the message says what to correct."""


@dataclass(frozen=True)
class NewStaffMember:
    user: User
    team: Team | None
    # Shown once to whoever ran the command; only its hash is stored.
    one_time_password: str


def _one_time_password() -> str:
    groups = (
        "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_GROUP_LENGTH))
        for _ in range(_PASSWORD_GROUPS)
    )
    return "-".join(groups)


def _role_list() -> str:
    return "; ".join(f"{role.value} ({role.label})" for role in StaffRole)


def _onboarding_input(
    *, email: str, roles: Iterable[str], team_name: str, given_name: str, family_name: str
) -> tuple[str, list[str]]:
    """Validate everything before the first write, so errors name the input, not a database constraint."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise StaffOnboardingError(f"{email!r} is not a valid email address.") from None
    cleaned_roles = list(dict.fromkeys(role.strip() for role in roles if role.strip()))
    if not cleaned_roles:
        raise StaffOnboardingError(f"Give at least one role. Roles are: {_role_list()}.")
    unknown = [role for role in cleaned_roles if role not in StaffRole.values]
    if unknown:
        raise StaffOnboardingError(f"Unknown role {unknown[0]!r}. Roles are: {_role_list()}.")
    if len(team_name.strip()) > _TEAM_NAME_MAX:
        raise StaffOnboardingError(f"A team name can be at most {_TEAM_NAME_MAX} characters.")
    if team_name and not slugify(team_name):
        raise StaffOnboardingError(f"{team_name!r} cannot be used as a team name: use letters or digits.")
    if max(len(given_name), len(family_name)) > _NAME_MAX:
        raise StaffOnboardingError(f"Names can be at most {_NAME_MAX} characters.")
    if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
        raise StaffOnboardingError(f"Someone already has an account with the email address {email}.")
    return email, cleaned_roles


@transaction.atomic
def staff_onboard(
    *,
    acting_user: User | None,
    email: str,
    roles: Iterable[str],
    team_name: str = "",
    given_name: str = "",
    family_name: str = "",
) -> NewStaffMember:
    """Take on a member of staff with a one-time password, and audit it.

    All or nothing: any error raises StaffOnboardingError and leaves the database unchanged.
    The person has no authenticator yet, so StaffAreaMiddleware sends them to set one up
    at their first sign-in. `acting_user` is None when run from the command line.
    """
    email, cleaned_roles = _onboarding_input(
        email=email, roles=roles, team_name=team_name, given_name=given_name, family_name=family_name
    )
    team = team_get_or_create(name=team_name) if team_name.strip() else None
    password = _one_time_password()
    user = staff_create(
        email=email,
        password=password,
        roles=cleaned_roles,
        teams=[team] if team else [],
        given_name=given_name.strip(),
        family_name=family_name.strip(),
    )
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:  # pragma: no cover - only if the validators are made stricter
        raise StaffOnboardingError(" ".join(error.messages)) from error
    # Role and team names are council vocabulary, not personal data, so they may go in the reason.
    reason = f"Roles: {', '.join(cleaned_roles)}." + (f" Team: {team.slug}." if team else "")
    audit_record(
        actor=acting_user,
        action="staff.created",
        object_type="accounts.user",
        object_id=str(user.pk),
        reason=reason,
    )
    return NewStaffMember(user=user, team=team, one_time_password=password)


class TOTPEnrolmentError(ValueError):
    """The authenticator could not be set up; the message says why."""


def _normalised_totp_secret(secret: str) -> str:
    cleaned = "".join(secret.split()).upper()
    try:
        raw = base64.b32decode(cleaned, casefold=True)
    except (binascii.Error, ValueError):
        raise TOTPEnrolmentError("A TOTP secret must be base32 (letters A-Z and digits 2-7).") from None
    if len(raw) < MIN_TOTP_SECRET_BYTES:
        raise TOTPEnrolmentError(f"A TOTP secret must hold at least {MIN_TOTP_SECRET_BYTES * 8} bits.")
    return cleaned


@transaction.atomic
def staff_enrol_totp(user: User, *, secret: str | None = None) -> str:
    """Set up an authenticator app (TOTP) for `user`, plus recovery codes, and return the secret.

    For the demo (a deterministic secret) and for support staff re-enrolling someone; people
    normally enrol themselves through allauth's pages. Uses allauth's own activation, so the
    secret is encrypted by MFAAdapter and the codes are exactly the ones allauth accepts.
    """
    # Lock the user row: two enrolments at once would give two TOTP authenticators.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists():
        raise TOTPEnrolmentError("This person already has an authenticator app set up.")
    cleaned = generate_totp_secret() if secret is None else _normalised_totp_secret(secret)
    TOTP.activate(user, cleaned)
    RecoveryCodes.activate(user)
    return cleaned


_ENCRYPTED_DATA_KEYS = ("secret", "seed")


@transaction.atomic
def authenticator_secrets_reencrypt() -> int:
    """Re-encrypt every stored authenticator secret with the current SECRET_KEY; return how many rows changed.

    Run after rotating SECRET_KEY (old key in SECRET_KEY_FALLBACKS); afterwards the old key can go.
    """
    changed = 0
    for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
        data = dict(authenticator.data)
        for key in _ENCRYPTED_DATA_KEYS:
            if isinstance(data.get(key), str):
                data[key] = reencrypt(data[key])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [reencrypt(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])
            changed += 1
    return changed


@transaction.atomic
def resident_personal_data_view(
    *, acting_user: User, resident_id: int, reason: str
) -> selectors.ResidentPersonalDetails:
    """A resident's personal details for a member of staff, recorded in the audit log first.

    The only way the staff area reads these details, so no one sees them without a
    reason and an audit entry (written in the same transaction).
    """
    if not can_find_residents(acting_user):
        raise PermissionDenied("Not allowed to view residents' personal details.")
    reason = reason.strip()
    if not reason:
        raise ValueError("A reason is needed to view a resident's personal details.")
    details = selectors.resident_personal_details(resident_id=resident_id)
    if details is None:
        raise selectors.ResidentNotFoundError(resident_id)
    audit_record(
        actor=acting_user,
        action="resident.personal_data.viewed",
        object_type="accounts.user",
        object_id=str(resident_id),
        reason=reason,
    )
    return details


class AccountDeletionError(ValueError):
    """This account cannot be closed by its holder (staff, or already closed)."""


DELETION_EMAIL_SUBJECT = "We have closed your account"


def _deletion_email_body(*, name: str) -> str:
    greeting = f"Dear {name}," if name else "Hello,"
    branding = settings.TOWNHALL_BRANDING
    return (
        f"{greeting}\n\n"
        "You asked us to delete your account. We have closed it, so you can no longer sign in.\n\n"
        "Our information governance team will now check whether the law says we must keep any of "
        "your information for a while, for example about a service request that is still open. "
        "We will erase your personal data within one month, apart from anything we must keep. "
        "If we need to keep something, we will tell you what and why.\n\n"
        f"If you did not ask for this, email {branding.contact_email} as soon as possible.\n\n"
        f"{branding.council_name}\n"
    )


@transaction.atomic
def user_request_deletion(user: User) -> User:
    """Close a resident's account now and ask information governance to erase their data.

    The account is deactivated (is_active=False) straight away, so no one can sign in
    to it while the statutory retention checks run; every other session it has ends
    too, because Django does not load inactive users. Erasure itself belongs to the
    governance app. The confirmation email is sent after the transaction commits.
    """
    if not can_request_account_deletion(user):
        raise AccountDeletionError("This account cannot be closed here.")
    user.deletion_requested_at = timezone.now()
    user.is_active = False
    user.save(update_fields=["deletion_requested_at", "is_active"])
    audit_record(
        actor=user,
        action="account.deletion_requested",
        object_type="accounts.user",
        object_id=str(user.pk),
    )
    address, body = user.email, _deletion_email_body(name=user.get_full_name())
    transaction.on_commit(lambda: send_mail(DELETION_EMAIL_SUBJECT, body, None, [address]))
    return user


class RepresentationError(ValueError):
    """The authorisation cannot be made (unknown account, oneself, a member of staff, already in place)."""


ACTION_REPRESENTATION_AUTHORISED = "account.representation.authorised"
ACTION_REPRESENTATION_REVOKED = "account.representation.revoked"


@transaction.atomic
def representation_authorise(
    *,
    acting_user: User,
    represented: User,
    representative_email: str,
    relationship: Relationship | str,
    evidence: str = "",
) -> Representation:
    """Let the account holder with `representative_email` act for `represented`.

    `acting_user` is the represented person, or a member of staff who may find residents
    and who must then record the evidence they saw. The representative is told by email
    (and in their account inbox).
    """
    by_staff = acting_user.pk != represented.pk
    if by_staff and not can_find_residents(acting_user):
        raise PermissionDenied("Not allowed to authorise someone to act for a resident.")
    if by_staff and not evidence.strip():
        raise RepresentationError("Enter the evidence you saw, such as the LPA registration reference")
    representative = selectors.residents().filter(email__iexact=representative_email.strip(), is_active=True).first()
    if representative is None:
        raise RepresentationError(
            "There is no account with that email address. Ask them to create an account first, then try again"
        )
    if representative.pk == represented.pk:
        raise RepresentationError("You cannot authorise yourself")
    if Representation.objects.filter(
        representative=representative, represented=represented, revoked_at__isnull=True
    ).exists():
        raise RepresentationError("That person can already act for this account")
    representation = Representation(
        representative=representative,
        represented=represented,
        relationship=Relationship(relationship),
        authorised_by=acting_user,
        evidence=evidence.strip(),
    )
    representation.full_clean()
    representation.save()
    audit_record(
        actor=acting_user,
        action=ACTION_REPRESENTATION_AUTHORISED,
        object_type="accounts.representation",
        object_id=representation.pk,
        reason=f"user {representative.pk} for user {represented.pk}",
    )
    name = represented.get_full_name() or "A resident"
    notify.correspondence_send(
        recipient=representative,
        subject="You can now act for someone in their council account",
        text=(
            f"{name} can now be helped by you in their {settings.TOWNHALL_BRANDING.council_name} account "
            f"({Relationship(relationship).label.lower()}).\n\n"
            "Sign in and go to 'People you help' in your account to act for them. Everything you do "
            "is recorded as done by you on their behalf.\n\n"
            f"If you did not expect this, email {settings.TOWNHALL_BRANDING.contact_email}."
        ),
        idempotency_key=f"representation:{representation.pk}:authorised",
        related_type="accounts.representation",
        related_id=representation.pk,
    )
    return representation


@transaction.atomic
def representation_revoke(*, acting_user: User, representation_id: int) -> Representation | None:
    """End a representation: by the represented person, the representative, or staff. None: not theirs to end."""
    found = Representation.objects.select_for_update().filter(pk=representation_id, revoked_at__isnull=True).first()
    if found is None:
        return None
    if acting_user.pk not in {found.representative_id, found.represented_id} and not can_find_residents(acting_user):
        return None
    found.revoked_at = timezone.now()
    found.revoked_by = acting_user
    found.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=acting_user,
        action=ACTION_REPRESENTATION_REVOKED,
        object_type="accounts.representation",
        object_id=found.pk,
        reason=f"user {found.representative_id} for user {found.represented_id}",
    )
    return found


def _ip_or_none(ip_address: str | None) -> str | None:
    """A valid IP address, or None: what a proxy header claims is not trusted to be one."""
    if not ip_address:
        return None
    try:
        return str(ipaddress.ip_address(ip_address.strip()))
    except ValueError:
        return None


@transaction.atomic
def sign_in_event_record(
    *,
    user: User,
    outcome: SignInOutcome,
    user_agent: str,
    ip_address: str | None,
    method: SignInMethod | None = None,
    second_step: SecondStep | None = None,
    provider: str = "",
    at: dt.datetime | None = None,
) -> SignInEvent:
    """Add one line to `user`'s sign-in history (a sign-in, or a failed attempt at one).

    Only the coarse device description is kept from `user_agent`. The account holder is the
    only person who sees the history, so no audit entry is written.
    """
    event = SignInEvent(
        user=user,
        occurred_at=at or timezone.now(),
        outcome=outcome,
        method=method or "",
        second_step=second_step or "",
        provider=provider[: SignInEvent._meta.get_field("provider").max_length or 100],
        device=device_description(user_agent),
        ip_address=_ip_or_none(ip_address),
    )
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def sign_in_history_sweep(*, now: dt.datetime | None = None) -> int:
    """Delete sign-in history older than SIGN_IN_HISTORY_DAYS; returns how many rows went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=SIGN_IN_HISTORY_DAYS)
    deleted, _ = SignInEvent.objects.filter(occurred_at__lt=cutoff).delete()
    return deleted
