"""Every write to the information asset register: entries, relationships, agreements, standards, publishing.

Each write checks who is acting (data stewards and information governance officers;
`acting_user=None` is Townhall itself, e.g. the demo), validates with `full_clean`, keeps
the asset's own change history (`AssetRevision`) and appends an audit entry, in one
transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass, fields

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import Team, User
from townhall.audit.services import audit_record
from townhall.catalogue import selectors
from townhall.catalogue.constants import (
    OBJECT_AGREEMENT,
    OBJECT_ASSET,
    OBJECT_REGISTER,
    OBJECT_STANDARD,
    RelationshipKind,
)
from townhall.catalogue.formats import parameter_error
from townhall.catalogue.models import (
    AssetRelationship,
    AssetRevision,
    DataStandard,
    FieldRule,
    InformationAsset,
    SharingAgreement,
)
from townhall.catalogue.permissions import can_edit_register
from townhall.opendata import services as opendata_services
from townhall.opendata.models import Dataset, Frequency
from townhall.opendata.services import PublishedFile

Actor = User | AnonymousUser | None

REGISTER_DATASET = PublishedFile(
    dataset_name="information-asset-register",
    title="Information asset register",
    notes=(
        "The systems and datasets the council holds: what each is for, who is accountable for it, whether it "
        "holds personal or special category data and on what lawful basis, how long it is kept and what happens "
        "to it then, how the assets feed one another, and which organisations data is shared with. The register "
        "describes information; it contains no personal data. Entries classified above OFFICIAL, and where "
        "systems are hosted, are left out."
    ),
    publisher_name="information-governance",
    publisher_title="Information Governance",
    theme_name="council-information",
    theme_title="Council information and transparency",
    tags=("information asset register", "transparency", "data protection", "retention"),
    frequency=Frequency.MONTHLY,
    file_name="information-asset-register.csv",
    format="CSV",
    mimetype="text/csv",
)


@dataclass
class AssetFields:
    """An asset entry as an editor describes it (the form's cleaned data)."""

    name: str
    kind: str
    purpose: str
    owner_role: str
    location: str
    format: str
    classification: str
    owner_team: Team | None = None
    steward_team: Team | None = None
    steward: User | None = None
    holds_personal_data: bool = False
    holds_special_category_data: bool = False
    lawful_basis: str = ""
    special_category_condition: str = ""
    legislation: str = ""
    retention_period_months: int | None = None
    retention_trigger: str = ""
    disposal_action: str = "review"
    next_review_on: dt.date | None = None
    published: bool = True


ASSET_FIELD_NAMES = tuple(f.name for f in fields(AssetFields))


def _require_editor(acting_user: Actor) -> None:
    if acting_user is not None and not can_edit_register(acting_user):
        raise PermissionDenied("Only data stewards and information governance officers can change the register.")


def _changed_by(acting_user: Actor) -> User | None:
    return acting_user if isinstance(acting_user, User) else None


def _shown(asset: InformationAsset, name: str) -> str:
    """A field's value as people read it (choice labels, team names, "yes"/"no", ISO dates)."""
    value = getattr(asset, name)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    model_field = InformationAsset._meta.get_field(name)
    if getattr(model_field, "choices", None):
        return str(getattr(asset, f"get_{name}_display")())
    if isinstance(value, User):
        return value.email
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _label(name: str) -> str:
    return str(getattr(InformationAsset._meta.get_field(name), "verbose_name", name)).capitalize()


def _revision(acting_user: Actor, asset: InformationAsset, summary: str, changes: dict[str, list[str]]) -> None:
    AssetRevision.objects.create(
        asset=asset, changed_at=timezone.now(), changed_by=_changed_by(acting_user), summary=summary, changes=changes
    )


@transaction.atomic
def asset_create(*, acting_user: Actor, fields: AssetFields) -> InformationAsset:
    _require_editor(acting_user)
    now = timezone.now()
    asset = InformationAsset(**asdict(fields), created_at=now, updated_at=now)
    if fields.steward is not None and not selectors.staff_members().filter(pk=fields.steward.pk).exists():
        raise ValidationError({"steward": ["The steward contact must be a member of staff."]})
    asset.full_clean()
    asset.save(force_insert=True)
    _revision(
        acting_user,
        asset,
        "Added to the register",
        {_label(name): ["", _shown(asset, name)] for name in ASSET_FIELD_NAMES if _shown(asset, name)},
    )
    audit_record(actor=acting_user, action="catalogue.asset.created", object_type=OBJECT_ASSET, object_id=asset.pk)
    return asset


@transaction.atomic
def asset_update(*, acting_user: Actor, asset: InformationAsset, fields: AssetFields) -> InformationAsset:
    """Save the new values; returns the asset. An edit that changes nothing writes no history."""
    _require_editor(acting_user)
    if fields.steward is not None and not selectors.staff_members().filter(pk=fields.steward.pk).exists():
        raise ValidationError({"steward": ["The steward contact must be a member of staff."]})
    asset = InformationAsset.objects.select_for_update().get(pk=asset.pk)
    before = {name: _shown(asset, name) for name in ASSET_FIELD_NAMES}
    for name, value in asdict(fields).items():
        setattr(asset, name, value)
    asset.full_clean()
    changes = {
        _label(name): [before[name], _shown(asset, name)]
        for name in ASSET_FIELD_NAMES
        if before[name] != _shown(asset, name)
    }
    if not changes:
        return asset
    asset.updated_at = timezone.now()
    asset.save()
    summary = "Changed " + ", ".join(label.lower() for label in changes)
    _revision(acting_user, asset, summary[:250], changes)
    audit_record(
        actor=acting_user,
        action="catalogue.asset.changed",
        object_type=OBJECT_ASSET,
        object_id=asset.pk,
        reason=summary[:250],
    )
    return asset


@transaction.atomic
def asset_review_record(
    *, acting_user: Actor, asset: InformationAsset, next_review_on: dt.date, today: dt.date | None = None
) -> InformationAsset:
    """Record that the entry was reviewed today and when it is next due."""
    _require_editor(acting_user)
    today = today or timezone.localdate()
    if next_review_on <= today:
        raise ValidationError({"next_review_on": ["The next review must be after today."]})
    asset = InformationAsset.objects.select_for_update().get(pk=asset.pk)
    changes = {
        "Last reviewed": [_shown(asset, "last_reviewed_on"), today.isoformat()],
        "Next review": [_shown(asset, "next_review_on"), next_review_on.isoformat()],
    }
    asset.last_reviewed_on, asset.next_review_on, asset.updated_at = today, next_review_on, timezone.now()
    asset.save(update_fields=["last_reviewed_on", "next_review_on", "updated_at"])
    _revision(acting_user, asset, "Reviewed", changes)
    audit_record(actor=acting_user, action="catalogue.asset.reviewed", object_type=OBJECT_ASSET, object_id=asset.pk)
    return asset


# --- relationships -------------------------------------------------------------------------------------


@transaction.atomic
def relationship_add(
    *,
    acting_user: Actor,
    source: InformationAsset,
    target: InformationAsset,
    kind: str,
    description: str = "",
) -> AssetRelationship:
    _require_editor(acting_user)
    if source.pk == target.pk:
        raise ValidationError({"target": ["An asset cannot be related to itself."]})
    if AssetRelationship.objects.filter(source=source, target=target, kind=kind).exists():
        raise ValidationError({"target": [f"{source.name} already {RelationshipKind(kind).label} {target.name}."]})
    link = AssetRelationship(source=source, target=target, kind=kind, description=description)
    link.full_clean()
    link.save(force_insert=True)
    text = f"{source.name} {link.get_kind_display()} {target.name}"
    _revision(acting_user, source, f"Relationship added: {text}"[:250], {"Relationships": ["", text]})
    audit_record(
        actor=acting_user,
        action="catalogue.relationship.added",
        object_type=OBJECT_ASSET,
        object_id=source.pk,
        reason=f"{link.kind} asset {target.pk}",
    )
    return link


@transaction.atomic
def relationship_remove(*, acting_user: Actor, relationship: AssetRelationship) -> None:
    _require_editor(acting_user)
    source, target = relationship.source, relationship.target
    text = f"{source.name} {relationship.get_kind_display()} {target.name}"
    kind = relationship.kind
    relationship.delete()
    _revision(acting_user, source, f"Relationship removed: {text}"[:250], {"Relationships": [text, ""]})
    audit_record(
        actor=acting_user,
        action="catalogue.relationship.removed",
        object_type=OBJECT_ASSET,
        object_id=source.pk,
        reason=f"{kind} asset {target.pk}",
    )


# --- sharing agreements ----------------------------------------------------------------------------------


@dataclass
class AgreementFields:
    title: str
    partner: str
    purpose: str
    direction: str
    lawful_basis: str
    starts_on: dt.date
    legislation: str = ""
    review_on: dt.date | None = None
    ends_on: dt.date | None = None
    assets: list[InformationAsset] | None = None


def _agreement_save(
    acting_user: Actor, agreement: SharingAgreement, fields: AgreementFields, *, created: bool
) -> SharingAgreement:
    values = asdict(fields)
    assets = fields.assets or []
    values.pop("assets")
    before = set() if created else set(agreement.assets.values_list("pk", flat=True))
    for name, value in values.items():
        setattr(agreement, name, value)
    agreement.full_clean()
    agreement.save()
    agreement.assets.set(assets)
    after = {asset.pk for asset in assets}
    for asset in assets:
        if asset.pk not in before:
            _revision(acting_user, asset, f"Covered by sharing agreement: {agreement.title}"[:250], {})
    for asset in InformationAsset.objects.filter(pk__in=before - after):
        _revision(acting_user, asset, f"No longer covered by sharing agreement: {agreement.title}"[:250], {})
    audit_record(
        actor=acting_user,
        action="catalogue.agreement.created" if created else "catalogue.agreement.changed",
        object_type=OBJECT_AGREEMENT,
        object_id=agreement.pk,
    )
    return agreement


@transaction.atomic
def agreement_create(*, acting_user: Actor, fields: AgreementFields) -> SharingAgreement:
    _require_editor(acting_user)
    return _agreement_save(acting_user, SharingAgreement(), fields, created=True)


@transaction.atomic
def agreement_update(*, acting_user: Actor, agreement: SharingAgreement, fields: AgreementFields) -> SharingAgreement:
    _require_editor(acting_user)
    fresh = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)  # the caller's copy stays as it was
    return _agreement_save(acting_user, fresh, fields, created=False)


