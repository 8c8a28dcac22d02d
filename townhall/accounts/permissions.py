"""Every role check in Townhall, in one place.

Views and APIs ask these functions; they never compare role strings themselves.
Roles are cached on the user object for the length of a request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User

AnyUser = User | AnonymousUser
ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def roles_of(user: AnyUser) -> frozenset[str]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_townhall_roles", None)
    if cached is None:
        cached = frozenset(user.role_assignments.values_list("role", flat=True))
        setattr(user, "_townhall_roles", cached)  # noqa: B010 - per-request cache on the user object
    return cached


def is_council_staff(user: AnyUser) -> bool:
    return bool(roles_of(user))


def has_role(user: AnyUser, *roles: StaffRole | str) -> bool:
    """True when the user holds any of `roles`. Administrators hold every staff permission."""
    held = roles_of(user)
    return StaffRole.ADMINISTRATOR in held or any(str(role) in held for role in roles)


def has_mfa(user: AnyUser) -> bool:
    """True when the user has enrolled a second factor: an authenticator app (TOTP) or a passkey."""
    if not user.is_authenticated:
        return False
    from allauth.mfa.models import Authenticator

    second_factors = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
    return Authenticator.objects.filter(user_id=user.pk, type__in=second_factors).exists()


# Who may look up a resident's personal details (each view is audited, with a reason).
RESIDENT_LOOKUP_ROLES: tuple[StaffRole, ...] = (
    StaffRole.CUSTOMER_SERVICE_ADVISER,
    StaffRole.CASE_OFFICER,
    StaffRole.INFORMATION_GOVERNANCE_OFFICER,
)
# Who may read the audit log (administrators too, as for every check).
AUDIT_LOG_ROLES: tuple[StaffRole, ...] = (StaffRole.INFORMATION_GOVERNANCE_OFFICER,)


def can_find_residents(user: AnyUser) -> bool:
    return has_role(user, *RESIDENT_LOOKUP_ROLES)


def can_view_audit_log(user: AnyUser) -> bool:
    return has_role(user, *AUDIT_LOG_ROLES)


def can_request_account_deletion(user: AnyUser) -> bool:
    """Residents only: staff accounts are closed by the council, not by their holder."""
    return (
        user.is_authenticated
        and user.is_active
        and not getattr(user, "is_superuser", False)
        and not is_council_staff(user)
    )


def primary_role_label(user: AnyUser) -> str:
    """The role recorded in audit entries: the first held, in StaffRole order, or "resident"."""
    held = roles_of(user)
    for role in StaffRole:
        if role in held:
            return role.value
    return "superuser" if getattr(user, "is_superuser", False) else "resident"


def staff_role_required(*roles: StaffRole | str) -> Callable[[ViewFunc], ViewFunc]:
    """Allow only staff holding one of `roles` (any staff role if none given); others get 404.

    404 rather than 403 so the staff area does not reveal which pages exist.
    StaffAreaMiddleware has already enforced sign-in and MFA for /staff/.
    """

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            allowed = has_role(user, *roles) if roles else is_council_staff(user)
            if not allowed:
                raise Http404("Page not found")
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def role_choices(roles: Iterable[str]) -> list[str]:
    """Validate role names (e.g. from the command line); raise ValueError naming the bad one."""
    valid = set(StaffRole.values)
    cleaned = []
    for role in roles:
        if role not in valid:
            raise ValueError(f"Unknown role {role!r}. Choose from: {', '.join(StaffRole.values)}.")
        cleaned.append(role)
    return cleaned
