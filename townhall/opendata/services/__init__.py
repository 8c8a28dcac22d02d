"""Every write to the catalogue: datasets, their resources and state, and API tokens. Each is audited.

Publishers and themes are written by services/organisations.py, re-exported here.

The CKAN API, the future staff pages and imports all come through here, so a dataset
changes the same way whichever door it came in by. Only data stewards (and administrators)
may write (permissions.can_manage_datasets); `acting_user=None` is Townhall itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import User
from townhall.audit.services import audit_record
from townhall.insight import selectors as insight_selectors
from townhall.opendata.licences import ensure_standard_licences
from townhall.opendata.models import (
    ApiToken,
    Dataset,
    DatasetState,
    Frequency,
    Licence,
    Publisher,
    Resource,
    Tag,
    Theme,
    token_digest,
)
from townhall.opendata.permissions import can_manage_datasets
from townhall.opendata.services import versions
from townhall.opendata.services.organisations import OBJECT_PUBLISHER as OBJECT_PUBLISHER
from townhall.opendata.services.organisations import OBJECT_THEME as OBJECT_THEME
from townhall.opendata.services.organisations import publisher_create as publisher_create
from townhall.opendata.services.organisations import publisher_update as publisher_update
from townhall.opendata.services.organisations import theme_create as theme_create
from townhall.opendata.services.organisations import theme_update as theme_update
from townhall.service_requests import selectors as request_selectors

Actor = User | AnonymousUser | None

OBJECT_DATASET = "opendata.dataset"
OBJECT_RESOURCE = "opendata.resource"
OBJECT_API_TOKEN = "opendata.api_token"  # noqa: S105 - an audit object type, not a secret
TOKEN_PREFIX_LENGTH = 8


@dataclass
class ResourceFields:
    """One resource as a writer describes it; `id` names an existing resource to keep and change."""

    id: uuid.UUID | None = None
    name: str = ""
    description: str = ""
    url: str = ""
    format: str = ""
    mimetype: str = ""
    size: int | None = None
    hash: str = ""
    last_modified: dt.datetime | None = None
    upload: UploadedFile | None = None
    change_note: str = ""
    # A file versions.upload_check has already passed (a large one, checked in the background), in place of `upload`.
    checked: versions.CheckedFile | None = None


@dataclass
class DatasetFields:
    """A whole dataset as a writer describes it. `resources` None keeps the resources as they are."""

    name: str
    title: str
    publisher: Publisher
    licence: Licence
    notes: str = ""
    private: bool = False
    state: str = DatasetState.ACTIVE
    landing_page: str = ""
    version: str = ""
    contact_name: str = ""
    contact_email: str = ""
    frequency: str = ""
    temporal_start: dt.date | None = None
    temporal_end: dt.date | None = None
    spatial_label: str = ""
    spatial_geojson: Any = None
    withdrawn_reason: str = ""
    scheduled_publication_at: dt.datetime | None = None
    extras: list[dict[str, str]] = field(default_factory=list)
    tag_names: list[str] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    resources: list[ResourceFields] | None = None


SCALAR_FIELDS = (
    "name",
    "title",
    "notes",
    "private",
    "landing_page",
    "version",
    "contact_name",
    "contact_email",
    "frequency",
    "temporal_start",
    "temporal_end",
    "spatial_label",
    "spatial_geojson",
    "withdrawn_reason",
    "scheduled_publication_at",
    "extras",
)
WRITABLE_STATES = (DatasetState.DRAFT, DatasetState.IN_REVIEW, DatasetState.ACTIVE, DatasetState.WITHDRAWN)


def _require_steward(acting_user: Actor) -> None:
    if acting_user is not None and not can_manage_datasets(acting_user):
        raise PermissionDenied("Only data stewards can change datasets.")


def _tags(names: list[str]) -> list[Tag]:
    found = []
    errors = []
    for name in dict.fromkeys(name.strip() for name in names):
        tag = Tag.objects.filter(name=name).first()
        if tag is None:
            tag = Tag(name=name)
            try:
                tag.full_clean()
            except ValidationError as error:
                errors.extend(error.message_dict.get("name", []))
                continue
            tag.save(force_insert=True)
        found.append(tag)
    if errors:
        raise ValidationError({"tags": errors})
    return found


def _apply_state(dataset: Dataset, state: str, *, now: dt.datetime) -> None:
    """Move to `state`; publishing dates the first publication, withdrawing needs a reason."""
    if state not in WRITABLE_STATES:
        raise ValidationError({"state": [f"Choose one of: {', '.join(WRITABLE_STATES)}."]})
    if state == DatasetState.WITHDRAWN and not dataset.withdrawn_reason.strip():
        raise ValidationError({"withdrawn_reason": ["Say why the dataset is withdrawn."]})
    if state == DatasetState.ACTIVE and dataset.published_at is None:
        dataset.published_at = now
    if state != DatasetState.WITHDRAWN:
        dataset.withdrawn_reason = ""
    dataset.state = state


RESOURCE_COMPARED = ("name", "description", "format", "mimetype", "hash", "url", "size", "last_modified")


def _resource_save(
    resource: Resource, fields: ResourceFields, *, position: int, now: dt.datetime, acting_user: Actor = None
) -> None:
    """Write one resource; its metadata_modified moves only when something but its position changed.

    An uploaded file is validated before anything is written and becomes the resource's
    next version (services/versions.py); a rejected file raises versions.UploadRejectedError.
    """
    checked = fields.checked
    if checked is None and fields.upload is not None:
        checked = versions.upload_check(resource=resource, filename=fields.upload.name or "", content=fields.upload)
    before = {name: getattr(resource, name) for name in RESOURCE_COMPARED}
    had_upload = resource.upload.name or ""
    resource.name = fields.name
    resource.description = fields.description
    resource.format = fields.format.strip()
    resource.mimetype = fields.mimetype
    resource.hash = fields.hash
    resource.position = position
    if checked is not None:
        resource.url = ""
    elif fields.url or not resource.upload:
        resource.url = fields.url
        if resource.upload:
            resource.upload = None
            resource.current_version = None  # now a link; its versions stay downloadable
        resource.size = fields.size
        resource.last_modified = fields.last_modified
    if not resource.url and not resource.upload and checked is None:
        raise ValidationError({"url": ["Missing value"]})
    changed = (
        resource._state.adding
        or checked is not None
        or (resource.upload.name or "") != had_upload
        or any(getattr(resource, name) != before[name] for name in RESOURCE_COMPARED)
    )
    if changed:
        resource.metadata_modified = now
    resource.full_clean(exclude=["dataset", "current_version"])
    resource.save()
    if checked is not None:
        versions.version_record(
            acting_user=acting_user, resource=resource, checked=checked, change_note=fields.change_note
        )


def _sync_resources(
    dataset: Dataset, wanted: list[ResourceFields], *, now: dt.datetime, acting_user: Actor = None
) -> None:
    """Make the dataset's resources exactly `wanted`, in order: matched by id, new ones created, others removed."""
    existing = {resource.id: resource for resource in Resource.objects.filter(dataset=dataset)}
    kept = set()
    for position, fields in enumerate(wanted):
        resource = existing.get(fields.id) if fields.id else None
        if resource is None:
            if fields.id is not None and Resource.objects.filter(pk=fields.id).exists():
                raise ValidationError({"resources": [f"Resource {fields.id} belongs to another dataset."]})
            resource = Resource(dataset=dataset, created=now, **({"id": fields.id} if fields.id else {}))
        _resource_save(resource, fields, position=position, now=now, acting_user=acting_user)
        kept.add(resource.id)
    Resource.objects.filter(dataset=dataset).exclude(pk__in=kept).delete()