# --- data standards and field rules -------------------------------------------------------------------


def _standard_save(
    acting_user: Actor, standard: DataStandard, *, name: str, kind: str, description: str, parameter: str, example: str
) -> DataStandard:
    standard.name, standard.kind, standard.description = name, kind, description
    standard.parameter, standard.example = parameter.strip(), example
    standard.full_clean()
    if error := parameter_error(standard.kind, standard.parameter):
        raise ValidationError({"parameter": [error]})
    if standard.example and not selectors.check_value(standard, standard.example).valid:
        raise ValidationError({"example": ["The example does not meet the standard: change one or the other."]})
    created = standard.pk is None
    standard.save()
    audit_record(
        actor=acting_user,
        action="catalogue.standard.created" if created else "catalogue.standard.changed",
        object_type=OBJECT_STANDARD,
        object_id=standard.pk,
    )
    return standard


@transaction.atomic
def standard_create(
    *, acting_user: Actor, name: str, kind: str, description: str = "", parameter: str = "", example: str = ""
) -> DataStandard:
    _require_editor(acting_user)
    return _standard_save(
        acting_user, DataStandard(), name=name, kind=kind, description=description, parameter=parameter, example=example
    )


@transaction.atomic
def standard_update(
    *,
    acting_user: Actor,
    standard: DataStandard,
    name: str,
    kind: str,
    description: str = "",
    parameter: str = "",
    example: str = "",
) -> DataStandard:
    _require_editor(acting_user)
    fresh = DataStandard.objects.select_for_update().get(pk=standard.pk)  # the caller's copy stays as it was
    return _standard_save(
        acting_user, fresh, name=name, kind=kind, description=description, parameter=parameter, example=example
    )


