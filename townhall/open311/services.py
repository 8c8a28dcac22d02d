"""Writes for Open311 client state: issuing and revoking API keys, issuing tokens. Every key change is audited."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.accounts.permissions import has_role
from townhall.audit.services import audit_record
from townhall.open311 import selectors
from townhall.open311.models import ApiKey, Token, api_key_digest
from townhall.service_requests.models import ServiceRequest

Actor = User | AnonymousUser | None

ACTION_API_KEY_CREATED = "open311.api_key.created"
ACTION_API_KEY_REVOKED = "open311.api_key.revoked"
ACTION_API_KEY_UPDATED = "open311.api_key.updated"
ACTION_API_KEY_USED = "open311.api_key.used"
DEFAULT_RATE_LIMIT = 120
OBJECT_API_KEY = "open311.api_key"
KEY_PREFIX_LENGTH = 8


def _require_key_manager(acting_user: Actor) -> None:
    """Administrators manage keys; `None` is Townhall itself (the `townhall apikey` command)."""
    if acting_user is not None and not has_role(acting_user, StaffRole.ADMINISTRATOR):
        raise PermissionDenied("Only administrators can manage Open311 API keys.")


@transaction.atomic
def api_key_create(
    *,
    acting_user: Actor,
    name: str,
    contact_email: str = "",
    rate_limit_per_minute: int = DEFAULT_RATE_LIMIT,
) -> tuple[ApiKey, str]:
    """A new key for a client application: (the stored row, the key itself, shown once and never stored)."""
    _require_key_manager(acting_user)
    name = name.strip()
    if not name:
        raise ValidationError({"name": ValidationError("Enter a name for the client application", code="required")})
    if ApiKey.objects.filter(name=name).exists():
        raise ValidationError({"name": ValidationError("An API key with this name already exists", code="unique")})
    raw_key = secrets.token_urlsafe(32)
    api_key = ApiKey(
        name=name,
        key_prefix=raw_key[:KEY_PREFIX_LENGTH],
        key_hash=api_key_digest(raw_key),
        created_at=timezone.now(),
        contact_email=contact_email.strip().lower(),
        rate_limit_per_minute=rate_limit_per_minute,
    )
    api_key.full_clean()
    api_key.save(force_insert=True)
    audit_record(actor=acting_user, action=ACTION_API_KEY_CREATED, object_type=OBJECT_API_KEY, object_id=api_key.pk)
    return api_key, raw_key


@transaction.atomic
def api_key_revoke(*, acting_user: Actor, api_key: ApiKey) -> ApiKey:
    """Refuse the key from now on (403); revoking twice changes nothing."""
    _require_key_manager(acting_user)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(actor=acting_user, action=ACTION_API_KEY_REVOKED, object_type=OBJECT_API_KEY, object_id=api_key.pk)
    return api_key


@transaction.atomic
def api_key_update(*, acting_user: Actor, api_key: ApiKey, rate_limit_per_minute: int, contact_email: str) -> ApiKey:
    """Change a key's rate limit or contact address; audited with the names of the fields changed."""
    _require_key_manager(acting_user)
    locked = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    after = {"rate_limit_per_minute": rate_limit_per_minute, "contact_email": contact_email.strip().lower()}
    changed = [name for name, value in after.items() if getattr(locked, name) != value]
    if changed:
        for name in changed:
            setattr(locked, name, after[name])
        locked.full_clean()
        locked.save(update_fields=changed)
        audit_record(
            actor=acting_user,
            action=ACTION_API_KEY_UPDATED,
            object_type=OBJECT_API_KEY,
            object_id=locked.pk,
            reason=f"Changed: {', '.join(changed)}.",
        )
    return locked


def api_key_use_record(*, api_key: ApiKey, what: str) -> None:
    """Audit one write made with a key (Open311 POSTs), and note when the key was last used.

    The time goes in the cache, not the database: the key model has no column for it and a
    write per request would serialise clients on the key's row.
    """
    with transaction.atomic():
        audit_record(
            actor=None, action=ACTION_API_KEY_USED, object_type=OBJECT_API_KEY, object_id=api_key.pk, reason=what
        )
    cache.set(selectors.last_used_cache_key(api_key.pk), timezone.now(), timeout=None)


def token_issue(*, api_key: ApiKey, service_request: ServiceRequest | None = None) -> Token:
    """A token for a request that is not created at once; link the request to it when it exists."""
    return Token.objects.create(
        token=secrets.token_hex(16), api_key=api_key, service_request=service_request, created_at=timezone.now()
    )
