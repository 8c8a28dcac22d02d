"""Reads for the publishing back office at /staff/open-data/: datasets by stage, and each one's history.

A dataset's *stage* is what the open data team works with: draft, in review, scheduled
(approved, waiting for its publication time), published, withdrawn. "Scheduled" is not a
state of its own: it is an active dataset whose `scheduled_publication_at` is still ahead,
so the public pages and the API hide it by the same rule (selectors._public_q).

History comes from the audit log, the one record every door writes (these pages, the CKAN
API, the scheduled jobs); the comment a steward sends a draft back with is that entry's reason.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.opendata.models import Dataset, DatasetState, Licence, Publisher, Resource, Theme

# The audit vocabulary: object types the services write, and the workflow's own actions.
DATASET_OBJECT = "opendata.dataset"
RESOURCE_OBJECT = "opendata.resource"
ACTION_SUBMITTED = "opendata.dataset.submitted"
ACTION_RETURNED = "opendata.dataset.returned"

ACTION_LABELS = {
    "opendata.dataset.created": "Created",
    "opendata.dataset.updated": "Details changed",
    "opendata.dataset.state_changed": "State changed",
    "opendata.dataset.deleted": "Deleted",
    ACTION_SUBMITTED: "Submitted for review",
    ACTION_RETURNED: "Sent back to draft",
    "opendata.dataset.approved": "Approved",
    "opendata.dataset.published": "Published",
    "opendata.dataset.schedule_cancelled": "Scheduled publication cancelled",
    "opendata.dataset.withdrawn": "Withdrawn",
    "opendata.dataset.restored": "Published again",
    "opendata.resource.created": "File or link added",
    "opendata.resource.updated": "File or link changed",
}
SYSTEM_ACTOR = "Townhall (scheduled job or import)"


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    tag_class: str


STAGES: dict[str, Stage] = {
    stage.key: stage
    for stage in (
        Stage("draft", "Draft", "govuk-tag--grey"),
        Stage("in_review", "In review", "govuk-tag--blue"),
        Stage("scheduled", "Scheduled", "govuk-tag--purple"),
        Stage("published", "Published", "govuk-tag--green"),
        Stage("withdrawn", "Withdrawn", "govuk-tag--red"),
    )
}


def _stage_q(key: str, now: dt.datetime) -> Q:
    future = Q(scheduled_publication_at__gt=now)
    return {
        "draft": Q(state=DatasetState.DRAFT),
        "in_review": Q(state=DatasetState.IN_REVIEW),
        "scheduled": Q(state=DatasetState.ACTIVE) & future,
        "published": Q(state=DatasetState.ACTIVE) & ~future,
        "withdrawn": Q(state=DatasetState.WITHDRAWN),
    }[key]


def stage_of(dataset: Dataset, *, now: dt.datetime | None = None) -> Stage:
    """The dataset's stage (see the module docstring); deleted datasets never reach these pages."""
    now = now or timezone.now()
    if dataset.state == DatasetState.ACTIVE:
        scheduled = dataset.scheduled_publication_at is not None and dataset.scheduled_publication_at > now
        return STAGES["scheduled" if scheduled else "published"]
    return STAGES[dataset.state]


def _not_deleted() -> QuerySet[Dataset]:
    return Dataset.objects.exclude(state=DatasetState.DELETED)


@dataclass(frozen=True)
class StageCount:
    stage: Stage
    count: int


def stage_counts(*, publisher: Publisher | None = None) -> list[StageCount]:
    """How many datasets are at each stage (of one publisher, if given), in one query."""
    now = timezone.now()
    found = _not_deleted()
    if publisher is not None:
        found = found.filter(publisher=publisher)
    counts = found.aggregate(**{key: Count("pk", filter=_stage_q(key, now)) for key in STAGES})
    return [StageCount(stage, counts[key]) for key, stage in STAGES.items()]


def staff_datasets(*, stage: str = "", publisher: Publisher | None = None) -> QuerySet[Dataset]:
    """The back office list: every dataset but deleted ones, most recently changed first."""
    found = _not_deleted().select_related("publisher")
    if stage in STAGES:
        found = found.filter(_stage_q(stage, timezone.now()))
    if publisher is not None:
        found = found.filter(publisher=publisher)
    return found.order_by("-metadata_modified", "pk")


def staff_dataset(*, dataset_id: uuid.UUID) -> Dataset | None:
    return (
        _not_deleted()
        .select_related("publisher", "licence")
        .prefetch_related("themes", "tags")
        .filter(pk=dataset_id)
        .first()
    )


def dataset_resources(*, dataset: Dataset) -> list[Resource]:
    return list(Resource.objects.filter(dataset=dataset).order_by("position", "created"))


def publishers() -> list[Publisher]:
    return list(Publisher.objects.order_by("title", "name"))


def publisher_by_name(*, name: str) -> Publisher | None:
    return Publisher.objects.filter(name=name).first() if name else None


def themes() -> QuerySet[Theme]:
    return Theme.objects.order_by("title", "name")


def licences() -> QuerySet[Licence]:
    return Licence.objects.order_by("-is_default", "title")


# --- the workflow's memory, from the audit log ------------------------------------------------------


def _dataset_entries(dataset: Dataset) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=DATASET_OBJECT, object_id=str(dataset.pk))


def submitter_id(*, dataset: Dataset) -> int | None:
    """Who last submitted the dataset for review (for the four-eyes check); None if not through the pages."""
    entry = _dataset_entries(dataset).filter(action=ACTION_SUBMITTED).order_by("-sequence").first()
    return entry.actor_id if entry is not None else None


def return_comment(*, dataset: Dataset) -> str:
    """What the steward said when sending this draft back, until it is submitted again."""
    if dataset.state != DatasetState.DRAFT:
        return ""
    entry = (
        _dataset_entries(dataset).filter(action__in=[ACTION_SUBMITTED, ACTION_RETURNED]).order_by("-sequence").first()
    )
    return entry.reason if entry is not None and entry.action == ACTION_RETURNED else ""


@dataclass(frozen=True)
class HistoryItem:
    occurred_at: dt.datetime
    what: str
    who: str
    detail: str


def _names(actor_ids: set[int]) -> dict[int, str]:
    people = User.objects.filter(pk__in=actor_ids).only("pk", "email", "given_name", "family_name")
    return {person.pk: person.get_full_name() or person.email for person in people}


def dataset_history(*, dataset: Dataset) -> list[HistoryItem]:
    """Everything that happened to the dataset and its files or links, newest first, whoever did it and how."""
    resource_ids = [str(pk) for pk in Resource.objects.filter(dataset=dataset).values_list("pk", flat=True)]
    entries = list(
        AuditEntry.objects.filter(
            Q(object_type=DATASET_OBJECT, object_id=str(dataset.pk))
            | Q(object_type=RESOURCE_OBJECT, object_id__in=resource_ids)
        ).order_by("-sequence")
    )
    names = _names({entry.actor_id for entry in entries if entry.actor_id is not None})
    return [
        HistoryItem(
            occurred_at=entry.occurred_at,
            what=ACTION_LABELS.get(entry.action, entry.action.rsplit(".", 1)[-1].replace("_", " ").capitalize()),
            who=SYSTEM_ACTOR
            if entry.actor_id is None
            else names.get(entry.actor_id, f"Former member of staff ({entry.actor_role})"),
            detail=entry.reason,
        )
        for entry in entries
    ]
