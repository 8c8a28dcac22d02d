"""Personal data accounts holds about a resident: the account itself, email addresses, sign-in methods.

Registered by AccountsConfig.ready(); see townhall/core/personal_data.py. The account
is anonymised last (erase_order 100): other sources find what they hold through its
email address first.
"""

from __future__ import annotations

from typing import ClassVar

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from townhall.accounts.models import Representation, SignInEvent, User
from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction, ErasureItem, Tables

ERASED_EMAIL_DOMAIN = "erased.invalid"  # RFC 2606: never routable
REPRESENTATION_RETENTION = (
    "Records of who was authorised to act for whom are kept for 6 years after they end (council retention "
    "schedule, Limitation Act 1980): they show that what a representative did was done with authority. Any "
    "still in force were ended today; an officer reviews the evidence recorded with them."
)


def erased_email(user_id: int) -> str:
    """The unique, non-routable placeholder an erased account's email address becomes."""
    return f"erased-{user_id}@{ERASED_EMAIL_DOMAIN}"


def _account(user: AbstractBaseUser) -> User:
    if not isinstance(user, User):
        raise TypeError("Personal data providers work on townhall.accounts.models.User.")
    return user


class AccountProvider(personal_data.PersonalDataProvider):
    label = "Your account"
    covers: ClassVar[tuple[str, ...]] = (
        "account.EmailAddress.user",
        "mfa.Authenticator.user",
        "socialaccount.SocialAccount.user",
        "usersessions.UserSession.user",
    )
    erase_order = 100

    def collect(self, user: AbstractBaseUser) -> Tables:
        account = _account(user)
        tables: Tables = {
            "Account": personal_data.model_rows([account], exclude=["password"]),
            "Email addresses": personal_data.model_rows(EmailAddress.objects.filter(user=account).order_by("pk")),
            "Two-factor authentication": personal_data.model_rows(
                Authenticator.objects.filter(user=account).order_by("pk"), exclude=["data"]
            ),
            "Sign-in through the council's identity provider": personal_data.model_rows(
                SocialAccount.objects.filter(user=account).order_by("pk")
            ),
        }
        if apps.is_installed("allauth.usersessions"):
            session_model = apps.get_model("usersessions", "UserSession")
            tables["Signed-in sessions"] = personal_data.model_rows(
                session_model.objects.filter(user=account).order_by("pk"), exclude=["session_key"]
            )
        return tables

    def withheld(self) -> list[str]:
        return [
            "your password hash (a one-way scrambled form of your password, which would help an attacker guess it)",
            "authenticator secrets and recovery codes (anyone holding them could sign in as you)",
            "sign-in tokens from the council's identity provider (they are credentials, not information about you)",
            "session keys (they are credentials)",
        ]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        account = _account(user)
        items = []
        emails, _ = EmailAddress.objects.filter(user=account).delete()
        items.append(ErasureItem(self.label, "Email addresses", ErasureAction.DELETED, emails))
        authenticators, _ = Authenticator.objects.filter(user=account).delete()
        items.append(
            ErasureItem(self.label, "Two-factor authentication methods", ErasureAction.DELETED, authenticators)
        )
        social = SocialAccount.objects.filter(user=account).count()
        SocialAccount.objects.filter(user=account).delete()  # their sign-in tokens go with them
        items.append(ErasureItem(self.label, "Links to the council's identity provider", ErasureAction.DELETED, social))
        if apps.is_installed("allauth.usersessions"):
            sessions, _ = apps.get_model("usersessions", "UserSession").objects.filter(user=account).delete()
            items.append(ErasureItem(self.label, "Signed-in sessions", ErasureAction.DELETED, sessions))
        account.email = erased_email(account.pk)
        account.given_name = ""
        account.family_name = ""
        account.is_active = False
        account.last_login = None
        account.set_unusable_password()
        account.save(update_fields=["email", "given_name", "family_name", "is_active", "last_login", "password"])
        items.append(
            ErasureItem(
                self.label,
                "Your account (name, email address and password removed; closed)",
                ErasureAction.ANONYMISED,
                1,
            )
        )
        return items


class RepresentationProvider(personal_data.PersonalDataProvider):
    label = "People who act for you, and people you act for"
    covers: ClassVar[tuple[str, ...]] = (
        "accounts.Representation.representative",
        "accounts.Representation.represented",
    )

    def collect(self, user: AbstractBaseUser) -> Tables:
        return {
            "People who can act for you": personal_data.model_rows(
                Representation.objects.filter(represented_id=user.pk).order_by("pk")
            ),
            "People you act for": personal_data.model_rows(
                Representation.objects.filter(representative_id=user.pk).order_by("pk")
            ),
        }

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        theirs = Representation.objects.filter(Q(represented_id=user.pk) | Q(representative_id=user.pk))
        theirs.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        kept = theirs.count()
        if not kept:
            return [ErasureItem(self.label, "Authorities to act for someone", ErasureAction.DELETED, 0)]
        return [
            ErasureItem(
                self.label, "Authorities to act for someone", ErasureAction.RETAINED, kept, REPRESENTATION_RETENTION
            )
        ]


class SignInHistoryProvider(personal_data.PersonalDataProvider):
    """Sign-ins and failed attempts: the account holder's own security record, deleted on erasure."""

    label = "Your sign-in history"
    covers: ClassVar[tuple[str, ...]] = ("accounts.SignInEvent.user",)

    def collect(self, user: AbstractBaseUser) -> Tables:
        return {
            "Sign-ins and failed attempts": personal_data.model_rows(
                SignInEvent.objects.filter(user_id=user.pk).order_by("pk")
            )
        }

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        deleted, _ = SignInEvent.objects.filter(user_id=user.pk).delete()
        return [ErasureItem(self.label, "Sign-ins and failed attempts", ErasureAction.DELETED, deleted)]


def register() -> None:
    personal_data.register(AccountProvider(), RepresentationProvider(), SignInHistoryProvider())
    staff = "Held only for council staff, about their work: a resident never has one."
    personal_data.exempt("accounts.StaffRoleAssignment.user", staff)
    personal_data.exempt("accounts.Team.members", staff)
    personal_data.exempt(
        "accounts.Representation.authorised_by",
        "The member of staff (or the represented person, covered through `represented`) who authorised it.",
    )
    personal_data.exempt(
        "accounts.Representation.revoked_by",
        "The member of staff (or a party to it, covered through `represented`/`representative`) who ended it.",
    )
    personal_data.exempt("admin.LogEntry.user", "Django admin is open to superusers only, never to residents.")
