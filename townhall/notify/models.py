"""The transactional outbox and the webhook endpoints it delivers to (ADR 0009).

A row is written in the same database transaction as the change that causes it, so a
message exists exactly when the change committed. Workers then claim, send and mark it;
the columns below are what that protocol needs. Rows hold personal data (an address,
a body) only until the retention period ends (README "Retention").
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from townhall.accounts.models import User
from townhall.notify.constants import (
    CLAIMABLE_STATES,
    MAX_ERROR_LENGTH,
    MAX_IDEMPOTENCY_KEY_LENGTH,
    Channel,
    MessageState,
    Topic,
)


class OutboxMessage(models.Model):
    channel = models.CharField(max_length=20, choices=Channel.choices)
    # An email address, a phone number, or a webhook endpoint's slug. Blank once redacted.
    destination = models.CharField(max_length=320, blank=True)
    # email: subject, text, html (optional); sms: text; webhook: url, event_type, body.
    payload = models.JSONField(default=dict, blank=True)
    # The sender's promise not to act twice: unique here, and carried by every send
    # (email Message-ID, webhook Idempotency-Key header, GOV.UK Notify reference).
    idempotency_key = models.CharField(max_length=MAX_IDEMPOTENCY_KEY_LENGTH, unique=True)
    state = models.CharField(max_length=20, choices=MessageState.choices, default=MessageState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The claim: the worker holding `claim_token` may send until `locked_until`; after that
    # the sweep assumes the worker died and makes the message claimable again.
    claim_token = models.UUIDField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # Why the last attempt failed, with email addresses and the destination removed.
    last_error = models.CharField(max_length=MAX_ERROR_LENGTH, blank=True)
    provider_reference = models.CharField(
        max_length=200, blank=True, help_text="The id the receiver gave the message (Message-ID, Notify id)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    redacted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the destination and payload were removed under the retention rule."
    )
    # What caused the message, for timelines and lookups: "service_requests.servicerequest", "1234".
    related_type = models.CharField(max_length=100, blank=True)
    related_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # Workers look for waiting messages that are due: index only those.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=CLAIMABLE_STATES),
                name="notify_outbox_due_idx",
            ),
            models.Index(
                fields=["locked_until"], condition=Q(state=MessageState.SENDING), name="notify_outbox_lease_idx"
            ),
            models.Index(fields=["state", "-id"], name="notify_outbox_state_idx"),
            models.Index(fields=["related_type", "related_id"], name="notify_outbox_related_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="notify_outbox_channel_valid"),
            models.CheckConstraint(condition=Q(state__in=MessageState.values), name="notify_outbox_state_valid"),
            models.CheckConstraint(
                condition=~Q(state=MessageState.DELIVERED) | Q(delivered_at__isnull=False),
                name="notify_outbox_delivered_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=MessageState.SENDING) | Q(claim_token__isnull=False, locked_until__isnull=False),
                name="notify_outbox_sending_is_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} message {self.pk} ({self.get_state_display().lower()})"


class WebhookEndpoint(models.Model):
    """A partner system that receives signed webhooks (a highways contractor's back office).

    The signing secret is shared with the partner once, when created or rotated, and kept
    here encrypted with a key derived from SECRET_KEY (townhall/notify/crypto.py).
    """

    slug = models.SlugField(max_length=50, unique=True, help_text="Names the endpoint in outbox messages.")
    name = models.CharField(max_length=200)
    url = models.URLField(max_length=500)
    secret_encrypted = models.TextField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class Correspondence(models.Model):
    """The resident's copy of a message the council sent them, readable in their account.

    Outbox rows are redacted after the retention period; this copy stays until the resident
    erases their account, so the inbox is a full record.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="correspondence")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    topic = models.CharField(max_length=40, choices=Topic.choices, blank=True, help_text="Blank: essential.")
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=MAX_IDEMPOTENCY_KEY_LENGTH, unique=True)
    outbox_message = models.ForeignKey(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="correspondence"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    related_type = models.CharField(max_length=100, blank=True)
    related_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name_plural = "correspondence"
        indexes = [models.Index(fields=["recipient", "-sent_at"], name="notify_corr_recipient_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="notify_corr_channel_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to user {self.recipient_id}: {self.subject}"
