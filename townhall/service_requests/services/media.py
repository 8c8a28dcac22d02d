"""Photos on requests, updates and drafts, and the clean-up of photo and document files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from townhall.service_requests.models import RequestDocument, RequestPhoto, RequestUpdate, ServiceRequest
from townhall.service_requests.photos import MAX_PHOTOS, PreparedPhoto

DRAFT_PHOTO_LIFETIME = dt.timedelta(days=1)


def _photo_owner_count(*, request: ServiceRequest | None, draft_key: str, update: RequestUpdate | None) -> int:
    if request is None:
        return RequestPhoto.objects.filter(request__isnull=True, draft_key=draft_key).count()
    return RequestPhoto.objects.filter(request=request, update=update).count()


@transaction.atomic
def request_photo_store(
    *,
    prepared: PreparedPhoto,
    request: ServiceRequest | None = None,
    draft_key: str = "",
    update: RequestUpdate | None = None,
    order: int = 1,
) -> RequestPhoto:
    """Store a prepared photo on a request (or an update of it), or on a draft report still being written.

    At most MAX_PHOTOS per report (per update for updates). The file gets a random name;
    if the row cannot be written the file is removed again.
    """
    if (request is None) == (not draft_key):
        raise ValueError("A photo belongs to a request or to a draft, not both or neither.")
    if update is not None and (request is None or update.request_id != request.pk):
        raise ValueError("An update's photo belongs to the update's request.")
    if _photo_owner_count(request=request, draft_key=draft_key, update=update) >= MAX_PHOTOS:
        raise ValidationError({"photo": f"You can add up to {MAX_PHOTOS} photos"})
    photo = RequestPhoto(
        request=request,
        update=update,
        draft_key=draft_key if request is None else "",
        content_type=prepared.content_type,
        width=prepared.width,
        height=prepared.height,
        size_bytes=prepared.size_bytes,
        original_name=prepared.original_name[:255],
        exif_lat=prepared.exif_lat,
        exif_lng=prepared.exif_lng,
        uploaded_at=timezone.now(),
        order=order,
    )
    photo.image.save("photo.jpg", ContentFile(prepared.content), save=False)
    try:
        photo.save()
    except Exception:
        photo.image.delete(save=False)
        raise
    return photo


@transaction.atomic
def draft_photos_attach(*, draft_key: str, request: ServiceRequest) -> int:
    """Move a submitted draft's photos onto its new request, numbered in upload order; how many moved."""
    photos = list(RequestPhoto.objects.filter(request__isnull=True, draft_key=draft_key).order_by("uploaded_at", "id"))
    for number, photo in enumerate(photos[:MAX_PHOTOS], start=1):
        photo.request = request
        photo.draft_key = ""
        photo.order = number
        photo.save(update_fields=["request", "draft_key", "order"])
    return min(len(photos), MAX_PHOTOS)


def draft_photo_remove(*, draft_key: str, photo_id: int) -> bool:
    """Remove one photo from a draft (the resident pressed "Remove"); False when it is not that draft's."""
    photo = RequestPhoto.objects.filter(pk=photo_id, request__isnull=True, draft_key=draft_key).first()
    if photo is None or not draft_key:
        return False
    photos_delete([photo])
    return True


def photos_delete(photos: Sequence[RequestPhoto]) -> None:
    """Rows first; files once the deletion has committed (a rollback must not leave rows without files)."""
    files = [(photo.image.storage, photo.image.name) for photo in photos if photo.image.name]
    RequestPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(str(name))

    transaction.on_commit(remove_files)


@transaction.atomic
def draft_photos_delete_stale(*, now: dt.datetime | None = None) -> int:
    """Delete photos of drafts nobody submitted within a day (run daily: `townhall reports_cleanup`)."""
    cutoff = (now or timezone.now()) - DRAFT_PHOTO_LIFETIME
    stale = list(RequestPhoto.objects.filter(request__isnull=True, uploaded_at__lt=cutoff))
    photos_delete(stale)
    return len(stale)


# Files younger than this are left alone by the orphan sweep: their row may be in a transaction still running.
ORPHAN_FILE_GRACE = dt.timedelta(days=1)
_FILE_FOLDERS = ((RequestPhoto, "image", "request-photos"), (RequestDocument, "file", "request-documents"))


def media_orphans_delete(*, now: dt.datetime | None = None) -> int:
    """Delete photo and document files that no row points to, once older than a day (run daily).

    A file is written before its row, so a transaction that rolls back after storing a photo
    (a later photo refused, the database gone) leaves the file behind; this is where it goes.
    """
    cutoff = (now or timezone.now()) - ORPHAN_FILE_GRACE
    deleted = 0
    for model, field_name, folder in _FILE_FOLDERS:
        storage = model._meta.get_field(field_name).storage  # type: ignore[union-attr]
        if not storage.exists(folder):
            continue
        _, names = storage.listdir(folder)
        candidates = {f"{folder}/{name}" for name in names}
        known = set(model.objects.filter(**{f"{field_name}__in": candidates}).values_list(field_name, flat=True))
        for name in sorted(candidates - known):
            if storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                deleted += 1
    return deleted