def _write(dataset: Dataset, fields: DatasetFields, *, now: dt.datetime, acting_user: Actor = None) -> None:
    for name in SCALAR_FIELDS:
        setattr(dataset, name, getattr(fields, name))
    dataset.publisher = fields.publisher
    dataset.licence = fields.licence
    dataset.metadata_modified = now
    _apply_state(dataset, fields.state, now=now)
    dataset.full_clean()
    dataset.save()
    dataset.tags.set(_tags(fields.tag_names))
    dataset.themes.set(fields.themes)
    if fields.resources is not None:
        _sync_resources(dataset, fields.resources, now=now, acting_user=acting_user)


@transaction.atomic
def dataset_create(*, acting_user: Actor, fields: DatasetFields, dataset_id: uuid.UUID | None = None) -> Dataset:
    """A new dataset (active unless `fields.state` says draft or in review). ValidationError by field."""
    _require_steward(acting_user)
    now = timezone.now()
    dataset = Dataset(metadata_created=now, **({"id": dataset_id} if dataset_id else {}))
    if dataset_id is not None and Dataset.objects.filter(pk=dataset_id).exists():
        raise ValidationError({"id": ["Dataset id already exists"]})
    _write(dataset, fields, now=now, acting_user=acting_user)
    audit_record(
        actor=acting_user, action="opendata.dataset.created", object_type=OBJECT_DATASET, object_id=str(dataset.pk)
    )
    return dataset


