"""Every write to the outbox: enqueue in the caller's transaction, claim, deliver, retry, resend, redact.

The protocol (ADR 0009):

1. `outbox_enqueue` inserts a PENDING row inside the caller's transaction and, once that
   commits, asks for a delivery task. A rollback discards both.
2. A worker *claims* due rows: PENDING/RETRYING → SENDING with a fresh claim token and a
   lease (`locked_until`), in one short transaction. On PostgreSQL the candidates are
   locked with SELECT … FOR UPDATE SKIP LOCKED, so concurrent workers take disjoint
   rows without waiting; the conditional UPDATE is what makes the claim safe on SQLite.
3. It sends outside any transaction, then marks the row DELIVERED, or RETRYING with an
   exponential, jittered delay, or DEAD after NOTIFY_MAX_ATTEMPTS (or at once when the
   receiver refused for good). Marks are fenced by the claim token.
4. The sweep (`outbox_deliver_due`, run by `townhall notify deliver`) claims whatever is
   due, including rows whose worker died mid-send once their lease ends. That release is
   the one at-least-once window: a message sent just before its worker died is sent
   again, with the same idempotency key, so receivers can drop the repeat.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from townhall.accounts.models import User
from townhall.audit.services import audit_record
from townhall.myaccount import selectors as myaccount_selectors
from townhall.notify import constants
from townhall.notify.backends import DeliveryError, Senders
from townhall.notify.conf import OutboxSettings, outbox_settings
from townhall.notify.constants import CLAIMABLE_STATES, Channel, MessageState, Topic
from townhall.notify.crypto import encrypt_secret, new_webhook_secret
from townhall.notify.models import Correspondence, OutboxMessage, WebhookEndpoint

logger = logging.getLogger(__name__)

_jitter = random.SystemRandom()
_EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_PHONE_NUMBER = re.compile(r"^\+?[0-9][0-9 ()-]{6,19}$")
_EMAIL_ADDRESS = re.compile(r"[^\s<>()\[\]@,;:\"']+@[^\s<>()\[\]@,;:\"']+")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_WEBHOOK_BODY_BYTES = 256 * 1024
MAX_SUBJECT_LENGTH = 250
RELEASED_CLAIM_ERROR = "The worker stopped or overran its claim during an attempt; the message may have been sent."

# Called after commit with (message id, run after): tasks.py installs the django-tasks
# enqueue at start-up (NotifyConfig.ready), because services sit below tasks in the layers.
DeliveryScheduler = Callable[[int, dt.datetime | None], None]
Clock = Callable[[], dt.datetime]
_delivery_scheduler: DeliveryScheduler | None = None


class OutboxError(Exception):
    """Base class for refusals by the outbox services."""


class OutboxTransactionRequiredError(OutboxError):
    """outbox_enqueue ran outside a transaction: the message could outlive a rolled-back change."""


class OutboxKeyConflictError(OutboxError):
    """The idempotency key is already used by a different message: two callers chose the same key."""


class OutboxMessageNotResendableError(OutboxError):
    """Only dead messages whose personal data is still held can be resent."""


class WebhookEndpointNotFoundError(OutboxError):
    """No active webhook endpoint has that slug."""


@dataclass
class DeliveryReport:
    """What one delivery run did (counts of messages)."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    released: int = 0  # claims whose lease had ended, made claimable again

    def add(self, other: DeliveryReport) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.dead += other.dead
        self.released += other.released


# --- scheduling -------------------------------------------------------------------------


def delivery_scheduler_install(scheduler: DeliveryScheduler | None) -> None:
    """Set what asks a worker to deliver a message (NotifyConfig.ready installs the task)."""
    global _delivery_scheduler  # one process-wide hook, set at start-up
    _delivery_scheduler = scheduler


def _schedule_delivery(message_id: int, run_after: dt.datetime | None) -> None:
    """Ask for a delivery after commit. If this fails, the sweep still finds the message.

    A message that is no longer waiting by then (recorded as history, say) needs no task.
    """
    if not OutboxMessage.objects.filter(pk=message_id, state__in=CLAIMABLE_STATES).exists():
        return
    if _delivery_scheduler is None:
        logger.warning("No delivery scheduler installed; outbox message %s waits for the sweep.", message_id)
        return
    _delivery_scheduler(message_id, run_after)


