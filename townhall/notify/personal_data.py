"""Personal data notify holds about a resident: their inbox copies and the messages sent to them.

Registered by NotifyConfig.ready(); see townhall/core/personal_data.py. Outbox rows
carry no user id: the resident's are those their correspondence points at, plus those
addressed to their account's email address.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction, ErasureItem, Tables
from townhall.notify.constants import CLAIMABLE_STATES, MessageState
from townhall.notify.models import Correspondence, OutboxMessage


def _outbox_for(user: AbstractBaseUser) -> QuerySet[OutboxMessage]:
    linked = Correspondence.objects.filter(recipient_id=user.pk, outbox_message__isnull=False).values(
        "outbox_message_id"
    )
    email = str(getattr(user, "email", "") or "")
    addressed = Q(destination__iexact=email) if email else Q(pk__in=[])
    return OutboxMessage.objects.filter(Q(pk__in=linked) | addressed).order_by("pk")


class CorrespondenceProvider(personal_data.PersonalDataProvider):
    label = "Messages we sent you"
    covers: ClassVar[tuple[str, ...]] = ("notify.Correspondence.recipient",)
    erase_order = 10

    def collect(self, user: AbstractBaseUser) -> Tables:
        return {
            "Your inbox": personal_data.model_rows(Correspondence.objects.filter(recipient_id=user.pk).order_by("pk")),
            # Redacted rows still say a message was sent, when, and its state; their address and body are gone.
            "Emails and text messages sent to you": personal_data.model_rows(
                _outbox_for(user), exclude=["claim_token"]
            ),
        }

    def withheld(self) -> list[str]:
        return [
            "the delivery worker's claim token on a message (an internal lock, not information about you)",
            "the address and body of messages sent before our retention period (already deleted)",
        ]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        now = timezone.now()
        outbox = _outbox_for(user)
        ids = list(outbox.values_list("pk", flat=True))
        # Not yet sent: cancel, so nothing goes to an address we are erasing.
        OutboxMessage.objects.filter(pk__in=ids, state__in=CLAIMABLE_STATES).update(
            state=MessageState.DEAD, last_attempt_at=now, last_error="Cancelled: the recipient's data was erased."
        )
        redacted = OutboxMessage.objects.filter(pk__in=ids, redacted_at__isnull=True).update(
            destination="", payload={}, redacted_at=now
        )
        copies, _ = Correspondence.objects.filter(recipient_id=user.pk).delete()
        return [
            ErasureItem(self.label, "Your inbox (copies of messages we sent you)", ErasureAction.DELETED, copies),
            ErasureItem(
                self.label,
                "Emails and text messages sent to you (address and content removed; the record of sending stays)",
                ErasureAction.ANONYMISED,
                redacted,
            ),
        ]


def register() -> None:
    personal_data.register(CorrespondenceProvider())
