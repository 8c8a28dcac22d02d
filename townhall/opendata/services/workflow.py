"""The publishing workflow behind /staff/open-data/: draft → in review → published (now or at a set time) → withdrawn.

Who does what (permissions.py): drafters (team managers and data stewards) create drafts,
change them, add links and submit them for review; only data stewards (and administrators)
approve, schedule, send back, withdraw, restore, and change a dataset once it has left draft.
Four eyes: a steward cannot approve a dataset they submitted themselves; an administrator may
(a council whose open data team is one person), and the audit entry says so.

A scheduled dataset is active with `scheduled_publication_at` ahead: every public read already
hides it until then (selectors._public_q) and its `published_at` is that time, so Insight's
"datasets published" counts it in the right month without waiting for any job.
`scheduled_publications_release` (`townhall opendata publish-scheduled`, every few minutes)
then stamps `metadata_modified` so harvesters that ask "what changed since" see it arrive.

Every change is one transaction with its audit entry; the audit log is the history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.audit.services import audit_record
from townhall.opendata.models import Dataset, DatasetState, Licence, Publisher, Resource, Theme
from townhall.opendata.permissions import can_approve_own_submission, can_draft_datasets, can_manage_datasets
from townhall.opendata.selectors import staff as staff_selectors

# The catalogue's own write steps, shared so a dataset is written the same way from every door.
from townhall.opendata.services import (
    OBJECT_DATASET,
    OBJECT_RESOURCE,
    Actor,
    DatasetFields,
    ResourceFields,
    _resource_save,
    _write,
)

REASON_MAX_LENGTH = 2000


@dataclass
class DatasetDetails:
    """What the staff form edits; the rest of the dataset (state, extras, geometry…) is kept as it is."""

    title: str
    name: str
    notes: str
    publisher: Publisher
    licence: Licence
    themes: list[Theme] = field(default_factory=list)
    tag_names: list[str] = field(default_factory=list)
    frequency: str = ""
    temporal_start: dt.date | None = None
    temporal_end: dt.date | None = None
    spatial_label: str = ""
    contact_name: str = ""
    contact_email: str = ""
    landing_page: str = ""


def can_edit(user: Actor, dataset: Dataset) -> bool:
    """Stewards change any dataset; other drafters only drafts (once submitted, it is the reviewer's)."""
    if can_manage_datasets(user):
        return True
    return can_draft_datasets(user) and dataset.state == DatasetState.DRAFT


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_drafter(acting_user: Actor) -> None:
    _require(acting_user is None or can_draft_datasets(acting_user), "Only data stewards and drafters can do this.")


def _require_steward(acting_user: Actor) -> None:
    _require(acting_user is None or can_manage_datasets(acting_user), "Only data stewards can do this.")


def _lock(dataset: Dataset) -> Dataset:
    return Dataset.objects.select_for_update().get(pk=dataset.pk)


def _expect(dataset: Dataset, allowed: bool, message: str) -> None:
    """A transition that does not fit the dataset's current stage is refused, naming what would."""
    if not allowed:
        raise ValidationError(message, code="invalid_transition")


def _audit(acting_user: Actor, action: str, dataset: Dataset, reason: str = "") -> None:
    audit_record(
        actor=acting_user,
        action=f"opendata.dataset.{action}",
        object_type=OBJECT_DATASET,
        object_id=str(dataset.pk),
        reason=reason,
    )


def _fields(details: DatasetDetails, kept: Dataset | None) -> DatasetFields:
    """The whole dataset as the services write it: the form's details plus everything the form does not show."""
    fields = DatasetFields(
        name=details.name,
        title=details.title,
        publisher=details.publisher,
        licence=details.licence,
        notes=details.notes,
        state=DatasetState.DRAFT,
        landing_page=details.landing_page,
        contact_name=details.contact_name,
        contact_email=details.contact_email,
        frequency=details.frequency,
        temporal_start=details.temporal_start,
        temporal_end=details.temporal_end,
        spatial_label=details.spatial_label,
        tag_names=details.tag_names,
        themes=details.themes,
    )
    if kept is not None:
        fields.state = kept.state
        fields.private = kept.private
        fields.version = kept.version
        fields.spatial_geojson = kept.spatial_geojson
        fields.withdrawn_reason = kept.withdrawn_reason
        fields.scheduled_publication_at = kept.scheduled_publication_at
        fields.extras = kept.extras
    return fields


@transaction.atomic
def draft_create(*, acting_user: Actor, details: DatasetDetails) -> Dataset:
    """A new dataset, always a draft: nothing reaches the public without a steward's review."""
    _require_drafter(acting_user)
    now = timezone.now()
    dataset = Dataset(metadata_created=now)
    _write(dataset, _fields(details, None), now=now)
    _audit(acting_user, "created", dataset)
    return dataset


@transaction.atomic
def details_update(*, acting_user: Actor, dataset: Dataset, details: DatasetDetails) -> Dataset:
    """Change the dataset's description; its stage, schedule and files stay as they are."""
    locked = _lock(dataset)
    _require(acting_user is None or can_edit(acting_user, locked), "Only data stewards can change this dataset now.")
    _write(locked, _fields(details, locked), now=timezone.now())
    _audit(acting_user, "updated", locked)
    return locked


@transaction.atomic
def link_add(*, acting_user: Actor, dataset: Dataset, fields: ResourceFields) -> Resource:
    """Add a link to data held elsewhere, at the end of the dataset's list of files and links."""
    locked = _lock(dataset)
    _require(acting_user is None or can_edit(acting_user, locked), "Only data stewards can change this dataset now.")
    now = timezone.now()
    resource = Resource(dataset=locked, created=now)
    _resource_save(resource, fields, position=Resource.objects.filter(dataset=locked).count(), now=now)
    locked.metadata_modified = now
    locked.save(update_fields=["metadata_modified"])
    audit_record(
        actor=acting_user, action="opendata.resource.created", object_type=OBJECT_RESOURCE, object_id=str(resource.pk)
    )
    return resource


@transaction.atomic
def submit(*, acting_user: Actor, dataset: Dataset) -> Dataset:
    """Draft → in review. A dataset needs at least one file or link: there is nothing to review otherwise."""
    _require_drafter(acting_user)
    locked = _lock(dataset)
    _expect(locked, locked.state == DatasetState.DRAFT, "Only a draft can be submitted for review.")
    if not Resource.objects.filter(dataset=locked).exists():
        raise ValidationError("Add at least one file or link before you submit the dataset for review.")
    locked.state = DatasetState.IN_REVIEW
    locked.metadata_modified = timezone.now()
    locked.save(update_fields=["state", "metadata_modified"])
    _audit(acting_user, "submitted", locked)
    return locked


def _reason(text: str, *, missing: str, key: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({key: [missing]})
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationError({key: [f"Use {REASON_MAX_LENGTH} characters or fewer."]})
    return text


@transaction.atomic
def send_back(*, acting_user: Actor, dataset: Dataset, comment: str) -> Dataset:
    """In review → draft, with the steward's comment on what to change (kept in the audit log, shown to the team)."""
    _require_steward(acting_user)
    comment = _reason(comment, missing="Say what needs to change before it can be published.", key="comment")
    locked = _lock(dataset)
    _expect(locked, locked.state == DatasetState.IN_REVIEW, "Only a dataset in review can be sent back.")
    locked.state = DatasetState.DRAFT
    locked.metadata_modified = timezone.now()
    locked.save(update_fields=["state", "metadata_modified"])
    _audit(acting_user, "returned", locked, comment)
    return locked


@transaction.atomic
def approve(*, acting_user: Actor, dataset: Dataset, publish_at: dt.datetime | None = None) -> Dataset:
    """In review → published now, or at `publish_at` (which must be ahead). Four eyes, unless an administrator."""
    _require_steward(acting_user)
    locked = _lock(dataset)
    _expect(locked, locked.state == DatasetState.IN_REVIEW, "Only a dataset in review can be approved.")
    own = acting_user is not None and staff_selectors.submitter_id(dataset=locked) == acting_user.pk
    if own and not can_approve_own_submission(acting_user):
        raise ValidationError("You submitted this dataset, so another data steward must approve it.", code="own")
    now = timezone.now()
    if publish_at is not None and publish_at <= now:
        raise ValidationError({"publish_at": ["The publication time must be in the future."]})
    locked.state = DatasetState.ACTIVE
    locked.withdrawn_reason = ""
    locked.scheduled_publication_at = publish_at
    if locked.published_at is None:
        locked.published_at = publish_at or now
    locked.metadata_modified = now
    locked.full_clean()
    locked.save()
    reason = (
        f"Scheduled for {timezone.localtime(publish_at).strftime('%d/%m/%Y %H:%M')} UK time."
        if publish_at is not None
        else "Published."
    )
    if own:
        reason += " Approved by the administrator who submitted it."
    _audit(acting_user, "approved", locked, reason)
    return locked


def _scheduled(dataset: Dataset, now: dt.datetime) -> bool:
    return (
        dataset.state == DatasetState.ACTIVE
        and dataset.scheduled_publication_at is not None
        and dataset.scheduled_publication_at > now
    )


@transaction.atomic
def publish_now(*, acting_user: Actor, dataset: Dataset) -> Dataset:
    """A scheduled dataset goes out straight away; its first-publication date becomes now."""
    _require_steward(acting_user)
    locked = _lock(dataset)
    now = timezone.now()
    _expect(locked, _scheduled(locked, now), "Only a dataset scheduled for publication can be published early.")
    if locked.published_at == locked.scheduled_publication_at:
        locked.published_at = now
    locked.scheduled_publication_at = None
    locked.metadata_modified = now
    locked.save(update_fields=["published_at", "scheduled_publication_at", "metadata_modified"])
    _audit(acting_user, "published", locked, "Published before its scheduled time.")
    return locked


@transaction.atomic
def schedule_cancel(*, acting_user: Actor, dataset: Dataset) -> Dataset:
    """A scheduled dataset goes back to review, unpublished (as if never approved)."""
    _require_steward(acting_user)
    locked = _lock(dataset)
    now = timezone.now()
    _expect(locked, _scheduled(locked, now), "Only a scheduled dataset can have its publication cancelled.")
    if locked.published_at == locked.scheduled_publication_at:
        locked.published_at = None
    locked.scheduled_publication_at = None
    locked.state = DatasetState.IN_REVIEW
    locked.metadata_modified = now
    locked.save(update_fields=["published_at", "scheduled_publication_at", "state", "metadata_modified"])
    _audit(acting_user, "schedule_cancelled", locked)
    return locked


@transaction.atomic
def withdraw(*, acting_user: Actor, dataset: Dataset, reason: str) -> Dataset:
    """Published → withdrawn: it leaves lists and search but its page stays, saying why (links keep working)."""
    _require_steward(acting_user)
    reason = _reason(reason, missing="Say why the dataset is being withdrawn.", key="reason")
    locked = _lock(dataset)
    now = timezone.now()
    published = locked.state == DatasetState.ACTIVE and not _scheduled(locked, now)
    _expect(locked, published, "Only a published dataset can be withdrawn.")
    locked.state = DatasetState.WITHDRAWN
    locked.withdrawn_reason = reason
    locked.metadata_modified = now
    locked.save(update_fields=["state", "withdrawn_reason", "metadata_modified"])
    _audit(acting_user, "withdrawn", locked, reason)
    return locked


@transaction.atomic
def restore(*, acting_user: Actor, dataset: Dataset) -> Dataset:
    """Withdrawn → published again; its first-publication date stays."""
    _require_steward(acting_user)
    locked = _lock(dataset)
    _expect(locked, locked.state == DatasetState.WITHDRAWN, "Only a withdrawn dataset can be published again.")
    locked.state = DatasetState.ACTIVE
    locked.withdrawn_reason = ""
    locked.metadata_modified = timezone.now()
    locked.save(update_fields=["state", "withdrawn_reason", "metadata_modified"])
    _audit(acting_user, "restored", locked)
    return locked


def scheduled_publications_release(*, now: dt.datetime | None = None) -> list[str]:
    """Datasets whose publication time has passed: stamp them changed and clear the schedule. Names released.

    Visibility never waits for this (reads compare the time); it only moves `metadata_modified`
    to when the dataset actually appeared, so "changed since" harvesters pick it up. Safe to rerun.
    """
    now = now or timezone.now()
    released = []
    with transaction.atomic():
        due = Dataset.objects.select_for_update().filter(
            state=DatasetState.ACTIVE, scheduled_publication_at__isnull=False, scheduled_publication_at__lte=now
        )
        for dataset in due.order_by("scheduled_publication_at", "pk"):
            dataset.scheduled_publication_at = None
            dataset.metadata_modified = now
            dataset.save(update_fields=["scheduled_publication_at", "metadata_modified"])
            _audit(None, "published", dataset, "Its scheduled publication time was reached.")
            released.append(dataset.name)
    return released