@transaction.atomic
def field_rule_add(
    *, acting_user: Actor, asset: InformationAsset, field_name: str, standard: DataStandard, required: bool
) -> FieldRule:
    _require_editor(acting_user)
    field_name = field_name.strip()
    if FieldRule.objects.filter(asset=asset, field_name=field_name).exists():
        raise ValidationError({"field_name": [f"{asset.name} already has a rule for {field_name}."]})
    rule = FieldRule(asset=asset, field_name=field_name, standard=standard, required=required)
    rule.full_clean()
    rule.save(force_insert=True)
    text = f"{field_name}: {standard.name}{' (required)' if required else ''}"
    _revision(acting_user, asset, f"Field rule added: {text}"[:250], {"Field rules": ["", text]})
    audit_record(
        actor=acting_user,
        action="catalogue.field_rule.added",
        object_type=OBJECT_ASSET,
        object_id=asset.pk,
        reason=f"standard {standard.pk}",
    )
    return rule


@transaction.atomic
def field_rule_remove(*, acting_user: Actor, rule: FieldRule) -> None:
    _require_editor(acting_user)
    asset = rule.asset
    text = f"{rule.field_name}: {rule.standard.name}"
    rule.delete()
    _revision(acting_user, asset, f"Field rule removed: {text}"[:250], {"Field rules": [text, ""]})
    audit_record(actor=acting_user, action="catalogue.field_rule.removed", object_type=OBJECT_ASSET, object_id=asset.pk)