@transaction.atomic
def dataset_update(*, acting_user: Actor, dataset: Dataset, fields: DatasetFields) -> Dataset:
    """Replace the dataset's metadata with `fields` (CKAN's package_update; package_patch merges first)."""
    _require_steward(acting_user)
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    was = locked.state
    _write(locked, fields, now=timezone.now(), acting_user=acting_user)
    reason = f"State {was} → {locked.state}." if was != locked.state else ""
    audit_record(
        actor=acting_user,
        action="opendata.dataset.updated",
        object_type=OBJECT_DATASET,
        object_id=str(locked.pk),
        reason=reason,
    )
    return locked


@transaction.atomic
def dataset_delete(*, acting_user: Actor, dataset: Dataset) -> Dataset:
    """CKAN's package_delete: the dataset leaves every public view (state deleted); its rows stay."""
    _require_steward(acting_user)
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if locked.state != DatasetState.DELETED:
        locked.state = DatasetState.DELETED
        locked.metadata_modified = timezone.now()
        locked.save(update_fields=["state", "metadata_modified"])
        audit_record(
            actor=acting_user, action="opendata.dataset.deleted", object_type=OBJECT_DATASET, object_id=str(locked.pk)
        )
    return locked


@transaction.atomic
def dataset_state_change(*, acting_user: Actor, dataset: Dataset, state: str, reason: str = "") -> Dataset:
    """Submit for review, publish, withdraw (with `reason`) or return to draft."""
    _require_steward(acting_user)
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    was = locked.state
    if state == DatasetState.WITHDRAWN:
        locked.withdrawn_reason = reason
    _apply_state(locked, state, now=timezone.now())
    locked.metadata_modified = timezone.now()
    locked.full_clean()
    locked.save()
    audit_record(
        actor=acting_user,
        action=f"opendata.dataset.{'withdrawn' if state == DatasetState.WITHDRAWN else 'state_changed'}",
        object_type=OBJECT_DATASET,
        object_id=str(locked.pk),
        reason=f"State {was} → {locked.state}.",
    )
    return locked


def dataset_publish(*, acting_user: Actor, dataset: Dataset) -> Dataset:
    return dataset_state_change(acting_user=acting_user, dataset=dataset, state=DatasetState.ACTIVE)


def dataset_withdraw(*, acting_user: Actor, dataset: Dataset, reason: str) -> Dataset:
    return dataset_state_change(acting_user=acting_user, dataset=dataset, state=DatasetState.WITHDRAWN, reason=reason)


