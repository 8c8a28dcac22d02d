"""Reads of the Citizen Index for other code: citizens by id, golden records, counts, and demo extracts.

Other apps hold a citizen id (`CIT-…`), never a source system's id; `citizen_current`
follows merges so an id held elsewhere still finds the person after a merge.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

from django.db.models import Count, Q

from townhall.people.constants import CitizenStatus, ReviewDecision
from townhall.people.models import (
    Citizen,
    CitizenEvent,
    GoldenRecord,
    LinkageRun,
    ReviewPair,
    SourceRecord,
    SourceSystem,
)


def citizen_by_id(citizen_id: str) -> Citizen | None:
    """The citizen with this id, active or retired."""
    return Citizen.objects.filter(citizen_id=citizen_id).select_related("superseded_by").first()


def citizen_current(citizen_id: str) -> Citizen | None:
    """The active citizen this id stands for now: itself, or the citizen it was merged into."""
    citizen = citizen_by_id(citizen_id)
    seen = set()
    while citizen is not None and citizen.superseded_by_id is not None and citizen.pk not in seen:
        seen.add(citizen.pk)
        citizen = Citizen.objects.filter(pk=citizen.superseded_by_id).first()
    return citizen if citizen is not None and citizen.status == CitizenStatus.ACTIVE else None


def golden_record(citizen_id: str) -> GoldenRecord | None:
    return GoldenRecord.objects.filter(citizen__citizen_id=citizen_id).select_related("citizen").first()


def citizen_for_source_record(source: str, source_id: str) -> Citizen | None:
    """The citizen a source system's record is linked to; None when deleted or not linked yet."""
    record = (
        SourceRecord.objects.filter(source_system__code=source, source_id=source_id, deleted_at__isnull=True)
        .select_related("citizen")
        .first()
    )
    return record.citizen if record is not None else None


def citizen_source_records(citizen_id: str) -> list[SourceRecord]:
    return list(
        SourceRecord.objects.filter(citizen__citizen_id=citizen_id, deleted_at__isnull=True)
        .select_related("source_system")
        .order_by("source_system__trust_rank", "source_id")
    )


def citizen_events(citizen_id: str) -> list[CitizenEvent]:
    """Events about a citizen or naming it as predecessor or successor, oldest first."""
    return list(
        CitizenEvent.objects.filter(
            Q(citizen__citizen_id=citizen_id)
            | Q(predecessors__citizen_id=citizen_id)
            | Q(successors__citizen_id=citizen_id)
        )
        .distinct()
        .select_related("citizen", "run")
        .prefetch_related("predecessors", "successors")
        .order_by("occurred_at", "pk")
    )


@dataclass(frozen=True)
class SourceCounts:
    code: str
    name: str
    trust_rank: int
    active: int
    deleted: int
    linked: int


def source_record_counts() -> list[SourceCounts]:
    """Per source: active records, deleted records, and active records linked to a citizen."""
    rows = SourceSystem.objects.annotate(
        active=Count("records", filter=Q(records__deleted_at__isnull=True)),
        deleted=Count("records", filter=Q(records__deleted_at__isnull=False)),
        linked=Count("records", filter=Q(records__deleted_at__isnull=True, records__citizen__isnull=False)),
    ).order_by("trust_rank", "code")
    return [SourceCounts(s.code, s.name, s.trust_rank, s.active, s.deleted, s.linked) for s in rows]


def active_citizen_count() -> int:
    return Citizen.objects.filter(status=CitizenStatus.ACTIVE).count()


def linkage_run_latest() -> LinkageRun | None:
    return LinkageRun.objects.order_by("-started_at", "-pk").first()


def review_pair_by_id(pair_id: int) -> ReviewPair | None:
    return (
        ReviewPair.objects.filter(pk=pair_id)
        .select_related(
            "record_low__source_system", "record_high__source_system", "record_low__citizen", "record_high__citizen"
        )
        .first()
    )


def review_pairs_pending_count() -> int:
    return ReviewPair.objects.filter(decision=ReviewDecision.PENDING).count()


def review_pairs_pending(*, limit: int = 50) -> list[ReviewPair]:
    """The review queue, most likely matches first."""
    return list(
        ReviewPair.objects.filter(decision=ReviewDecision.PENDING)
        .select_related("record_low__source_system", "record_high__source_system")
        .order_by("-match_probability", "pk")[:limit]
    )


# ---------------------------------------------------------------------------------------------
# Synthetic extracts for the demo borough and benchmarks (no database reads)


def synthetic_source_id(source: str, record_id: str) -> str:
    """An opaque, stable id for a synthetic record, so demo ids do not give away the ground truth."""
    return source[:2].upper() + hashlib.sha256(record_id.encode()).hexdigest()[:12].upper()


@dataclass(frozen=True)
class SyntheticExtracts:
    """One CSV per demo source (in that source's column names) and the truth: (source, source id) -> person."""

    files: dict[str, bytes]
    truth: dict[tuple[str, str], int]


def synthetic_source_extracts(*, records: int, seed: int, mappings: dict[str, dict[str, str]]) -> SyntheticExtracts:
    """About `records` synthetic records split into the demo sources' extracts, written with each mapping.

    Sources not in `mappings` are left out. Reuses townhall.people.synthetic (households,
    twins, nicknames, typos, movers) so linkage can be measured against the truth.
    """
    from townhall.people.synthetic import synthetic_records

    buffers = {source: io.StringIO(newline="") for source in mappings}
    writers = {source: csv.writer(buffer) for source, buffer in buffers.items()}
    truth: dict[tuple[str, str], int] = {}
    for source, mapping in mappings.items():
        writers[source].writerow(list(mapping.values()))
    for record in sorted(synthetic_records(records=records, seed=seed), key=lambda r: r.record_id):
        if record.source_system not in mappings:
            continue
        source_id = synthetic_source_id(record.source_system, record.record_id)
        row = {**record.as_row(), "source_id": source_id, "deleted": ""}
        writers[record.source_system].writerow([row[field] for field in mappings[record.source_system]])
        truth[(record.source_system, source_id)] = record.person_id
    return SyntheticExtracts(
        files={source: buffer.getvalue().encode("utf-8") for source, buffer in buffers.items()}, truth=truth
    )
