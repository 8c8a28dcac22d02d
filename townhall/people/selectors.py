"""Reads of the Citizen Index for other code: citizens by id, golden records, counts, and demo extracts.

Other apps hold a citizen id (`CIT-…`), never a source system's id; `citizen_current`
follows merges so an id held elsewhere still finds the person after a merge.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from townhall.accounts.models import User
from townhall.catalogue import selectors as catalogue
from townhall.people import quality
from townhall.people.constants import PERSON_FIELDS, CitizenStatus, ReviewDecision
from townhall.people.models import (
    AccountCitizenLink,
    Citizen,
    CitizenEvent,
    DataQualityIssue,
    DataQualitySnapshot,
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


def synthetic_source_extracts(
    *, records: int, seed: int, mappings: dict[str, dict[str, str]], hard_cases: bool = False
) -> SyntheticExtracts:
    """About `records` synthetic records split into the demo sources' extracts, written with each mapping.

    Sources not in `mappings` are left out. Reuses townhall.people.synthetic (households,
    twins, nicknames, typos, movers; with `hard_cases`, juniors and recent movers) so
    linkage can be measured against the truth.
    """
    from townhall.people.synthetic import synthetic_records

    buffers = {source: io.StringIO(newline="") for source in mappings}
    writers = {source: csv.writer(buffer) for source, buffer in buffers.items()}
    truth: dict[tuple[str, str], int] = {}
    for source, mapping in mappings.items():
        writers[source].writerow(list(mapping.values()))
    for record in sorted(
        synthetic_records(records=records, seed=seed, hard_cases=hard_cases), key=lambda r: r.record_id
    ):
        if record.source_system not in mappings:
            continue
        source_id = synthetic_source_id(record.source_system, record.record_id)
        row = {**record.as_row(), "source_id": source_id, "deleted": ""}
        writers[record.source_system].writerow([row[field] for field in mappings[record.source_system]])
        truth[(record.source_system, source_id)] = record.person_id
    return SyntheticExtracts(
        files={source: buffer.getvalue().encode("utf-8") for source, buffer in buffers.items()}, truth=truth
    )


# ---------------------------------------------------------------------------------------------
# Data quality (definitions in quality.py; figures stored by services.data_quality_measure)


@dataclass(frozen=True)
class FieldQuality:
    field: str
    filled: int
    records: int
    valid: int | None
    checked: int | None

    @property
    def label(self) -> str:
        return self.field.replace("_", " ").capitalize()

    @property
    def completeness(self) -> float | None:
        return quality.share((self.filled, self.records))

    @property
    def validity(self) -> float | None:
        return quality.share((self.valid or 0, self.checked or 0))


@dataclass(frozen=True)
class SourceQuality:
    """The latest figures of one source, its owner, and how long its issues took to correct."""

    source: SourceSystem
    owner: str
    snapshot: DataQualitySnapshot | None
    fields: list[FieldQuality]
    completeness: float | None
    validity: float | None
    issues_open: int
    time_to_correct: quality.TimeToCorrect
    load_age_days: float | None


def data_quality_owner(source: SourceSystem) -> str:
    """Who acts on a source's issues: its register entry's steward team, else owner team or role, else the source."""
    asset = catalogue.asset_by_name(name=source.asset_name) if source.asset_name else None
    if asset is None:
        return source.name
    team = asset.steward_team or asset.owner_team
    return team.name if team is not None else (asset.owner_role or source.name)


def _time_to_correct(issues: QuerySet[DataQualityIssue]) -> quality.TimeToCorrect:
    spans = issues.filter(corrected_at__isnull=False).values_list("detected_at", "corrected_at")
    return quality.time_to_correct(corrected - detected for detected, corrected in spans if corrected is not None)


def data_quality_sources(*, now: dt.datetime) -> list[SourceQuality]:
    """Every source with its latest snapshot's figures, open issues and time to correct (days)."""
    result = []
    for source in SourceSystem.objects.order_by("trust_rank", "code"):
        snapshot = source.quality_snapshots.order_by("-measured_at", "-pk").first()
        fields: list[FieldQuality] = []
        completeness = validity = None
        if snapshot is not None:
            for name in PERSON_FIELDS:
                filled, records = snapshot.completeness.get(name, [0, snapshot.records])
                valid, checked = snapshot.validity.get(name, [None, None])
                fields.append(FieldQuality(name, filled, records, valid, checked))
            completeness = quality.share(quality.overall(snapshot.completeness))
            validity = quality.share(quality.overall(snapshot.validity))
        last = snapshot.last_loaded_at if snapshot is not None else None
        result.append(
            SourceQuality(
                source=source,
                owner=data_quality_owner(source),
                snapshot=snapshot,
                fields=fields,
                completeness=completeness,
                validity=validity,
                issues_open=source.quality_issues.filter(corrected_at__isnull=True).count(),
                time_to_correct=_time_to_correct(source.quality_issues.all()),
                load_age_days=(now - last).total_seconds() / 86400 if last is not None else None,
            )
        )
    return result


