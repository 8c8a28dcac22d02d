"""GOV.UK Notify (REST API v2) for email and text messages.

Authentication is a JSON Web Token per request, signed HS256 with the secret half of
the API key, with the service id as issuer (`iss`) and the current time as `iat`
(Notify refuses tokens more than 30 seconds old). The idempotency key travels as
Notify's `reference`, so a message can be found in Notify from the outbox and back;
Notify does not deduplicate on it.

Notify sends from templates. By default a message uses the service's generic template
(NOTIFY_EMAIL_TEMPLATE_ID, NOTIFY_SMS_TEMPLATE_ID) with the personalisation `subject`
and `body`; a payload may name its own `template_id` and `personalisation`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from townhall.notify.backends import http
from townhall.notify.backends.base import DeliveryError
from townhall.notify.conf import NotifyApiKey, OutboxSettings
from townhall.notify.constants import Channel
from townhall.notify.crypto import canonical_json
from townhall.notify.models import OutboxMessage

EMAIL_PATH = "/v2/notifications/email"
SMS_PATH = "/v2/notifications/sms"
LETTER_PATH = "/v2/notifications/letter"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def notify_token(api_key: NotifyApiKey, *, issued_at: int) -> str:
    """The bearer token for one request (RFC 7519, HS256)."""
    header = _b64url(canonical_json({"alg": "HS256", "typ": "JWT"}))
    claims = _b64url(canonical_json({"iss": api_key.service_id, "iat": issued_at}))
    signing_input = f"{header}.{claims}".encode("ascii")
    signature = hmac.new(api_key.secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{claims}.{_b64url(signature)}"


def _error_text(body: bytes) -> str:
    """Notify's error names and messages ('ValidationError: email_address Not a valid email address')."""
    try:
        errors = json.loads(body).get("errors", [])
        return "; ".join(f"{item.get('error', '')}: {item.get('message', '')}" for item in errors)[:300]
    except (ValueError, AttributeError):
        return ""


class GovukNotifySender:
    def __init__(self, config: OutboxSettings) -> None:
        self.config = config

    def close(self) -> None:
        pass

    def _request(self, message: OutboxMessage) -> tuple[str, dict[str, Any]]:
        payload = message.payload
        if message.channel == Channel.EMAIL:
            path, template_id = EMAIL_PATH, self.config.notify_email_template_id
            personalisation = {"subject": payload.get("subject", ""), "body": payload.get("text", "")}
            body: dict[str, Any] = {"email_address": message.destination}
        elif message.channel == Channel.LETTER:
            # The address is personalisation: address_line_1 (the name) to address_line_7 (the postcode).
            path, template_id = LETTER_PATH, self.config.notify_letter_template_id
            lines = payload.get("address_lines") or []
            personalisation = {f"address_line_{number}": line for number, line in enumerate(lines, start=1)}
            personalisation.update(subject=payload.get("subject", ""), body=payload.get("text", ""))
            body = {}
        else:
            path, template_id = SMS_PATH, self.config.notify_sms_template_id
            personalisation = {"body": payload.get("text", "")}
            body = {"phone_number": message.destination}
        template_id = str(payload.get("template_id") or template_id)
        if not template_id:
            raise DeliveryError(
                f"No GOV.UK Notify template for {message.get_channel_display().lower()}: "
                "set NOTIFY_EMAIL_TEMPLATE_ID / NOTIFY_SMS_TEMPLATE_ID / NOTIFY_LETTER_TEMPLATE_ID "
                "or give template_id in the payload."
            )
        body.update(
            template_id=template_id,
            personalisation=payload.get("personalisation") or personalisation,
            reference=message.idempotency_key,
        )
        return path, body

    def send(self, message: OutboxMessage) -> str:
        api_key = self.config.notify_api_key
        if api_key is None:
            raise DeliveryError("GOV.UK Notify is not configured: set NOTIFY_API_KEY.")
        path, body = self._request(message)
        headers = {
            "Authorization": f"Bearer {notify_token(api_key, issued_at=int(time.time()))}",
            "Content-Type": "application/json",
        }
        response = http.post(
            self.config.notify_api_url + path,
            body=canonical_json(body),
            headers=headers,
            timeout=self.config.send_timeout,
        )
        if response.status == 201:
            try:
                return str(json.loads(response.body)["id"])
            except (ValueError, KeyError, TypeError):
                return ""
        detail = _error_text(response.body)
        # 400 is Notify refusing this message (a bad address, a missing personalisation);
        # 403 (key), 429 (rate limit) and 5xx may pass later.
        raise DeliveryError(
            f"GOV.UK Notify answered HTTP {response.status}" + (f" ({detail})." if detail else "."),
            permanent=response.status == 400,
        )