@transaction.atomic
def resource_create(*, acting_user: Actor, dataset: Dataset, fields: ResourceFields) -> Resource:
    """Add a resource at the end of the dataset's list (a link, or an uploaded file)."""
    _require_steward(acting_user)
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    now = timezone.now()
    if fields.id is not None and Resource.objects.filter(pk=fields.id).exists():
        raise ValidationError({"id": ["Resource id already exists"]})
    resource = Resource(dataset=locked, created=now, **({"id": fields.id} if fields.id else {}))
    _resource_save(
        resource,
        fields,
        position=Resource.objects.filter(dataset=locked).count(),
        now=now,
        acting_user=acting_user,
    )
    locked.metadata_modified = now
    locked.save(update_fields=["metadata_modified"])
    audit_record(
        actor=acting_user, action="opendata.resource.created", object_type=OBJECT_RESOURCE, object_id=str(resource.pk)
    )
    return resource


@transaction.atomic
def resource_update(*, acting_user: Actor, resource: Resource, fields: ResourceFields) -> Resource:
    """Replace a resource's description (resource_patch merges first); its position stays."""
    _require_steward(acting_user)
    locked = Resource.objects.select_for_update().get(pk=resource.pk)
    now = timezone.now()
    _resource_save(locked, fields, position=locked.position, now=now, acting_user=acting_user)
    Dataset.objects.filter(pk=locked.dataset_id).update(metadata_modified=now)
    audit_record(
        actor=acting_user, action="opendata.resource.updated", object_type=OBJECT_RESOURCE, object_id=str(locked.pk)
    )
    return locked


