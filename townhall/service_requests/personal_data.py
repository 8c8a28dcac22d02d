"""Personal data service_requests holds about a resident: their reports, updates, follows, alerts and blocks.

Registered by ServiceRequestsConfig.ready(); see townhall/core/personal_data.py. Reports
are council records with a retention period of their own, so erasure removes the
reporter's name and contact details and keeps the rest for information governance to
review. Follows and alerts made with the account's email address (before it had an
account, or without signing in) are the resident's too.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q

from townhall.core import personal_data
from townhall.core.personal_data import ErasureAction, ErasureItem, Tables
from townhall.service_requests.models import (
    AreaAlert,
    BlockedReporter,
    RequestAnswer,
    RequestPhoto,
    RequestSubscription,
    RequestUpdate,
    ServiceRequest,
)

REPORT_RETENTION = (
    "Service request records are kept for 6 years after closure (council retention schedule, Limitation Act "
    "1980); your name and contact details were removed from them."
)
UPDATE_RETENTION = (
    "Updates are part of the service request record, kept for 6 years after closure (council retention "
    "schedule, Limitation Act 1980); they are no longer linked to you."
)
PHOTO_RETENTION = (
    "Photos are part of the service request record, kept for 6 years after closure (council retention "
    "schedule, Limitation Act 1980); their original file names were removed."
)
BLOCK_RETENTION = (
    "A block on reporting stays while it is in force, to protect staff and the service from abuse "
    "(UK GDPR Art. 17(3)(e), legal claims, and Art. 6(1)(e) public task); an officer reviews it."
)


def _email(user: AbstractBaseUser) -> str:
    return str(getattr(user, "email", "") or "").strip().lower()


def _by_user_or_email(user: AbstractBaseUser, user_field: str = "user") -> Q:
    email = _email(user)
    by_user = Q(**{f"{user_field}_id": user.pk})
    return by_user | Q(email__iexact=email) if email else by_user


class ReportsProvider(personal_data.PersonalDataProvider):
    label = "Your reports"
    covers: ClassVar[tuple[str, ...]] = (
        "service_requests.ServiceRequest.reporter",
        "service_requests.RequestUpdate.author",
    )

    def collect(self, user: AbstractBaseUser) -> Tables:
        requests = ServiceRequest.objects.filter(reporter_id=user.pk).order_by("pk")
        request_ids = list(requests.values_list("pk", flat=True))
        own_updates = RequestUpdate.objects.filter(author_id=user.pk).order_by("pk")
        photos = RequestPhoto.objects.filter(Q(request_id__in=request_ids) | Q(update__author_id=user.pk)).order_by(
            "pk"
        )
        return {
            "Reports you made": personal_data.model_rows(requests, exclude=["confirmation_digest"]),
            "Your answers to our questions": personal_data.model_rows(
                RequestAnswer.objects.filter(request_id__in=request_ids).order_by("pk")
            ),
            "Updates you wrote": personal_data.model_rows(own_updates),
            "Updates from the council on your reports": personal_data.model_rows(
                RequestUpdate.objects.filter(request_id__in=request_ids).exclude(author_id=user.pk).order_by("pk"),
                exclude=["internal_note", "author_id"],
            ),
            "Photos (details of each photo)": personal_data.model_rows(photos),
        }

    def withheld(self) -> list[str]:
        return [
            "the confirmation code of a report confirmed by email (a one-time secret, used already)",
            "internal notes staff wrote on your reports, and which officer wrote each update: ask for them "
            "with a subject access request, which staff review",
            "the photos themselves (this download lists them; ask us for copies)",
        ]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        request_ids = list(ServiceRequest.objects.filter(reporter_id=user.pk).values_list("pk", flat=True))
        photos = RequestPhoto.objects.filter(Q(request_id__in=request_ids) | Q(update__author_id=user.pk))
        photo_count = photos.update(original_name="")
        updates = RequestUpdate.objects.filter(author_id=user.pk).update(author=None)
        requests = ServiceRequest.objects.filter(pk__in=request_ids).update(
            reporter=None, contact_name="", contact_email="", contact_phone=""
        )
        items = []
        if requests:
            items.append(
                ErasureItem(self.label, "Reports you made", ErasureAction.RETAINED, requests, REPORT_RETENTION)
            )
        if updates:
            items.append(
                ErasureItem(self.label, "Updates you wrote", ErasureAction.RETAINED, updates, UPDATE_RETENTION)
            )
        if photo_count:
            items.append(ErasureItem(self.label, "Photos", ErasureAction.RETAINED, photo_count, PHOTO_RETENTION))
        if not items:
            items.append(ErasureItem(self.label, "Reports you made", ErasureAction.DELETED, 0))
        return items


class FollowingProvider(personal_data.PersonalDataProvider):
    label = "Reports you follow"
    covers: ClassVar[tuple[str, ...]] = ("service_requests.RequestSubscription.user",)

    def collect(self, user: AbstractBaseUser) -> Tables:
        rows = RequestSubscription.objects.filter(_by_user_or_email(user)).order_by("pk")
        return {"Reports you follow": personal_data.model_rows(rows)}

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        deleted, _ = RequestSubscription.objects.filter(_by_user_or_email(user)).delete()
        return [ErasureItem(self.label, "Reports you follow", ErasureAction.DELETED, deleted)]


class AreaAlertsProvider(personal_data.PersonalDataProvider):
    label = "Area alerts"
    covers: ClassVar[tuple[str, ...]] = ("service_requests.AreaAlert.user",)

    def collect(self, user: AbstractBaseUser) -> Tables:
        rows = AreaAlert.objects.filter(_by_user_or_email(user)).order_by("pk")
        return {"Area alerts": personal_data.model_rows(rows)}

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        deleted, _ = AreaAlert.objects.filter(_by_user_or_email(user)).delete()
        return [ErasureItem(self.label, "Area alerts", ErasureAction.DELETED, deleted)]


class ReportingBlocksProvider(personal_data.PersonalDataProvider):
    label = "Blocks on reporting"
    covers: ClassVar[tuple[str, ...]] = ("service_requests.BlockedReporter.user",)

    def collect(self, user: AbstractBaseUser) -> Tables:
        rows = BlockedReporter.objects.filter(_by_user_or_email(user)).order_by("pk")
        return {"Blocks on reporting": personal_data.model_rows(rows, exclude=["blocked_by_id"])}

    def withheld(self) -> list[str]:
        return ["which member of staff placed a block (their role is what matters; ask us if you need it)"]

    def erase(self, user: AbstractBaseUser) -> list[ErasureItem]:
        blocks = BlockedReporter.objects.filter(_by_user_or_email(user))
        lifted, _ = blocks.filter(lifted_at__isnull=False).delete()
        in_force = blocks.filter(lifted_at__isnull=True).count()
        items = [ErasureItem(self.label, "Blocks that were lifted", ErasureAction.DELETED, lifted)]
        if in_force:
            items.append(
                ErasureItem(self.label, "Blocks still in force", ErasureAction.RETAINED, in_force, BLOCK_RETENTION)
            )
        return items


def register() -> None:
    personal_data.register(ReportsProvider(), FollowingProvider(), AreaAlertsProvider(), ReportingBlocksProvider())
    staff = "Names the member of staff acting in their job, never a resident."
    for field in (
        "service_requests.ServiceRequest.recorded_by",
        "service_requests.ServiceRequest.assigned_officer",
        "service_requests.RequestDocument.uploaded_by",
        "service_requests.BlockedReporter.blocked_by",
        "service_requests.SavedFilter.owner",
    ):
        personal_data.exempt(field, staff)