@dataclass(frozen=True)
class TrendRow:
    snapshot: DataQualitySnapshot
    completeness: float | None
    validity: float | None


def data_quality_trend(*, limit: int = 40) -> list[TrendRow]:
    """The latest snapshots of every source, newest first: the trend over loads and runs."""
    return [
        TrendRow(s, quality.share(quality.overall(s.completeness)), quality.share(quality.overall(s.validity)))
        for s in DataQualitySnapshot.objects.select_related("source").order_by("-measured_at", "-pk")[:limit]
    ]


@dataclass(frozen=True)
class IssueFilters:
    source: int | None = None
    kind: str = ""
    status: str = "open"  # open, corrected or all


def data_quality_issues(filters: IssueFilters) -> QuerySet[DataQualityIssue]:
    issues = DataQualityIssue.objects.select_related("source")
    if filters.source is not None:
        issues = issues.filter(source_id=filters.source)
    if filters.kind:
        issues = issues.filter(kind=filters.kind)
    if filters.status == "open":
        issues = issues.filter(corrected_at__isnull=True)
    elif filters.status == "corrected":
        issues = issues.filter(corrected_at__isnull=False)
    return issues.order_by("-detected_at", "pk")


def data_quality_issue_by_id(issue_id: int) -> DataQualityIssue | None:
    return (
        DataQualityIssue.objects.filter(pk=issue_id)
        .select_related("source", "record__source_system", "record__citizen", "citizen")
        .first()
    )


def data_quality_issues_open_count() -> int:
    return DataQualityIssue.objects.filter(corrected_at__isnull=True).count()


def data_quality_time_to_correct() -> quality.TimeToCorrect:
    """Across every source: how long corrected issues stayed open."""
    return _time_to_correct(DataQualityIssue.objects.all())


def data_quality_source_choices() -> list[tuple[int, str]]:
    """(pk, name) of every source, for the issues list's filter."""
    return list(SourceSystem.objects.order_by("trust_rank", "code").values_list("pk", "name"))


# ---------------------------------------------------------------------------------------------
# MyAccount holders linked to their citizen (services.account_citizen_link makes the link)

GOLDEN_FIELD_LABELS: dict[str, str] = {
    "given_name": "Given name",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "address_line_1": "Address line 1",
    "address_line_2": "Address line 2",
    "town": "Town",
    "postcode": "Postcode",
    "email": "Email",
    "phone": "Phone",
}


@dataclass(frozen=True)
class GoldenField:
    label: str
    value: str
    source: str  # the source system's name, "" when no record holds the field


@dataclass(frozen=True)
class AccountCouncilRecord:
    """Whether an account is linked to a citizen, and that citizen's golden record now (after any merge)."""

    link: AccountCitizenLink | None
    citizen: Citizen | None
    golden: GoldenRecord | None
    fields: list[GoldenField]

    @property
    def linked(self) -> bool:
        return self.golden is not None


