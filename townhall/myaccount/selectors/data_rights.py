"""Reads for data rights: a resident's downloads and erasure, and the review queue for information governance."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from townhall.accounts.models import User
from townhall.core.personal_data import ErasureAction, ErasureItem
from townhall.myaccount.constants import ErasureState, ExportState
from townhall.myaccount.models import DataExport, ErasureRequest


def data_exports_for(*, user: User) -> list[DataExport]:
    return list(DataExport.objects.filter(user=user).order_by("-requested_at", "-id"))


def data_export_pending(*, user: User) -> DataExport | None:
    return DataExport.objects.filter(user=user, state=ExportState.PENDING).first()


def access_data_export_for_download(*, user: User, export_id: int, now: dt.datetime | None = None) -> DataExport | None:
    """The owner's READY, unexpired download, or None (someone else's, expired, failed or missing)."""
    return (
        DataExport.objects.filter(
            pk=export_id, user=user, state=ExportState.READY, expires_at__gt=now or timezone.now()
        )
        .exclude(file_name="")
        .first()
    )


def erasure_outcome(*, erasure_request: ErasureRequest) -> list[ErasureItem]:
    return [ErasureItem.from_dict(item) for item in erasure_request.outcome]


def erasure_retained(*, erasure_request: ErasureRequest) -> list[ErasureItem]:
    return [item for item in erasure_outcome(erasure_request=erasure_request) if item.action == ErasureAction.RETAINED]


def erasure_requests_awaiting_review() -> list[ErasureRequest]:
    return list(ErasureRequest.objects.filter(state=ErasureState.AWAITING_REVIEW).order_by("requested_at", "id"))


def erasure_request_for_review(*, erasure_request_id: int) -> ErasureRequest | None:
    return ErasureRequest.objects.select_related("reviewed_by").filter(pk=erasure_request_id).first()