# --- the register as files ---------------------------------------------------------------------------

PUBLISHED_COLUMNS = (
    "identifier",
    "name",
    "kind",
    "purpose",
    "information_asset_owner",
    "owning_team",
    "steward_team",
    "personal_data",
    "special_category_data",
    "lawful_basis",
    "special_category_condition",
    "legislation",
    "retention_period_months",
    "retention_starts",
    "disposal_action",
    "format",
    "security_classification",
    "feeds",
    "derived_from",
    "shares_data_with",
    "sharing_partners",
    "last_reviewed",
)
STAFF_ONLY_COLUMNS = ("location", "steward_contact", "next_review", "published")


def _row(entry: selectors.RegisterRow, *, staff: bool) -> list[str]:
    asset = entry.asset
    row = [
        str(asset.pk),
        asset.name,
        asset.get_kind_display(),
        asset.purpose,
        asset.owner_role,
        asset.owner_team.name if asset.owner_team else "",
        asset.steward_team.name if asset.steward_team else "",
        "yes" if asset.holds_personal_data else "no",
        "yes" if asset.holds_special_category_data else "no",
        asset.get_lawful_basis_display() if asset.lawful_basis else "",
        asset.get_special_category_condition_display() if asset.special_category_condition else "",
        asset.legislation,
        "" if asset.retention_period_months is None else str(asset.retention_period_months),
        asset.retention_trigger,
        asset.get_disposal_action_display(),
        asset.format,
        asset.get_classification_display(),
        "; ".join(entry.feeds),
        "; ".join(entry.derived_from),
        "; ".join(entry.shares_with),
        "; ".join(entry.partners),
        asset.last_reviewed_on.isoformat() if asset.last_reviewed_on else "",
    ]
    if staff:
        row += [
            asset.location,
            asset.steward.email if asset.steward else "",
            asset.next_review_on.isoformat() if asset.next_review_on else "",
            "yes" if asset.is_publishable else "no",
        ]
    return row


def register_csv(*, published_only: bool) -> bytes:
    """The register as CSV: the open part only, or (for staff) everything with the staff-only columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(PUBLISHED_COLUMNS if published_only else PUBLISHED_COLUMNS + STAFF_ONLY_COLUMNS)
    for entry in selectors.register_rows(published_only=published_only):
        writer.writerow(_row(entry, staff=not published_only))
    return buffer.getvalue().encode("utf-8")


@transaction.atomic
def register_publish(*, acting_user: Actor) -> Dataset | None:
    """Publish the open part of the register through the open data portal (CKAN and DCAT read it from there).

    Returns the dataset when the file changed, None when the published file is already current.
    Scheduled monthly (`townhall information_assets publish`) and on demand from the register's page.
    """
    _require_editor(acting_user)
    dataset = opendata_services.dataset_file_publish(spec=REGISTER_DATASET, content=register_csv(published_only=True))
    if dataset is not None and acting_user is not None:
        audit_record(
            actor=acting_user,
            action="catalogue.register.published",
            object_type=OBJECT_REGISTER,
            object_id=str(dataset.pk),
        )
    return dataset