def account_citizen_link_for(*, user_id: int) -> AccountCitizenLink | None:
    return AccountCitizenLink.objects.filter(user_id=user_id).select_related("citizen").first()


def account_is_linked(*, user_id: int) -> bool:
    """For the resident's own details page: yes only while the linked citizen (or its successor) is active."""
    link = account_citizen_link_for(user_id=user_id)
    return link is not None and link.citizen is not None and citizen_current(link.citizen.citizen_id) is not None


def account_council_record(*, user: User) -> AccountCouncilRecord:
    """The account's link and the golden record of the citizen it stands for now (merges followed).

    Only ever the citizen this account was linked to: nothing here searches the index.
    Staff see it through services.account_golden_record_view, which audits the showing.
    """
    link = account_citizen_link_for(user_id=user.pk)
    citizen = citizen_current(link.citizen.citizen_id) if link is not None and link.citizen is not None else None
    golden = golden_record(citizen.citizen_id) if citizen is not None else None
    fields: list[GoldenField] = []
    if golden is not None:
        names = dict(SourceSystem.objects.values_list("code", "name"))
        for name in PERSON_FIELDS:
            value = getattr(golden, name)
            shown = value.strftime("%-d %B %Y") if isinstance(value, dt.date) else str(value or "")
            source = str(golden.provenance.get(name, {}).get("source", ""))
            fields.append(GoldenField(GOLDEN_FIELD_LABELS[name], shown, names.get(source, source)))
    return AccountCouncilRecord(link=link, citizen=citizen, golden=golden, fields=fields)


def data_quality_issues_open_at(moment: dt.datetime) -> int:
    """Issues found before `moment` and not corrected by then: the stock an Insight metric would chart."""
    return (
        DataQualityIssue.objects.filter(detected_at__lt=moment)
        .filter(Q(corrected_at__isnull=True) | Q(corrected_at__gte=moment))
        .count()
    )


def data_quality_corrections(*, start: dt.datetime, end: dt.datetime) -> tuple[int, float]:
    """(issues corrected in [start, end), their total days open), for a mean time to correct over a period."""
    spans = DataQualityIssue.objects.filter(corrected_at__gte=start, corrected_at__lt=end).values_list(
        "detected_at", "corrected_at"
    )
    days = [(c - d).total_seconds() / 86400 for d, c in spans if c is not None]
    return len(days), sum(days)


# ---------------------------------------------------------------------------------------------
# Subject access: what the council's systems hold about one citizen, for an information governance review


@dataclass(frozen=True)
class DisclosableField:
    name: str  # the person field, e.g. "phone"
    label: str
    value: str  # as a reader sees it ("" when the source holds nothing)


@dataclass(frozen=True)
class DisclosableRecord:
    """One source system's record of the citizen, as an officer reviews it before release."""

    source_code: str
    source_name: str
    source_record_id: str
    changed_at: dt.datetime
    fields: tuple[DisclosableField, ...]


def citizen_records_for_disclosure(*, citizen_id: str) -> list[DisclosableRecord]:
    """The active source records of the citizen this id stands for now (merges followed), most trusted first.

    For subject access only: the caller (MyAccount's information governance queue) audits
    every showing. An id that no longer stands for an active citizen gives no records.
    """
    citizen = citizen_current(citizen_id)
    if citizen is None:
        return []
    records = []
    for record in citizen_source_records(citizen.citizen_id):
        fields = []
        for name in PERSON_FIELDS:
            value = getattr(record, name)
            shown = value.isoformat() if isinstance(value, dt.date) else str(value or "")
            fields.append(DisclosableField(name=name, label=GOLDEN_FIELD_LABELS[name], value=shown))
        records.append(
            DisclosableRecord(
                source_code=record.source_system.code,
                source_name=record.source_system.name,
                source_record_id=record.source_id,
                changed_at=record.changed_at,
                fields=tuple(fields),
            )
        )
    return records
