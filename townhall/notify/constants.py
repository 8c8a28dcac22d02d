"""Channels, states and audit actions of the outbox, in one place."""

from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    WEBHOOK = "webhook", "Webhook"
    LETTER = "letter", "Letter"  # printed and posted by GOV.UK Notify


class MessageState(models.TextChoices):
    """Where a message is in its life. Only PENDING and RETRYING are waiting to be claimed."""

    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    RETRYING = "retrying", "Failed, retrying"
    DEAD = "dead", "Dead"


class Topic(models.TextChoices):
    """What an optional message is about. A message with no topic is essential: the resident
    caused it (an acknowledgement, a confirmation link) and it is sent whatever their preferences."""

    SERVICE_UPDATES = "service_updates", "Updates on reports and services I use"
    CONSULTATIONS = "consultations", "Consultations and surveys"
    WARD_NEWS = "ward_news", "News about my ward"
    DIGITAL_VOLUNTEERING = "digital_volunteering", "Digital volunteering"


# Topics that promote something rather than report on what the resident asked for: a
# resident's "no marketing" choice stops all of them, whatever the per-topic ticks say.
MARKETING_TOPICS = frozenset({Topic.CONSULTATIONS, Topic.WARD_NEWS, Topic.DIGITAL_VOLUNTEERING})


# States a worker may claim a message from.
CLAIMABLE_STATES = (MessageState.PENDING, MessageState.RETRYING)

# Channels outbox_enqueue accepts.
SUPPORTED_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WEBHOOK, Channel.LETTER)
# GOV.UK Notify prints 3 to 7 address lines, the last a UK postcode.
LETTER_MIN_ADDRESS_LINES = 3
LETTER_MAX_ADDRESS_LINES = 7

# Defaults for the NOTIFY_* settings (see townhall/notify/conf.py and README).
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_RETRY_BASE_SECONDS = 5 * 60
DEFAULT_RETRY_CAP_SECONDS = 6 * 60 * 60
DEFAULT_LEASE_SECONDS = 10 * 60
DEFAULT_BATCH_SIZE = 50
DEFAULT_SEND_TIMEOUT_SECONDS = 10
DEFAULT_RETENTION_DAYS = 30
DEFAULT_NOTIFY_API_URL = "https://api.notifications.service.gov.uk"

EMAIL_VIA_SMTP = "smtp"
EMAIL_VIA_GOVUK_NOTIFY = "govuk_notify"

MAX_ERROR_LENGTH = 500
MAX_IDEMPOTENCY_KEY_LENGTH = 200

# Audit actions and the object type they name.
ACTION_MESSAGE_RESENT = "notify.message.resent"
ACTION_ENDPOINT_CREATED = "notify.webhook_endpoint.created"
ACTION_ENDPOINT_SECRET_ROTATED = "notify.webhook_endpoint.secret_rotated"  # noqa: S105 - an action name
OBJECT_TYPE_MESSAGE = "notify.outboxmessage"
OBJECT_TYPE_ENDPOINT = "notify.webhookendpoint"

# Webhook request headers (the verification recipe is in README.md).
HEADER_SIGNATURE = "X-Townhall-Signature"
HEADER_IDEMPOTENCY_KEY = "Idempotency-Key"
HEADER_EVENT = "X-Townhall-Event"
HEADER_MESSAGE_ID = "X-Townhall-Message-Id"
