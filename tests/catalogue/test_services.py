"""Writes to the register: validation, who may write, change history and audit entries, all-or-nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.catalogue.conftest import TODAY, Register, asset_fields
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.audit.models import AuditEntry
from townhall.catalogue import services
from townhall.catalogue.constants import OBJECT_ASSET, LawfulBasis, RelationshipKind, RuleKind
from townhall.catalogue.models import AssetRelationship, AssetRevision, InformationAsset

pytestmark = pytest.mark.django_db


def test_personal_data_needs_a_lawful_basis_and_special_category_a_condition() -> None:
    with pytest.raises(ValidationError) as caught:
        services.asset_create(acting_user=None, fields=asset_fields(lawful_basis=""))
    assert "lawful_basis" in caught.value.message_dict

    with pytest.raises(ValidationError) as caught:
        services.asset_create(acting_user=None, fields=asset_fields(holds_special_category_data=True))
    assert "special_category_condition" in caught.value.message_dict

    with pytest.raises(ValidationError) as caught:
        services.asset_create(
            acting_user=None,
            fields=asset_fields(
                holds_personal_data=False, holds_special_category_data=True, special_category_condition="h"
            ),
        )
    assert "holds_personal_data" in caught.value.message_dict
    assert not InformationAsset.objects.exists()


def test_kept_permanently_means_no_retention_period() -> None:
    with pytest.raises(ValidationError) as caught:
        services.asset_create(acting_user=None, fields=asset_fields(disposal_action="keep"))
    assert "disposal_action" in caught.value.message_dict


def test_names_are_unique(register: Register) -> None:
    with pytest.raises(ValidationError) as caught:
        services.asset_create(acting_user=None, fields=asset_fields())
    assert "name" in caught.value.message_dict


def test_only_stewards_and_information_governance_write(staff_by_role: dict[StaffRole, User]) -> None:
    allowed = {StaffRole.DATA_STEWARD, StaffRole.INFORMATION_GOVERNANCE_OFFICER, StaffRole.ADMINISTRATOR}
    for role, member in staff_by_role.items():
        fields = asset_fields(name=f"Asset for {role.value}")
        if role in allowed:
            services.asset_create(acting_user=member, fields=fields)
        else:
            with pytest.raises(PermissionDenied):
                services.asset_create(acting_user=member, fields=fields)
    assert InformationAsset.objects.count() == len(allowed)


def test_the_steward_contact_must_be_staff(resident: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.asset_create(acting_user=None, fields=asset_fields(steward=resident))
    assert "steward" in caught.value.message_dict


def test_an_edit_keeps_each_change_and_is_audited(register: Register, staff_by_role: dict[StaffRole, User]) -> None:
    steward = staff_by_role[StaffRole.DATA_STEWARD]
    audited = AuditEntry.objects.count()

    services.asset_update(
        acting_user=steward,
        asset=register.council_tax,
        fields=asset_fields(retention_period_months=84, lawful_basis=LawfulBasis.PUBLIC_TASK),
    )

    revision = AssetRevision.objects.filter(asset=register.council_tax).first()
    assert revision is not None
    assert revision.changed_by == steward
    assert revision.changes == {
        "Lawful basis": ["Legal obligation (6(1)(c))", "Public task (6(1)(e))"],
        "Retention period months": ["72", "84"],
    }
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry is not None
    assert AuditEntry.objects.count() == audited + 1
    assert (entry.action, entry.object_type, entry.object_id, entry.actor_id) == (
        "catalogue.asset.changed",
        OBJECT_ASSET,
        str(register.council_tax.pk),
        steward.pk,
    )
    assert entry.actor_role == StaffRole.DATA_STEWARD


def test_an_edit_that_changes_nothing_writes_no_history(register: Register) -> None:
    revisions, audited = AssetRevision.objects.count(), AuditEntry.objects.count()
    services.asset_update(acting_user=None, asset=register.council_tax, fields=asset_fields())
    assert (AssetRevision.objects.count(), AuditEntry.objects.count()) == (revisions, audited)


def test_a_rejected_edit_changes_nothing(register: Register) -> None:
    revisions = AssetRevision.objects.count()
    with pytest.raises(ValidationError):
        services.asset_update(
            acting_user=None, asset=register.council_tax, fields=asset_fields(name="Renamed", lawful_basis="")
        )
    register.council_tax.refresh_from_db()
    assert register.council_tax.name == "Council tax system"
    assert AssetRevision.objects.count() == revisions


def test_relationships(register: Register) -> None:
    link = services.relationship_add(
        acting_user=None,
        source=register.council_tax,
        target=register.social_care,
        kind=RelationshipKind.SHARES_WITH,
        description="Deaths notified",
    )
    with pytest.raises(ValidationError):
        services.relationship_add(
            acting_user=None,
            source=register.council_tax,
            target=register.social_care,
            kind=RelationshipKind.SHARES_WITH,
        )
    with pytest.raises(ValidationError):
        services.relationship_add(
            acting_user=None, source=register.council_tax, target=register.council_tax, kind=RelationshipKind.FEEDS
        )
    services.relationship_remove(acting_user=None, relationship=link)
    assert not AssetRelationship.objects.filter(pk=link.pk).exists()
    summaries = list(register.council_tax.revisions.values_list("summary", flat=True))
    text = "Council tax system shares data with Adult social care case records"
    assert summaries[:2] == [f"Relationship removed: {text}", f"Relationship added: {text}"]


def test_agreements_record_the_assets_they_cover(register: Register) -> None:
    fields = services.AgreementFields(
        title="Benefit data",
        partner="Department for Work and Pensions",
        purpose="Checking entitlement.",
        direction="both",
        lawful_basis=LawfulBasis.LEGAL_OBLIGATION,
        starts_on=dt.date(2025, 4, 1),
        assets=[register.council_tax],
    )
    agreement = services.agreement_create(acting_user=None, fields=fields)
    fields.assets = [register.social_care]
    services.agreement_update(acting_user=None, agreement=agreement, fields=fields)

    assert list(agreement.assets.all()) == [register.social_care]
    assert register.council_tax.revisions.first().summary == "No longer covered by sharing agreement: Benefit data"  # type: ignore[union-attr]
    assert register.social_care.revisions.first().summary == "Covered by sharing agreement: Benefit data"  # type: ignore[union-attr]
    fields.ends_on = dt.date(2025, 1, 1)
    with pytest.raises(ValidationError) as caught:
        services.agreement_update(acting_user=None, agreement=agreement, fields=fields)
    assert "ends_on" in caught.value.message_dict


def test_standards_check_their_parameter_and_example() -> None:
    with pytest.raises(ValidationError) as caught:
        services.standard_create(acting_user=None, name="Reference", kind=RuleKind.PATTERN, parameter="([0-9]")
    assert "parameter" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.standard_create(acting_user=None, name="NI number", kind=RuleKind.NI_NUMBER, example="QQ123456C")
    assert "example" in caught.value.message_dict
    standard = services.standard_create(
        acting_user=None, name="Band", kind=RuleKind.CHOICES, parameter="A,B", example="A"
    )
    services.standard_update(acting_user=None, standard=standard, name="Band", kind=RuleKind.CHOICES, parameter="A,B,C")
    standard.refresh_from_db()
    assert standard.parameter == "A,B,C"


def test_field_rules_are_one_per_field(register: Register) -> None:
    with pytest.raises(ValidationError) as caught:
        services.field_rule_add(
            acting_user=None,
            asset=register.council_tax,
            field_name="postcode",
            standard=register.postcode,
            required=False,
        )
    assert "field_name" in caught.value.message_dict
    rule = register.council_tax.field_rules.get()
    services.field_rule_remove(acting_user=None, rule=rule)
    assert not register.council_tax.field_rules.exists()


def test_recording_a_review(register: Register) -> None:
    with pytest.raises(ValidationError):
        services.asset_review_record(acting_user=None, asset=register.social_care, next_review_on=TODAY, today=TODAY)
    asset = services.asset_review_record(
        acting_user=None, asset=register.social_care, next_review_on=dt.date(2027, 12, 1), today=TODAY
    )
    assert (asset.last_reviewed_on, asset.next_review_on) == (TODAY, dt.date(2027, 12, 1))
    assert asset.revisions.first().summary == "Reviewed"  # type: ignore[union-attr]