# --- API tokens ------------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, acting_user: Actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`: (the row, the token itself, shown once and never stored).

    People create their own; administrators and Townhall itself (`townhall apitoken`, acting_user None) any.
    """
    if acting_user is not None and acting_user.pk != user.pk and not getattr(acting_user, "is_superuser", False):
        raise PermissionDenied("You can only create API tokens for yourself.")
    if not user.is_active:
        raise ValidationError({"user": ["This account is closed."]})
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip(), token_prefix=raw[:TOKEN_PREFIX_LENGTH], token_hash=token_digest(raw))
    token.full_clean()
    token.save(force_insert=True)
    audit_record(
        actor=acting_user, action="opendata.api_token.created", object_type=OBJECT_API_TOKEN, object_id=str(token.pk)
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, acting_user: Actor, token: ApiToken) -> ApiToken:
    if acting_user is not None and acting_user.pk != token.user_id and not getattr(acting_user, "is_superuser", False):
        raise PermissionDenied("You can only revoke your own API tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=acting_user,
            action="opendata.api_token.revoked",
            object_type=OBJECT_API_TOKEN,
            object_id=str(token.pk),
        )
    return token


def licences_ensure() -> None:
    """Put back the standard licences (after the demo's wipe, as after a fresh migrate)."""
    ensure_standard_licences()


# --- datasets Townhall keeps up to date itself -------------------------------------------------------


@dataclass(frozen=True)
class PublishedFile:
    """A dataset made of one file that Townhall builds from its own data (or the demo generates)."""

    dataset_name: str
    title: str
    notes: str
    publisher_name: str
    publisher_title: str
    theme_name: str
    theme_title: str
    tags: tuple[str, ...]
    frequency: str
    file_name: str
    format: str
    mimetype: str


def _publisher_for(spec: PublishedFile) -> Publisher:
    found = Publisher.objects.filter(name=spec.publisher_name).first()
    return found or publisher_create(acting_user=None, name=spec.publisher_name, title=spec.publisher_title)


def _theme_for(spec: PublishedFile) -> Theme:
    found = Theme.objects.filter(name=spec.theme_name).first()
    return found or theme_create(acting_user=None, name=spec.theme_name, title=spec.theme_title)


@transaction.atomic
def dataset_file_publish(*, spec: PublishedFile, content: bytes) -> Dataset | None:
    """Create the dataset, or give it the new file when the content changed; None when nothing changed.

    The file's SHA-256 is kept as the resource hash, so a scheduled refresh that finds the
    same figures leaves the dataset (and its metadata_modified) alone.
    """
    digest = "sha256:" + hashlib.sha256(content).hexdigest()
    dataset = Dataset.objects.filter(name=spec.dataset_name).first()
    existing = dataset.resources.order_by("position").first() if dataset is not None else None
    if existing is not None and existing.hash == digest:
        return None
    licence = Licence.objects.filter(is_default=True).first()
    if licence is None:
        raise ValidationError({"license_id": ["No default licence is set up."]})
    upload = SimpleUploadedFile(spec.file_name, content, content_type=spec.mimetype)
    fields = DatasetFields(
        name=spec.dataset_name,
        title=spec.title,
        publisher=_publisher_for(spec),
        licence=licence,
        notes=spec.notes,
        frequency=spec.frequency,
        contact_name="Open data team",
        contact_email=settings.TOWNHALL_BRANDING.contact_email,
        tag_names=list(spec.tags),
        themes=[_theme_for(spec)],
        resources=[
            ResourceFields(
                id=existing.pk if existing is not None else None,
                name=spec.title,
                format=spec.format,
                mimetype=spec.mimetype,
                hash=digest,
                upload=upload,
            )
        ],
    )
    if dataset is None:
        return dataset_create(acting_user=None, fields=fields)
    return dataset_update(acting_user=None, dataset=dataset, fields=fields)


STATISTICS_MONTHS = 36
REQUEST_STATISTICS = PublishedFile(
    dataset_name="service-requests-by-ward-and-month",
    title="Service requests by ward, category and month",
    notes=(
        "How many problems residents reported to the council (potholes, fly-tipping, street lights and more) "
        "and how many were closed, each month for the last three years, by ward and category. Counts of 1 "
        "to 4 are left blank so that nobody can be identified. Refreshed every day from the council's "
        "service request system."
    ),
    publisher_name="customer-services",
    publisher_title="Customer Services",
    theme_name="council-performance",
    theme_title="Council performance",
    tags=("service requests", "performance", "wards"),
    frequency=Frequency.DAILY,
    file_name="service-requests-by-ward-and-month.csv",
    format="CSV",
    mimetype="text/csv",
)
WARD_BOUNDARIES = PublishedFile(
    dataset_name="ward-boundaries",
    title="Ward boundaries",
    notes="The outline of every electoral ward in the borough, with its GSS code, as GeoJSON (WGS84).",
    publisher_name="customer-services",
    publisher_title="Customer Services",
    theme_name="boundaries",
    theme_title="Boundaries and places",
    tags=("wards", "boundaries", "geography"),
    frequency=Frequency.IRREGULAR,
    file_name="ward-boundaries.geojson",
    format="GeoJSON",
    mimetype="application/geo+json",
)


def _request_statistics_csv(today: dt.date) -> bytes:
    first = today.replace(day=1)
    for _ in range(STATISTICS_MONTHS):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    cells = insight_selectors.requests_by_month_ward_category(first_month=first, last_day=today - dt.timedelta(days=1))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["month", "ward_code", "ward_name", "service_code", "category", "received", "closed"])
    for cell in cells:
        writer.writerow(
            [
                cell.month.strftime("%Y-%m"),
                cell.ward_code,
                cell.ward_name,
                cell.service_code,
                cell.category_name,
                "" if cell.received is None else cell.received,
                "" if cell.closed is None else cell.closed,
            ]
        )
    return buffer.getvalue().encode("utf-8")


def council_datasets_publish(*, today: dt.date | None = None) -> list[str]:
    """Refresh the datasets the council publishes from its own systems; returns the names that changed.

    Scheduled daily (`townhall opendata publish`); a dataset whose figures did not change is
    left as it is. Only aggregates leave: no row names or locates a person.
    """
    today = today or timezone.localdate()
    changed = []
    for spec, content in (
        (REQUEST_STATISTICS, _request_statistics_csv(today)),
        (WARD_BOUNDARIES, json.dumps(request_selectors.ward_outlines_geojson(), sort_keys=True).encode("utf-8")),
    ):
        if dataset_file_publish(spec=spec, content=content) is not None:
            changed.append(spec.dataset_name)
    return changed
