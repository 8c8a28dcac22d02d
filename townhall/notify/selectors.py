"""Reads of the outbox: the staff pages, timelines of a related record, and the backlog for health checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from townhall.accounts.models import User
from townhall.notify.constants import CLAIMABLE_STATES, Channel, MessageState
from townhall.notify.models import Correspondence, OutboxMessage, WebhookEndpoint

# What the staff list shows: never the payload (bodies can be long and personal).
LIST_FIELDS = (
    "id",
    "channel",
    "destination",
    "idempotency_key",
    "state",
    "attempts",
    "next_attempt_at",
    "created_at",
    "delivered_at",
    "related_type",
    "related_id",
    "redacted_at",
)


@dataclass(frozen=True)
class Backlog:
    """How far behind delivery is: for /readyz and alerting."""

    waiting: int
    oldest_waiting_since: dt.datetime | None
    dead: int


@dataclass(frozen=True)
class MessageDetail:
    """One message as staff see it: the destination masked, the body left out."""

    message: OutboxMessage
    destination_masked: str
    summary: str


def mask_destination(channel: str, destination: str) -> str:
    """Enough to tell messages apart, not enough to read off someone's address or number.

    Email: first character of the mailbox and the domain ("r•••@example.org"); phone:
    last three digits; a webhook endpoint's slug names a council partner and is shown whole.
    """
    if not destination:
        return "(removed)"
    if channel == Channel.WEBHOOK:
        return destination
    if channel == Channel.EMAIL and "@" in destination:
        mailbox, _, domain = destination.rpartition("@")
        return f"{mailbox[:1]}•••@{domain}"
    digits = [c for c in destination if c.isdigit()]
    return "•••" + "".join(digits[-3:]) if len(digits) > 3 else "•••"


def outbox_messages(
    *, state: str = "", channel: str = "", related_type: str = "", related_id: str = "", idempotency_key: str = ""
) -> QuerySet[OutboxMessage]:
    """Messages for the staff list, newest first. Empty filters are ignored."""
    messages = OutboxMessage.objects.only(*LIST_FIELDS).order_by("-id")
    if state:
        messages = messages.filter(state=state)
    if channel:
        messages = messages.filter(channel=channel)
    if related_type:
        messages = messages.filter(related_type=related_type)
    if related_id:
        messages = messages.filter(related_id=related_id)
    if idempotency_key:
        messages = messages.filter(idempotency_key=idempotency_key)
    return messages


def outbox_last_id() -> int:
    """The newest outbox message's id (0 when there is none): a mark to find what was written after it."""
    return OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def outbox_state_counts() -> dict[str, int]:
    """How many messages are in each state (every state present, zeros included), in one query."""
    counts = dict.fromkeys(MessageState.values, 0)
    for row in OutboxMessage.objects.order_by().values("state").annotate(total=Count("id")):
        counts[row["state"]] = row["total"]
    return counts


def outbox_message_detail(*, message_id: int) -> MessageDetail | None:
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        return None
    payload = message.payload or {}
    if message.redacted_at is not None:
        summary = "(removed under the retention rule)"
    elif message.channel == Channel.EMAIL:
        summary = str(payload.get("subject", ""))
    elif message.channel == Channel.WEBHOOK:
        summary = str(payload.get("event_type", ""))
    else:
        summary = str(payload.get("template_id", "")) or "Text message"
    return MessageDetail(message, mask_destination(message.channel, message.destination), summary)


def outbox_messages_for(*, related_type: str, related_id: str | int) -> QuerySet[OutboxMessage]:
    """Everything sent about one record (a service request's timeline), oldest first."""
    return OutboxMessage.objects.filter(related_type=related_type, related_id=str(related_id)).order_by("id")


def outbox_backlog(*, now: dt.datetime | None = None) -> Backlog:
    """Messages waiting (due or not), since when the oldest has been due, and the dead letters."""
    waiting = OutboxMessage.objects.filter(state__in=(*CLAIMABLE_STATES, MessageState.SENDING))
    summary = waiting.aggregate(total=Count("id"), oldest=Min("next_attempt_at"))
    oldest = summary["oldest"]
    moment = now or timezone.now()
    return Backlog(
        waiting=summary["total"],
        oldest_waiting_since=oldest if oldest is not None and oldest <= moment else None,
        dead=OutboxMessage.objects.filter(state=MessageState.DEAD).count(),
    )


def webhook_endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("slug")


def correspondence_for(*, recipient: User) -> QuerySet[Correspondence]:
    """Everything the council sent this account holder, newest first (their inbox)."""
    return Correspondence.objects.filter(recipient=recipient)


def correspondence_get(*, recipient: User, correspondence_id: int) -> Correspondence | None:
    """One message, only if it was sent to `recipient`: anyone else's id finds nothing."""
    return Correspondence.objects.filter(pk=correspondence_id, recipient=recipient).first()


def correspondence_unread_count(*, recipient: User) -> int:
    return Correspondence.objects.filter(recipient=recipient, read_at__isnull=True).count()
