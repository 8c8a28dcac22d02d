"""The outbox's settings, read once per use with their defaults and checked.

Every value has a safe default, so an install without any NOTIFY_* setting delivers
email over SMTP with eight attempts over about a day. A wrong value raises
ImproperlyConfigured naming the setting, rather than misbehaving at 3 a.m.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from townhall.notify import constants

# "{key name}-{service id}-{secret}": both ids are UUIDs (GOV.UK Notify's API key format).
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NOTIFY_API_KEY_PATTERN = re.compile(rf"^(?P<name>.+)-(?P<service_id>{_UUID})-(?P<secret>{_UUID})$")


@dataclass(frozen=True)
class NotifyApiKey:
    service_id: str
    secret: str


@dataclass(frozen=True)
class OutboxSettings:
    max_attempts: int
    retry_base: dt.timedelta
    retry_cap: dt.timedelta
    lease: dt.timedelta
    batch_size: int
    send_timeout: float
    retention: dt.timedelta
    email_via: str
    notify_api_url: str
    notify_api_key: NotifyApiKey | None
    notify_email_template_id: str
    notify_sms_template_id: str
    notify_letter_template_id: str


def _positive_int(name: str, default: int) -> int:
    value = getattr(settings, name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least 1; got {value!r}.")
    return value


def parse_notify_api_key(raw: str) -> NotifyApiKey:
    """Split a GOV.UK Notify API key into the service id (the JWT issuer) and the signing secret."""
    match = NOTIFY_API_KEY_PATTERN.match(raw.strip())
    if match is None:
        raise ImproperlyConfigured(
            "NOTIFY_API_KEY is not a GOV.UK Notify API key: expected '<key name>-<service id>-<secret>', "
            "as shown once when the key is created in GOV.UK Notify."
        )
    return NotifyApiKey(service_id=match["service_id"], secret=match["secret"])


def outbox_settings() -> OutboxSettings:
    """The current settings (read each time, so tests can override them)."""
    max_attempts = _positive_int("NOTIFY_MAX_ATTEMPTS", constants.DEFAULT_MAX_ATTEMPTS)
    base = _positive_int("NOTIFY_RETRY_BASE_SECONDS", constants.DEFAULT_RETRY_BASE_SECONDS)
    cap = _positive_int("NOTIFY_RETRY_CAP_SECONDS", constants.DEFAULT_RETRY_CAP_SECONDS)
    if cap < base:
        raise ImproperlyConfigured(
            f"NOTIFY_RETRY_CAP_SECONDS ({cap}) must not be less than NOTIFY_RETRY_BASE_SECONDS ({base})."
        )
    email_via = str(getattr(settings, "NOTIFY_EMAIL_BACKEND", constants.EMAIL_VIA_SMTP))
    if email_via not in {constants.EMAIL_VIA_SMTP, constants.EMAIL_VIA_GOVUK_NOTIFY}:
        raise ImproperlyConfigured(f"NOTIFY_EMAIL_BACKEND must be 'smtp' or 'govuk_notify'; got {email_via!r}.")
    raw_key = str(getattr(settings, "NOTIFY_API_KEY", "") or "")
    api_key = parse_notify_api_key(raw_key) if raw_key else None
    email_template = str(getattr(settings, "NOTIFY_EMAIL_TEMPLATE_ID", "") or "")
    if email_via == constants.EMAIL_VIA_GOVUK_NOTIFY and api_key is None:
        raise ImproperlyConfigured("NOTIFY_EMAIL_BACKEND is 'govuk_notify' but NOTIFY_API_KEY is not set.")
    return OutboxSettings(
        max_attempts=max_attempts,
        retry_base=dt.timedelta(seconds=base),
        retry_cap=dt.timedelta(seconds=cap),
        lease=dt.timedelta(seconds=_positive_int("NOTIFY_LEASE_SECONDS", constants.DEFAULT_LEASE_SECONDS)),
        batch_size=_positive_int("NOTIFY_BATCH_SIZE", constants.DEFAULT_BATCH_SIZE),
        send_timeout=float(_positive_int("NOTIFY_SEND_TIMEOUT_SECONDS", constants.DEFAULT_SEND_TIMEOUT_SECONDS)),
        retention=dt.timedelta(days=_positive_int("NOTIFY_RETENTION_DAYS", constants.DEFAULT_RETENTION_DAYS)),
        email_via=email_via,
        notify_api_url=str(getattr(settings, "NOTIFY_API_URL", constants.DEFAULT_NOTIFY_API_URL)).rstrip("/"),
        notify_api_key=api_key,
        notify_email_template_id=email_template,
        notify_sms_template_id=str(getattr(settings, "NOTIFY_SMS_TEMPLATE_ID", "") or ""),
        notify_letter_template_id=str(getattr(settings, "NOTIFY_LETTER_TEMPLATE_ID", "") or ""),
    )