def _on_commit_schedule(message_id: int, run_after: dt.datetime | None = None) -> None:
    def schedule_delivery() -> None:  # a named function: Django logs a robust callback's __qualname__
        _schedule_delivery(message_id, run_after)

    # robust: an enqueue failure is logged, never raised into the caller after its commit.
    transaction.on_commit(schedule_delivery, robust=True)


# --- enqueueing -------------------------------------------------------------------------


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_outbox_message")


def _json_normalised(value: Any, *, what: str) -> Any:
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as error:
        raise _invalid(f"The {what} must be JSON (strings, numbers, lists, objects): {error}") from None


# A List-Unsubscribe URL goes inside <…> in a header: none of these may appear in it.
_UNSAFE_IN_HEADER = re.compile(r"[<>\s]")


def _validated_payload(channel: Channel, destination: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Check a payload has what its channel's backend will need, before it is stored."""
    if not isinstance(payload, dict):
        raise _invalid("The payload must be a JSON object.")
    payload = _json_normalised(payload, what="payload")
    if channel == Channel.EMAIL:
        validate_email(destination)
        subject, text, html = payload.get("subject"), payload.get("text"), payload.get("html", "")
        if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_SUBJECT_LENGTH:
            raise _invalid(f"An email needs a subject of 1 to {MAX_SUBJECT_LENGTH} characters.")
        if "\n" in subject or "\r" in subject:
            raise _invalid("An email subject must be one line.")
        if not isinstance(text, str) or not text.strip():
            raise _invalid("An email needs a plain text body ('text').")
        if not isinstance(html, str):
            raise _invalid("An email's 'html' must be text.")
        unsubscribe = payload.get("unsubscribe_url", "")
        if not isinstance(unsubscribe, str) or (
            unsubscribe and (urlsplit(unsubscribe).scheme != "https" or _UNSAFE_IN_HEADER.search(unsubscribe))
        ):
            raise _invalid("An email's 'unsubscribe_url' must be an https address (RFC 8058 one-click).")
    elif channel == Channel.SMS:
        if not _PHONE_NUMBER.match(destination):
            raise _invalid("A text message needs a phone number such as 07700 900123 or +447700900123.")
        if not (isinstance(payload.get("text"), str) and payload["text"].strip()) and not payload.get("template_id"):
            raise _invalid("A text message needs its 'text' (or a GOV.UK Notify 'template_id').")
    elif channel == Channel.LETTER:
        lines = payload.get("address_lines")
        if (
            not isinstance(lines, list)
            or not constants.LETTER_MIN_ADDRESS_LINES <= len(lines) <= constants.LETTER_MAX_ADDRESS_LINES
            or not all(isinstance(line, str) and line.strip() for line in lines)
        ):
            raise _invalid(
                f"A letter needs {constants.LETTER_MIN_ADDRESS_LINES} to {constants.LETTER_MAX_ADDRESS_LINES} "
                "address lines ('address_lines'), the last a postcode."
            )
        if not (isinstance(payload.get("subject"), str) and payload["subject"].strip()):
            raise _invalid("A letter needs a 'subject'.")
        if not (isinstance(payload.get("text"), str) and payload["text"].strip()):
            raise _invalid("A letter needs its 'text'.")
    elif channel == Channel.WEBHOOK:
        url, event_type = payload.get("url"), payload.get("event_type")
        if not isinstance(url, str) or urlsplit(url).scheme not in {"http", "https"}:
            raise _invalid("A webhook needs the endpoint's http(s) 'url'.")
        if not isinstance(event_type, str) or not _EVENT_TYPE.match(event_type):
            raise _invalid("A webhook needs an 'event_type' such as service_request.created.")
        if "body" not in payload:
            raise _invalid("A webhook needs a 'body'.")
        if len(json.dumps(payload["body"])) > MAX_WEBHOOK_BODY_BYTES:
            raise _invalid(f"A webhook body must be at most {MAX_WEBHOOK_BODY_BYTES // 1024} KiB.")
    return dict(payload)


def outbox_enqueue(
    *,
    channel: Channel | str,
    destination: str,
    payload: dict[str, Any],
    idempotency_key: str,
    related_type: str = "",
    related_id: str | int = "",
    deliver_after: dt.datetime | None = None,
) -> OutboxMessage:
    """Write a message to the outbox as part of the caller's transaction; deliver it after commit.

    Must be called inside `transaction.atomic()` (services are): a rollback then discards
    the message with the change that caused it, and nothing is sent. The idempotency key
    names the message for ever (e.g. "service_request:1234:acknowledgement"): enqueueing
    the same key again returns the existing message, and enqueueing it with a different
    destination or payload raises OutboxKeyConflictError. `deliver_after` holds the
    message back until then (a reminder); by default it is due at once.
    """
    if not transaction.get_connection().in_atomic_block:
        raise OutboxTransactionRequiredError(
            "outbox_enqueue must run inside the caller's transaction.atomic(), so that the message "
            "is committed or rolled back together with the change that caused it."
        )
    if channel not in constants.SUPPORTED_CHANNELS:
        raise _invalid(f"Townhall cannot send {channel!r} messages yet.")
    channel = Channel(channel)
    destination = destination.strip()
    payload = _validated_payload(channel, destination, payload)
    if not idempotency_key or len(idempotency_key) > constants.MAX_IDEMPOTENCY_KEY_LENGTH:
        raise _invalid(f"The idempotency key must be 1 to {constants.MAX_IDEMPOTENCY_KEY_LENGTH} characters.")

    existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_message_or_conflict(existing, channel=channel, destination=destination, payload=payload)

    message = OutboxMessage(
        channel=channel,
        destination=destination,
        payload=payload,
        idempotency_key=idempotency_key,
        related_type=related_type,
        related_id=str(related_id),
        next_attempt_at=deliver_after or timezone.now(),
    )
    message.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():  # a savepoint: losing a race on the key must not spoil the caller's transaction
            message.save(force_insert=True)
    except IntegrityError:
        existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _same_message_or_conflict(existing, channel=channel, destination=destination, payload=payload)
    _on_commit_schedule(message.pk, deliver_after if deliver_after and deliver_after > timezone.now() else None)
    return message


def _same_message_or_conflict(
    existing: OutboxMessage, *, channel: Channel, destination: str, payload: dict[str, Any]
) -> OutboxMessage:
    if existing.redacted_at is not None and existing.channel == channel:
        return existing  # delivered long ago and redacted: still the same message
    if (existing.channel, existing.destination, existing.payload) != (channel, destination, payload):
        raise OutboxKeyConflictError(
            f"The idempotency key {existing.idempotency_key!r} already names a different message "
            f"(outbox message {existing.pk})."
        )
    return existing


def email_enqueue(
    *,
    to: str,
    subject: str,
    text: str,
    idempotency_key: str,
    html: str = "",
    unsubscribe_url: str = "",
    related_type: str = "",
    related_id: str | int = "",
) -> OutboxMessage:
    """An email through the outbox (SMTP, or GOV.UK Notify when NOTIFY_EMAIL_BACKEND says so).

    `unsubscribe_url` (https) becomes the List-Unsubscribe and List-Unsubscribe-Post headers
    (RFC 8058 one-click) over SMTP, so mail clients offer their own unsubscribe button; the
    address must accept a POST of `List-Unsubscribe=One-Click`. GOV.UK Notify sets no custom
    headers, so there only the link in the body remains.
    """
    payload: dict[str, Any] = {"subject": subject, "text": text}
    if html:
        payload["html"] = html
    if unsubscribe_url:
        payload["unsubscribe_url"] = unsubscribe_url
    return outbox_enqueue(
        channel=Channel.EMAIL,
        destination=to,
        payload=payload,
        idempotency_key=idempotency_key,
        related_type=related_type,
        related_id=related_id,
    )


def sms_enqueue(
    *, phone_number: str, text: str, idempotency_key: str, related_type: str = "", related_id: str | int = ""
) -> OutboxMessage:
    """A text message through GOV.UK Notify."""
    return outbox_enqueue(
        channel=Channel.SMS,
        destination=phone_number,
        payload={"text": text},
        idempotency_key=idempotency_key,
        related_type=related_type,
        related_id=related_id,
    )


def letter_enqueue(
    *,
    address_lines: list[str],
    subject: str,
    text: str,
    idempotency_key: str,
    related_type: str = "",
    related_id: str | int = "",
) -> OutboxMessage:
    """A letter, printed and posted by GOV.UK Notify (NOTIFY_LETTER_TEMPLATE_ID: a template with
    ((subject)) and ((body))). `address_lines` start with the name and end with the postcode."""
    return outbox_enqueue(
        channel=Channel.LETTER,
        destination=", ".join(address_lines),
        payload={"address_lines": list(address_lines), "subject": subject, "text": text},
        idempotency_key=idempotency_key,
        related_type=related_type,
        related_id=related_id,
    )


def webhook_enqueue(
    *,
    endpoint_slug: str,
    event_type: str,
    body: Any,
    idempotency_key: str,
    related_type: str = "",
    related_id: str | int = "",
) -> OutboxMessage:
    """A signed webhook to an active endpoint; the URL is taken from the endpoint now."""
    endpoint = WebhookEndpoint.objects.filter(slug=endpoint_slug, is_active=True).first()
    if endpoint is None:
        raise WebhookEndpointNotFoundError(f"There is no active webhook endpoint {endpoint_slug!r}.")
    return outbox_enqueue(
        channel=Channel.WEBHOOK,
        destination=endpoint.slug,
        payload={"url": endpoint.url, "event_type": event_type, "body": body},
        idempotency_key=idempotency_key,
        related_type=related_type,
        related_id=related_id,
    )


# --- messages to residents with an account ---------------------------------------------


def correspondence_send(
    *,
    recipient: User,
    subject: str,
    text: str,
    idempotency_key: str,
    topic: Topic | None = None,
    html: str = "",
    related_type: str = "",
    related_id: str | int = "",
) -> Correspondence | None:
    """Send a message to an account holder and keep their copy for the account inbox.

    `topic` None means essential (the resident caused it): sent by email whatever their
    preferences. With a topic, the resident's communication preferences decide the channel
    or that nothing is sent (returns None, and no outbox row or copy is written). Like
    outbox_enqueue, must run inside the caller's transaction; the same idempotency key
    returns the copy already made.
    """
    existing = Correspondence.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    route = myaccount_selectors.contact_route(user=recipient, topic=topic)
    if route is None:
        logger.info("Not sent: user %s opted out of %s messages (%s).", recipient.pk, topic, idempotency_key)
        return None
    message: OutboxMessage | None = None
    if route.channel == Channel.SMS:
        message = sms_enqueue(
            phone_number=route.destination,
            text=f"{subject}\n\n{text}",
            idempotency_key=idempotency_key,
            related_type=related_type,
            related_id=related_id,
        )
    elif route.channel == Channel.EMAIL:
        message = email_enqueue(
            to=route.destination,
            subject=subject,
            text=text,
            html=html,
            idempotency_key=idempotency_key,
            related_type=related_type,
            related_id=related_id,
        )
    elif route.channel == Channel.LETTER:
        message = letter_enqueue(
            address_lines=list(route.address_lines),
            subject=subject,
            text=text,
            idempotency_key=idempotency_key,
            related_type=related_type,
            related_id=related_id,
        )
    return _correspondence_copy(
        Correspondence(
            recipient=recipient,
            channel=route.channel,
            topic=topic or "",
            subject=subject[:200],
            body_text=text,
            body_html=html,
            idempotency_key=idempotency_key,
            outbox_message=message,
            related_type=related_type,
            related_id=str(related_id),
        )
    )


def _correspondence_copy(copy: Correspondence) -> Correspondence:
    """Store the account holder's copy, written with its outbox row in the caller's transaction."""
    copy.full_clean(validate_unique=False, validate_constraints=False)
    copy.save(force_insert=True)
    return copy


def correspondence_letter_send(
    *,
    recipient: User,
    address_lines: list[str],
    subject: str,
    text: str,
    inbox_text: str,
    idempotency_key: str,
    related_type: str = "",
    related_id: str | int = "",
) -> Correspondence:
    """An essential letter to an account holder whose account copy must not hold what the letter
    does (a PIN that proves the address): the letter goes to GOV.UK Notify, `inbox_text` to the inbox."""
    existing = Correspondence.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    message = letter_enqueue(
        address_lines=address_lines,
        subject=subject,
        text=text,
        idempotency_key=idempotency_key,
        related_type=related_type,
        related_id=related_id,
    )
    return _correspondence_copy(
        Correspondence(
            recipient=recipient,
            channel=Channel.LETTER,
            subject=subject[:200],
            body_text=inbox_text,
            idempotency_key=idempotency_key,
            outbox_message=message,
            related_type=related_type,
            related_id=str(related_id),
        )
    )


@transaction.atomic
def correspondence_mark_read(*, recipient: User, correspondence_id: int) -> Correspondence | None:
    """Mark one of the recipient's own messages as read (None: not theirs, or no such message)."""
    found = Correspondence.objects.select_for_update().filter(pk=correspondence_id, recipient=recipient).first()
    if found is not None and found.read_at is None:
        found.read_at = timezone.now()
        found.save(update_fields=["read_at"])
    return found


@transaction.atomic
def correspondence_mark_all_read(*, recipient: User) -> int:
    return Correspondence.objects.filter(recipient=recipient, read_at__isnull=True).update(read_at=timezone.now())


# --- delivery ---------------------------------------------------------------------------


def retry_delay(*, attempt: int, base: dt.timedelta, cap: dt.timedelta, fraction: float) -> dt.timedelta:
    """How long to wait after failed attempt number `attempt` (1, 2, …).

    Exponential (base, 2 x base, 4 x base ... up to cap) with "equal jitter": half the delay is
    fixed and the other half is `fraction` (0 to 1, random in use) of it, so messages that
    failed together during an outage do not all retry in the same second.
    """
    seconds = min(cap.total_seconds(), base.total_seconds() * 2 ** min(max(attempt, 1) - 1, 40))
    return dt.timedelta(seconds=seconds * (0.5 + 0.5 * fraction))


def _safe_error(text: str, message: OutboxMessage) -> str:
    """The error as stored: no recipient, no email addresses, bounded length.

    A webhook's destination is a partner's endpoint, not a person, so it may be named.
    """
    if message.destination and message.channel != Channel.WEBHOOK:
        text = text.replace(message.destination, "[recipient]")
    text = _EMAIL_ADDRESS.sub("[email address]", text)
    return text[: constants.MAX_ERROR_LENGTH]


def _clock(now: dt.datetime | None) -> Clock:
    """A fixed time for tests and replays, or the real one."""
    return (lambda: now) if now is not None else timezone.now


def _release_expired_claims(*, now: dt.datetime, config: OutboxSettings) -> int:
    """Make messages claimable again whose worker died or overran its lease mid-send."""
    expired = OutboxMessage.objects.filter(state=MessageState.SENDING, locked_until__lt=now)
    released = {"claim_token": None, "locked_until": None, "last_error": RELEASED_CLAIM_ERROR}
    dead = expired.filter(attempts__gte=config.max_attempts).update(state=MessageState.DEAD, **released)
    retrying = expired.update(state=MessageState.RETRYING, next_attempt_at=now, **released)
    if dead or retrying:
        logger.warning("Released %s expired outbox claims (%s now dead).", dead + retrying, dead)
    return dead + retrying


def _claim(
    *, now: dt.datetime, config: OutboxSettings, limit: int, message_ids: list[int] | None = None
) -> list[OutboxMessage]:
    """Take up to `limit` due messages for this worker alone and return them."""
    token = uuid.uuid4()
    with transaction.atomic():
        due = OutboxMessage.objects.filter(state__in=CLAIMABLE_STATES, next_attempt_at__lte=now)
        if message_ids is not None:
            due = due.filter(pk__in=message_ids)
        candidates = due.order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # The conditional UPDATE is the claim itself where SKIP LOCKED does not exist (SQLite):
        # a row another worker claimed in the meantime no longer matches and is left alone.
        due.filter(pk__in=ids).update(
            state=MessageState.SENDING,
            attempts=F("attempts") + 1,
            claim_token=token,
            locked_until=now + config.lease,
            last_attempt_at=now,
        )
    return list(OutboxMessage.objects.filter(claim_token=token).order_by("next_attempt_at", "pk"))


def _record_delivery(message: OutboxMessage, *, reference: str, now: dt.datetime) -> None:
    fields = {
        "state": MessageState.DELIVERED,
        "delivered_at": now,
        "provider_reference": reference[:200],
        "claim_token": None,
        "locked_until": None,
        "last_error": "",
    }
    if OutboxMessage.objects.filter(pk=message.pk, claim_token=message.claim_token).update(**fields):
        return
    # The lease ended before we got here and the sweep released the claim. Unless another
    # worker has claimed it since (attempts would have moved on), it is still ours to mark.
    late = Q(state__in=[MessageState.RETRYING, MessageState.DEAD], attempts=message.attempts)
    if OutboxMessage.objects.filter(late, pk=message.pk).update(**fields):
        logger.warning("Outbox message %s was delivered after its claim expired.", message.pk)
    else:
        logger.warning(
            "Outbox message %s was delivered after another worker claimed it: it may arrive twice.", message.pk
        )


def _record_failure(
    message: OutboxMessage, *, error: str, permanent: bool, now: dt.datetime, config: OutboxSettings
) -> MessageState:
    dead = permanent or message.attempts >= config.max_attempts
    next_attempt_at = now
    if not dead:
        fraction = _jitter.random()
        next_attempt_at = now + retry_delay(
            attempt=message.attempts, base=config.retry_base, cap=config.retry_cap, fraction=fraction
        )
    state = MessageState.DEAD if dead else MessageState.RETRYING
    updated = OutboxMessage.objects.filter(pk=message.pk, claim_token=message.claim_token).update(
        state=state,
        next_attempt_at=next_attempt_at,
        claim_token=None,
        locked_until=None,
        last_error=_safe_error(error, message),
    )
    if not updated:
        logger.warning("Outbox message %s failed after its claim expired; the sweep has it.", message.pk)
        return state
    if dead:
        logger.warning(
            "Outbox message %s is dead after %s attempt(s): %s",
            message.pk,
            message.attempts,
            _safe_error(error, message),
        )
    else:
        _on_commit_schedule(message.pk, next_attempt_at)
    return state


def _attempt(message: OutboxMessage, *, senders: Senders, now: Clock, config: OutboxSettings) -> MessageState:
    """Send one claimed message and record the outcome: delivered, retrying or dead."""
    try:
        reference = senders.for_channel(message.channel).send(message)
    except DeliveryError as error:
        return _record_failure(message, error=str(error), permanent=error.permanent, now=now(), config=config)
    except Exception as error:
        # A bug in a backend must not leave the message claimed until its lease ends.
        logger.exception("Outbox message %s: unexpected error while sending.", message.pk)
        text = f"Unexpected error in Townhall while sending: {type(error).__name__}."
        return _record_failure(message, error=text, permanent=False, now=now(), config=config)
    _record_delivery(message, reference=reference, now=now())
    return MessageState.DELIVERED


def _deliver(messages: list[OutboxMessage], *, now: Clock, config: OutboxSettings) -> DeliveryReport:
    report = DeliveryReport(claimed=len(messages))
    senders = Senders(config)
    try:
        for message in messages:
            outcome = _attempt(message, senders=senders, now=now, config=config)
            if outcome == MessageState.DELIVERED:
                report.delivered += 1
            elif outcome == MessageState.RETRYING:
                report.retrying += 1
            else:
                report.dead += 1
    finally:
        senders.close()
    return report


def outbox_message_deliver(*, message_id: int, now: dt.datetime | None = None) -> DeliveryReport:
    """Deliver one message if it is due and nobody else holds it (the per-message task)."""
    config = outbox_settings()
    clock = _clock(now)
    claimed = _claim(now=clock(), config=config, limit=1, message_ids=[message_id])
    return _deliver(claimed, now=clock, config=config)


def outbox_deliver_due(*, now: dt.datetime | None = None, limit: int | None = None) -> DeliveryReport:
    """One sweep: release expired claims, then claim and deliver up to `limit` due messages.

    `now` fixes the clock (tests, or catching up after an outage); by default it is real time.
    """
    config = outbox_settings()
    clock = _clock(now)
    released = _release_expired_claims(now=clock(), config=config)
    claimed = _claim(now=clock(), config=config, limit=limit or config.batch_size)
    report = _deliver(claimed, now=clock, config=config)
    report.released = released
    return report


def outbox_deliver_until_idle(
    *, now: dt.datetime | None = None, limit: int | None = None, max_batches: int = 10_000
) -> DeliveryReport:
    """Sweep batch after batch until nothing is due (each failure moves its message into the future)."""
    total = DeliveryReport()
    for _ in range(max_batches):
        report = outbox_deliver_due(now=now, limit=limit)
        total.add(report)
        if not report.claimed:
            break
    return total


# --- staff actions and housekeeping ----------------------------------------------------


def outbox_record_as_history(*, after_id: int) -> int:
    """Record the pending messages written after `after_id` as delivered when they were written.

    For generated history only: the demo borough replays residents' past actions (consultation
    responses, welcome messages) through the real services, so their receipts are outbox rows;
    they belong to the past, and starting the server must not send dozens of them now. Returns
    how many were marked.
    """
    return OutboxMessage.objects.filter(pk__gt=after_id, state=MessageState.PENDING).update(
        state=MessageState.DELIVERED, delivered_at=F("created_at"), provider_reference="history (not sent)"
    )


def outbox_message_resend(*, acting_user: User, message_id: int) -> OutboxMessage:
    """Give a dead message a fresh set of attempts, audited; delivered messages are never resent.

    A webhook goes to its endpoint's current URL, so correcting a wrong URL and resending works.
    """
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            raise OutboxMessage.DoesNotExist(f"There is no outbox message {message_id}.")
        if message.state != MessageState.DEAD:
            raise OutboxMessageNotResendableError(
                f"Only dead messages can be resent; message {message.pk} is {message.get_state_display().lower()}."
            )
        if message.redacted_at is not None:
            raise OutboxMessageNotResendableError(
                f"Message {message.pk} cannot be resent: its contents were removed under the retention rule."
            )
        attempts_before = message.attempts
        if message.channel == Channel.WEBHOOK:
            endpoint = WebhookEndpoint.objects.filter(slug=message.destination).first()
            if endpoint is not None:
                message.payload = {**message.payload, "url": endpoint.url}
        message.state = MessageState.PENDING
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.save(update_fields=["state", "attempts", "next_attempt_at", "payload"])
        audit_record(
            actor=acting_user,
            action=constants.ACTION_MESSAGE_RESENT,
            object_type=constants.OBJECT_TYPE_MESSAGE,
            object_id=message.pk,
            reason=f"Dead after {attempts_before} attempt(s).",
        )
        _on_commit_schedule(message.pk)
    return message


def outbox_redact_expired(*, now: dt.datetime | None = None) -> int:
    """Remove destinations and payloads of messages finished longer ago than NOTIFY_RETENTION_DAYS.

    The rows stay, with their idempotency keys, so a late re-enqueue is still recognised
    and counts still add up; only the personal data goes. Returns how many were redacted.
    """
    moment = now or timezone.now()
    cutoff = moment - outbox_settings().retention
    finished = Q(state=MessageState.DELIVERED, delivered_at__lt=cutoff) | Q(
        state=MessageState.DEAD, last_attempt_at__lt=cutoff
    )
    return OutboxMessage.objects.filter(finished, redacted_at__isnull=True).update(
        destination="", payload={}, redacted_at=moment
    )


def _validated_endpoint_url(url: str) -> str:
    """https, except on this machine (tests, a local receiver): a webhook may carry personal data."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS):
        return url
    raise ValidationError({"url": "Webhook URLs must start with https:// (plain http only to this machine)."})


def webhook_endpoint_create(*, acting_user: User | None, slug: str, name: str, url: str) -> tuple[WebhookEndpoint, str]:
    """Register a partner's webhook endpoint; return it and its signing secret (shown this once)."""
    secret = new_webhook_secret()
    endpoint = WebhookEndpoint(
        slug=slug, name=name, url=_validated_endpoint_url(url), secret_encrypted=encrypt_secret(secret)
    )
    endpoint.full_clean()
    with transaction.atomic():
        endpoint.save(force_insert=True)
        audit_record(
            actor=acting_user,
            action=constants.ACTION_ENDPOINT_CREATED,
            object_type=constants.OBJECT_TYPE_ENDPOINT,
            object_id=endpoint.pk,
            reason=f"Webhook endpoint {endpoint.slug}.",
        )
    return endpoint, secret


def webhook_endpoint_rotate_secret(*, acting_user: User | None, slug: str) -> str:
    """Replace an endpoint's signing secret; the partner must switch to the returned one."""
    secret = new_webhook_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(slug=slug).first()
        if endpoint is None:
            raise WebhookEndpointNotFoundError(f"There is no webhook endpoint {slug!r}.")
        endpoint.secret_encrypted = encrypt_secret(secret)
        endpoint.save(update_fields=["secret_encrypted"])
        audit_record(
            actor=acting_user,
            action=constants.ACTION_ENDPOINT_SECRET_ROTATED,
            object_type=constants.OBJECT_TYPE_ENDPOINT,
            object_id=endpoint.pk,
            reason=f"Webhook endpoint {endpoint.slug}.",
        )
    return secret
