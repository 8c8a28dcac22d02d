"""Writes for Open311 client state: issuing and revoking API keys, issuing tokens. Every key change is audited."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import User
from townhall.audit.services import audit_record
from townhall.open311.models import ApiKey, Token, api_key_digest
from townhall.service_requests.models import ServiceRequest

Actor = User | AnonymousUser | None

ACTION_API_KEY_CREATED = "open311.api_key.created"
ACTION_API_KEY_REVOKED = "open311.api_key.revoked"
OBJECT_API_KEY = "open311.api_key"
KEY_PREFIX_LENGTH = 8


@transaction.atomic
def api_key_create(*, acting_user: Actor, name: str) -> tuple[ApiKey, str]:
    """A new key for a client application: (the stored row, the key itself, shown once and never stored)."""
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
    )
    api_key.full_clean()
    api_key.save(force_insert=True)
    audit_record(actor=acting_user, action=ACTION_API_KEY_CREATED, object_type=OBJECT_API_KEY, object_id=api_key.pk)
    return api_key, raw_key


@transaction.atomic
def api_key_revoke(*, acting_user: Actor, api_key: ApiKey) -> ApiKey:
    """Refuse the key from now on (403); revoking twice changes nothing."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(actor=acting_user, action=ACTION_API_KEY_REVOKED, object_type=OBJECT_API_KEY, object_id=api_key.pk)
    return api_key


def token_issue(*, api_key: ApiKey, service_request: ServiceRequest | None = None) -> Token:
    """A token for a request that is not created at once; link the request to it when it exists."""
    return Token.objects.create(
        token=secrets.token_hex(16), api_key=api_key, service_request=service_request, created_at=timezone.now()
    )
