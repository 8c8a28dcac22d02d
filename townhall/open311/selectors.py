"""Reads of Open311 client state: which API key a client presented, what a token points at."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from townhall.open311.models import ApiKey, Token, api_key_digest
from townhall.service_requests.constants import Status
from townhall.service_requests.models import RequestPhoto, RequestUpdate, ServiceRequest


def api_key_for(*, raw_key: str) -> ApiKey | None:
    """The key a client presented, revoked or not (the caller refuses revoked keys), or None if unknown."""
    raw_key = raw_key.strip()
    if not raw_key:
        return None
    return ApiKey.objects.filter(key_hash=api_key_digest(raw_key)).first()


def api_key_by_name(*, name: str) -> ApiKey | None:
    return ApiKey.objects.filter(name=name).first()


def api_keys() -> list[ApiKey]:
    return list(ApiKey.objects.order_by("name"))


def token_get(*, token: str) -> Token | None:
    """The token with its request (public fields only are rendered by the caller)."""
    return Token.objects.select_related("service_request").filter(token=token).first()


def public_updates(*, start: dt.datetime, end: dt.datetime, offset: int, limit: int) -> list[RequestUpdate]:
    """Updates the public may see, made between start and end, oldest first: status changes and public
    messages on public requests in public categories that are live (not awaiting confirmation).

    Internal notes are never loaded. Each row has `status_then` (the request's status once the
    update was made) and its public photos; the moderated text is the caller's to choose.
    """
    status_then = (
        RequestUpdate.objects.filter(request=OuterRef("request_id"), created_at__lte=OuterRef("created_at"))
        .exclude(status_to="")
        .order_by("-created_at", "-id")
        .values("status_to")[:1]
    )
    found = (
        RequestUpdate.objects.filter(
            created_at__gte=start,
            created_at__lte=end,
            request__is_public=True,
            request__category__is_public=True,
            request__awaiting_confirmation=False,
        )
        .filter(~Q(status_to="") | ~Q(public_message=""))
        .select_related("request")
        .only("id", "created_at", "status_to", "public_message", "redacted_message", "request__reference")
        .annotate(status_then=Coalesce(Subquery(status_then), Value(Status.OPEN.value)))
        .prefetch_related(
            Prefetch("photos", queryset=RequestPhoto.objects.filter(is_public=True).only("id", "update_id"))
        )
        .order_by("created_at", "id")
    )
    return list(found[offset : offset + limit])


def public_photo_ids(*, request_ids: list[int]) -> dict[int, list[int]]:
    """Ids of the public photos of each request (request-level and its updates'), in order, in one query."""
    found: dict[int, list[int]] = {}
    rows = RequestPhoto.objects.filter(request_id__in=request_ids, is_public=True).order_by("order", "id")
    for request_id, photo_id in rows.values_list("request_id", "id"):
        found.setdefault(request_id, []).append(photo_id)
    return found


def request_for_update(*, reference: str) -> ServiceRequest | None:
    """The live request a partner system posts an update about (any request it knows the reference of)."""
    return ServiceRequest.objects.filter(reference=reference.strip().upper(), awaiting_confirmation=False).first()


def api_key_get(*, api_key_id: int) -> ApiKey | None:
    return ApiKey.objects.filter(pk=api_key_id).first()


def last_used_cache_key(api_key_id: int) -> str:
    return f"open311:api_key:last_used:{api_key_id}"


def api_keys_last_used(*, keys: list[ApiKey]) -> dict[int, dt.datetime]:
    """When each key last made a POST, as far as the cache remembers (see services.api_key_use_record)."""
    found = cache.get_many([last_used_cache_key(key.pk) for key in keys])
    return {key.pk: found[last_used_cache_key(key.pk)] for key in keys if last_used_cache_key(key.pk) in found}
