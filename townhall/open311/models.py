"""Open311 client state: API keys for client applications and tokens for requests that are not created at once.

Keys are random, so a SHA-256 digest is enough to store them at rest (no slow hash is
needed for 256-bit secrets); only the digest and a short prefix (to tell keys apart in
lists) are kept.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from django.db import models

from townhall.service_requests.models import ServiceRequest


def api_key_digest(raw_key: str) -> str:
    """How a key is stored and looked up: SHA-256, hex."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiKey(models.Model):
    """One client application allowed to POST requests (e.g. the council's FixMyStreet)."""

    name = models.CharField(max_length=100, unique=True)
    key_prefix = models.CharField(max_length=12, help_text="The first characters of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key, hex.")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        default=120, help_text="Requests this key may make per minute before Open311 answers 429."
    )
    contact_email = models.EmailField(blank=True, help_text="Who to tell about changes or problems with this client.")

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Token(models.Model):
    """A receipt for a request that is created later (e.g. once confirmed); `tokens/{token}` gives its id."""

    token = models.CharField(max_length=64, unique=True)
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="tokens")
    service_request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.token
