"""Personal data engagement holds about a resident: their consultation responses.

Registered by EngagementConfig.ready(); see townhall/core/personal_data.py. Responses
made without signing in count as the resident's when they gave the account's email
address for a receipt. Erasure keeps the chosen answers (they are part of results
already published and of the consultation record) but removes the link to the person:
the account, the email address, and any free-text answers, which may name them.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction, ErasureItem, Tables
from townhall.engagement.models import Answer, Response

ANONYMISED_REASON = (
    "Your chosen answers still count in the consultation results (they are part of the consultation "
    "record), but they are no longer linked to you: your account and email address were removed from "
    "them, and your free-text answers were deleted."
)


def _yours(user: AbstractBaseUser) -> Q:
    email = str(getattr(user, "email", "") or "").strip()
    mine = Q(user_id=user.pk)
    return mine | Q(user__isnull=True, email__iexact=email) if email else mine


class ConsultationResponsesProvider(personal_data.PersonalDataProvider):
    label = "Your consultation responses"
    covers: ClassVar[tuple[str, ...]] = ("engagement.Response.user",)

    def collect(self, user: AbstractBaseUser) -> Tables:
        responses = Response.objects.filter(_yours(user)).order_by("pk")
        answers = Answer.objects.filter(response__in=responses).order_by("pk")
        return {
            "Consultations you responded to": personal_data.model_rows(responses),
            "Your answers": personal_data.model_rows(answers),
        }

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        responses = Response.objects.filter(_yours(user))
        ids = list(responses.values_list("pk", flat=True))
        deleted_text, _ = Answer.objects.filter(response_id__in=ids, option__isnull=True).delete()
        count = Response.objects.filter(pk__in=ids).update(user=None, email="", anonymised_at=timezone.now())
        if not count:
            return [ErasureItem(self.label, "Consultation responses", ErasureAction.DELETED, 0)]
        return [
            ErasureItem(
                self.label,
                "Consultation responses (kept in the results, no longer linked to you)",
                ErasureAction.ANONYMISED,
                count,
                ANONYMISED_REASON,
                needs_review=False,
            ),
            ErasureItem(self.label, "Your free-text answers", ErasureAction.DELETED, deleted_text),
        ]


def register() -> None:
    personal_data.register(ConsultationResponsesProvider())
    personal_data.exempt(
        "engagement.Consultation.created_by", "Names the member of staff who set up a consultation, about their work."
    )
