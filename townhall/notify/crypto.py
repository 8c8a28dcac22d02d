"""Webhook signing: secrets encrypted at rest, and the HMAC-SHA256 signature partners verify.

The Fernet key is derived from SECRET_KEY with HKDF-SHA256 under a label of its own, so
it differs from every other key Townhall derives and needs no second secret to manage.
SECRET_KEY_FALLBACKS keep older secrets readable during a key rotation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet

from townhall.core.crypto import derived_fernet

_HKDF_INFO = b"townhall.notify.webhook-endpoint-secret"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a label, not a secret


class WebhookSecretError(RuntimeError):
    """A stored secret cannot be decrypted: SECRET_KEY changed without keeping the old one as a fallback."""


def _fernet() -> MultiFernet:
    return derived_fernet(info=_HKDF_INFO, purpose="webhook secrets")


def new_webhook_secret() -> str:
    """A fresh signing secret: 32 random bytes, prefixed so it is recognisable in a partner's config."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode("ascii")


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken as error:
        raise WebhookSecretError(
            "A webhook secret could not be decrypted: was SECRET_KEY changed without SECRET_KEY_FALLBACKS? "
            "Rotate the endpoint's secret (`townhall notify endpoint rotate SLUG`)."
        ) from error


def canonical_json(value: Any) -> bytes:
    """The exact bytes sent and signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def webhook_signature(secret: str, *, timestamp: int, body: bytes) -> str:
    """The X-Townhall-Signature value: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`.

    The timestamp is inside the signed bytes, so a captured request cannot be replayed
    later with a fresh timestamp.
    """
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def email_message_id(idempotency_key: str, *, domain: str) -> str:
    """A Message-ID that is the same on every attempt, so mail systems can see a repeat as one message.

    The key is hashed: it may hold characters a Message-ID cannot, and it names internal records.
    """
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"
