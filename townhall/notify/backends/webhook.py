"""Signed webhooks to partner systems (README "Receiving Townhall webhooks" has the verification recipe).

The body is an envelope that is identical on every attempt: `id` (the idempotency key),
`type` (the event), `created_at` and `data`. Only the signature's timestamp changes
between attempts. Headers repeat the id and event for routing, but only the body and
timestamp are signed, so receivers must read them from the verified body.
"""

from __future__ import annotations

import datetime as dt
import time

from townhall.notify import constants
from townhall.notify.backends import http
from townhall.notify.backends.base import DeliveryError
from townhall.notify.crypto import WebhookSecretError, canonical_json, decrypt_secret, webhook_signature
from townhall.notify.models import OutboxMessage, WebhookEndpoint

# Statuses that may succeed later without anyone changing this message: the receiver is
# busy, rate limiting, or (401/403) waiting for its copy of a rotated secret.
RETRYABLE_STATUSES = frozenset({401, 403, 408, 409, 425, 429})


def webhook_body(message: OutboxMessage) -> bytes:
    payload = message.payload
    return canonical_json(
        {
            "id": message.idempotency_key,
            "type": payload["event_type"],
            "created_at": message.created_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "data": payload["body"],
        }
    )


def is_retryable(status: int) -> bool:
    return status >= 500 or status in RETRYABLE_STATUSES


class WebhookSender:
    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self._secrets: dict[str, str] = {}

    def _secret(self, slug: str) -> str:
        if slug not in self._secrets:
            endpoint = WebhookEndpoint.objects.filter(slug=slug, is_active=True).first()
            if endpoint is None:
                raise DeliveryError(f"Webhook endpoint {slug!r} does not exist or is switched off.", permanent=True)
            try:
                self._secrets[slug] = decrypt_secret(endpoint.secret_encrypted)
            except WebhookSecretError as error:
                raise DeliveryError(str(error)) from None
        return self._secrets[slug]

    def close(self) -> None:
        self._secrets.clear()

    def send(self, message: OutboxMessage) -> str:
        secret = self._secret(message.destination)
        body = webhook_body(message)
        headers = {
            "Content-Type": "application/json",
            constants.HEADER_SIGNATURE: webhook_signature(secret, timestamp=int(time.time()), body=body),
            constants.HEADER_IDEMPOTENCY_KEY: message.idempotency_key,
            constants.HEADER_EVENT: str(message.payload["event_type"]),
            constants.HEADER_MESSAGE_ID: str(message.pk),
        }
        response = http.post(str(message.payload["url"]), body=body, headers=headers, timeout=self.timeout)
        if 200 <= response.status < 300:
            return ""
        if 300 <= response.status < 400:
            raise DeliveryError(
                f"The receiver answered HTTP {response.status} (a redirect, not followed): correct the endpoint URL.",
                permanent=True,
            )
        permanent = not is_retryable(response.status)
        raise DeliveryError(f"The receiver answered HTTP {response.status}.", permanent=permanent)
