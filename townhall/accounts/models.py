"""People who sign in to Townhall: residents and council staff, plus staff teams.

Email is the identifier (allauth). A staff member is a user with at least one
StaffRoleAssignment; role checks live in townhall.accounts.permissions only.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from townhall.accounts.constants import Relationship, SecondStep, SignInMethod, SignInOutcome, StaffRole


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", max_length=254, unique=True)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    deletion_requested_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"User {self.pk}"

    @property
    def is_staff(self) -> bool:
        """Django admin's flag. Only superusers may use /django-admin/; council staff use /staff/."""
        return self.is_superuser

    def get_full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def get_short_name(self) -> str:
        return self.given_name


class Team(models.Model):
    """A council team that owns work (e.g. Highways North, Waste, Information Governance)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    email = models.EmailField(blank=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffRoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=40, choices=StaffRole.choices)
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "role"], name="accounts_one_assignment_per_role"),
            models.CheckConstraint(condition=models.Q(role__in=StaffRole.values), name="accounts_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.role}"


class Representation(models.Model):
    """One person may act for another in their account: a carer, an attorney, a deputy.

    Authorised by the represented person themselves, or by staff who saw evidence (a
    registered lasting power of attorney). Never edited: revoking ends it, and a new
    authorisation is a new row, so the history of who could act when is kept.
    """

    representative = models.ForeignKey(User, on_delete=models.CASCADE, related_name="represents")
    represented = models.ForeignKey(User, on_delete=models.CASCADE, related_name="representatives")
    relationship = models.CharField(max_length=40, choices=Relationship.choices)
    authorised_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    evidence = models.CharField(
        max_length=300, blank=True, help_text="What staff saw, e.g. 'LPA registered 2024, OPG ref 7000-1234-5678'."
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["representative", "represented"],
                condition=models.Q(revoked_at__isnull=True),
                name="accounts_one_live_representation_per_pair",
            ),
            models.CheckConstraint(
                condition=~models.Q(representative=models.F("represented")), name="accounts_representation_not_self"
            ),
            models.CheckConstraint(
                condition=models.Q(relationship__in=Relationship.values), name="accounts_relationship_known"
            ),
        ]

    def __str__(self) -> str:
        return f"User {self.representative_id} for user {self.represented_id}"


class SignInEvent(models.Model):
    """One sign-in to an account, or one failed attempt at it, for the account holder's own security.

    Kept for SIGN_IN_HISTORY_DAYS. Only a coarse device ("Firefox on Windows") is stored, not
    the browser's full user agent string; the IP address is kept whole because the account
    holder needs it to recognise (or not) where a sign-in came from (ADR 0023).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_events")
    occurred_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=30, choices=SignInOutcome.choices)
    method = models.CharField(max_length=30, choices=SignInMethod.choices, blank=True)
    # The identity provider's name when method is IDENTITY_PROVIDER ("GOV.UK One Login").
    provider = models.CharField(max_length=100, blank=True)
    second_step = models.CharField(max_length=30, choices=SecondStep.choices, blank=True)
    device = models.CharField(max_length=100, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-occurred_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["user", "-occurred_at"], name="accounts_signin_user_time"),
            models.Index(fields=["occurred_at"], name="accounts_signin_time"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=SignInOutcome.values), name="accounts_signin_outcome"
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=[*SignInMethod.values, ""]), name="accounts_signin_method"
            ),
            models.CheckConstraint(
                condition=models.Q(second_step__in=[*SecondStep.values, ""]), name="accounts_signin_second_step"
            ),
        ]

    def __str__(self) -> str:
        return f"User {self.user_id}: {self.outcome} at {self.occurred_at:%Y-%m-%d %H:%M}"
