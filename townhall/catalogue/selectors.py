"""Every read of the information asset register, for its pages and for other apps.

Data quality code elsewhere (the Citizen Index's source records) asks
`standards_for_asset(asset)` which standard each field must meet and `check_value(rule, value)`
or `check_record(rules, record)` whether values meet it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from townhall.accounts.models import Team, User
from townhall.catalogue.constants import AssetKind, Classification, RelationshipKind
from townhall.catalogue.formats import check_format
from townhall.catalogue.models import (
    AssetRelationship,
    AssetRevision,
    DataStandard,
    FieldRule,
    InformationAsset,
    SharingAgreement,
)

# --- assets -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetFilters:
    """What the register list is narrowed to; every part optional."""

    kind: str = ""
    personal: bool | None = None
    owner_team_id: int | None = None
    classification: str = ""
    query: str = ""

    @property
    def active(self) -> bool:
        return bool(self.kind or self.personal is not None or self.owner_team_id or self.classification or self.query)


def _assets() -> QuerySet[InformationAsset]:
    return InformationAsset.objects.select_related("owner_team", "steward_team", "steward")


def asset_list(*, filters: AssetFilters | None = None) -> QuerySet[InformationAsset]:
    """The register, by name, narrowed by `filters`; the search looks in name, purpose, owner and format."""
    filters = filters or AssetFilters()
    assets = _assets()
    if filters.kind:
        assets = assets.filter(kind=filters.kind)
    if filters.personal is not None:
        assets = assets.filter(holds_personal_data=filters.personal)
    if filters.owner_team_id:
        assets = assets.filter(owner_team_id=filters.owner_team_id)
    if filters.classification:
        assets = assets.filter(classification=filters.classification)
    for word in filters.query.split()[:8]:
        assets = assets.filter(
            Q(name__icontains=word)
            | Q(purpose__icontains=word)
            | Q(owner_role__icontains=word)
            | Q(format__icontains=word)
            | Q(legislation__icontains=word)
        )
    return assets.order_by("name")


def asset_get(*, asset_id: int) -> InformationAsset | None:
    return _assets().filter(pk=asset_id).first()


def asset_by_name(*, name: str) -> InformationAsset | None:
    """An asset by its exact name, for other apps that know their source system by name."""
    return _assets().filter(name=name).first()


def asset_relationships(*, asset: InformationAsset) -> tuple[list[AssetRelationship], list[AssetRelationship]]:
    """(what this asset points at, what points at it)."""
    outgoing = list(asset.outgoing.select_related("target").order_by("kind", "target__name"))
    incoming = list(asset.incoming.select_related("source").order_by("kind", "source__name"))
    return outgoing, incoming


def asset_revisions(*, asset: InformationAsset) -> QuerySet[AssetRevision]:
    return asset.revisions.select_related("changed_by").order_by("-changed_at", "-pk")


def asset_agreements(*, asset: InformationAsset) -> QuerySet[SharingAgreement]:
    return asset.sharing_agreements.order_by("title")


def assets_due_for_review(*, today: dt.date) -> tuple[list[InformationAsset], list[InformationAsset]]:
    """(entries whose review date has come, oldest first; entries with no review date at all)."""
    due = list(_assets().filter(next_review_on__lte=today).order_by("next_review_on", "name"))
    undated = list(_assets().filter(next_review_on__isnull=True).order_by("name"))
    return due, undated


def asset_choices(*, exclude_id: int | None = None) -> list[tuple[int, str]]:
    assets = InformationAsset.objects.order_by("name")
    if exclude_id is not None:
        assets = assets.exclude(pk=exclude_id)
    return list(assets.values_list("pk", "name"))


def owner_teams() -> QuerySet[Team]:
    """Teams that own at least one asset (the list's owner filter)."""
    return Team.objects.filter(pk__in=InformationAsset.objects.values("owner_team")).order_by("name")


def teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def staff_members() -> QuerySet[User]:
    """Who may be named as a steward contact: staff only, never a resident."""
    return User.objects.filter(role_assignments__isnull=False, is_active=True).distinct().order_by("email")


def register_counts() -> dict[str, int]:
    counts = InformationAsset.objects.aggregate(
        total=Count("pk"),
        systems=Count("pk", filter=Q(kind=AssetKind.SYSTEM)),
        personal=Count("pk", filter=Q(holds_personal_data=True)),
        special=Count("pk", filter=Q(holds_special_category_data=True)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


# --- the register as rows (staff CSV and the published open data file) -------------------------------


@dataclass(frozen=True)
class RegisterRow:
    asset: InformationAsset
    feeds: list[str]
    derived_from: list[str]
    shares_with: list[str]
    partners: list[str]


def register_rows(*, published_only: bool) -> list[RegisterRow]:
    """Every asset with its relationships and sharing partners, in two queries plus one per relation table.

    `published_only` keeps what may be published (ADR 0020): the entry is marked for
    publication and is OFFICIAL; relationships to assets left out are left out too.
    """
    assets = list(
        _assets().prefetch_related(
            Prefetch("outgoing", queryset=AssetRelationship.objects.select_related("target").order_by("target__name")),
            Prefetch("sharing_agreements", queryset=SharingAgreement.objects.order_by("partner")),
        )
    )
    if published_only:
        assets = [asset for asset in assets if asset.published and asset.classification == Classification.OFFICIAL]
    names = {asset.pk for asset in assets}
    rows = []
    for asset in assets:
        related: dict[str, list[str]] = {kind: [] for kind in RelationshipKind.values}
        for link in asset.outgoing.all():
            if link.target_id in names:
                related[link.kind].append(link.target.name)
        rows.append(
            RegisterRow(
                asset=asset,
                feeds=related[RelationshipKind.FEEDS],
                derived_from=related[RelationshipKind.DERIVED_FROM],
                shares_with=related[RelationshipKind.SHARES_WITH],
                partners=sorted({agreement.partner for agreement in asset.sharing_agreements.all()}),
            )
        )
    return rows


# --- relationships graph --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphData:
    assets: list[InformationAsset]
    relationships: list[AssetRelationship]


def relationship_graph() -> GraphData:
    return GraphData(
        assets=list(InformationAsset.objects.order_by("name")),
        relationships=list(AssetRelationship.objects.select_related("source", "target").order_by("pk")),
    )


# --- sharing agreements ---------------------------------------------------------------------------------


def agreement_list() -> QuerySet[SharingAgreement]:
    return SharingAgreement.objects.prefetch_related(
        Prefetch("assets", queryset=InformationAsset.objects.order_by("name"))
    ).order_by("title")


def agreement_get(*, agreement_id: int) -> SharingAgreement | None:
    return SharingAgreement.objects.filter(pk=agreement_id).first()


def agreements_due_for_review(*, today: dt.date) -> QuerySet[SharingAgreement]:
    return SharingAgreement.objects.filter(
        Q(review_on__lte=today) | Q(ends_on__lte=today + dt.timedelta(days=90))
    ).order_by("title")


# --- data standards and checking values -------------------------------------------------------------


def standard_list() -> QuerySet[DataStandard]:
    return DataStandard.objects.annotate(fields_using=Count("field_rules")).order_by("name")


def standard_get(*, standard_id: int) -> DataStandard | None:
    return DataStandard.objects.filter(pk=standard_id).first()


def field_rules(*, asset: InformationAsset) -> QuerySet[FieldRule]:
    return asset.field_rules.select_related("standard").order_by("field_name")


@dataclass(frozen=True)
class FieldStandard:
    """What one field of an asset must hold: the rule data quality checks apply."""

    field_name: str
    required: bool
    kind: str
    parameter: str
    standard_name: str


@dataclass(frozen=True)
class ValueCheck:
    valid: bool
    message: str = ""


def standards_for_asset(asset: InformationAsset | str) -> dict[str, FieldStandard]:
    """{field name: its rule} for an asset (or an asset's exact name; {} when there is no such asset)."""
    rules = FieldRule.objects.select_related("standard").order_by("field_name")
    rules = rules.filter(asset__name=asset) if isinstance(asset, str) else rules.filter(asset=asset)
    return {
        rule.field_name: FieldStandard(
            field_name=rule.field_name,
            required=rule.required,
            kind=rule.standard.kind,
            parameter=rule.standard.parameter,
            standard_name=rule.standard.name,
        )
        for rule in rules
    }


def check_value(rule: FieldStandard | DataStandard, value: object) -> ValueCheck:
    """Whether one value meets its rule. Blank is valid unless the field is required."""
    text = "" if value is None else str(value)
    if not text.strip():
        required = isinstance(rule, FieldStandard) and rule.required
        return ValueCheck(False, "This field is required") if required else ValueCheck(True)
    message = check_format(rule.kind, text, rule.parameter)
    return ValueCheck(not message, message)


def check_record(rules: Mapping[str, FieldStandard], record: Mapping[str, object]) -> dict[str, ValueCheck]:
    """Every ruled field of one record checked: {field name: result}. A field missing from the record is blank."""
    return {name: check_value(rule, record.get(name)) for name, rule in rules.items()}


def relationship_get(*, relationship_id: int) -> AssetRelationship | None:
    return AssetRelationship.objects.select_related("source", "target").filter(pk=relationship_id).first()


def field_rule_get(*, rule_id: int) -> FieldRule | None:
    return FieldRule.objects.select_related("asset", "standard").filter(pk=rule_id).first()


def standard_field_rules(*, standard: DataStandard) -> QuerySet[FieldRule]:
    return standard.field_rules.select_related("asset").order_by("asset__name", "field_name")


def agreement_assets(*, agreement: SharingAgreement) -> QuerySet[InformationAsset]:
    return agreement.assets.order_by("name")


# --- retention, for the systems that hold the records ----------------------------------------------------


@dataclass(frozen=True)
class RetentionRule:
    """How long an asset's records are kept (None: permanently), from when, and what happens then."""

    period_months: int | None
    starts: str
    disposal_action: str


def retention_for_asset(asset: InformationAsset | str) -> RetentionRule | None:
    """The asset's retention rule (or an asset's exact name; None when there is no such asset)."""
    found = asset if isinstance(asset, InformationAsset) else InformationAsset.objects.filter(name=asset).first()
    if found is None:
        return None
    return RetentionRule(found.retention_period_months, found.retention_trigger, found.disposal_action)


def retention_ends_on(rule: RetentionRule, *, started_on: dt.date) -> dt.date | None:
    """The day a record whose retention started on `started_on` falls due for disposal (None: kept permanently).

    Whole calendar months, clamped to the month's last day (31 January + 1 month = 28 or 29 February).
    """
    if rule.period_months is None:
        return None
    months = started_on.month - 1 + rule.period_months
    year, month = started_on.year + months // 12, months % 12 + 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(started_on.day, last_day))
