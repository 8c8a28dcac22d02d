"""Reads of the register: filters and search, reviews due, and the API data quality checks call."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.catalogue.conftest import TODAY, Register
from townhall.catalogue import selectors, services
from townhall.catalogue.constants import AssetKind, Classification, RuleKind
from townhall.catalogue.selectors import AssetFilters, FieldStandard, ValueCheck

pytestmark = pytest.mark.django_db


def _names(filters: AssetFilters) -> list[str]:
    return [asset.name for asset in selectors.asset_list(filters=filters)]


def test_filters_and_search(register: Register) -> None:
    assert _names(AssetFilters()) == [
        "Adult social care case records",
        "Council tax system",
        "Local Land and Property Gazetteer",
        "Safeguarding adults referrals",
    ]
    assert _names(AssetFilters(kind=AssetKind.DATASET)) == ["Local Land and Property Gazetteer"]
    assert _names(AssetFilters(personal=False)) == ["Local Land and Property Gazetteer"]
    assert _names(AssetFilters(classification=Classification.OFFICIAL_SENSITIVE)) == ["Safeguarding adults referrals"]
    assert _names(AssetFilters(query="adult care")) == [
        "Adult social care case records",
        "Safeguarding adults referrals",
    ]
    assert _names(AssetFilters(query="revenues")) == ["Council tax system"]  # the owner's role
    assert _names(AssetFilters(query="nothing matches this")) == []


def test_reviews_due(register: Register) -> None:
    due, undated = selectors.assets_due_for_review(today=TODAY)
    assert [a.name for a in due] == ["Adult social care case records"]
    assert [a.name for a in undated] == ["Local Land and Property Gazetteer"]
    later, _ = selectors.assets_due_for_review(today=TODAY + dt.timedelta(days=31))
    assert [a.name for a in later] == [
        "Adult social care case records",
        "Council tax system",
        "Safeguarding adults referrals",
    ]


def test_standards_for_an_asset_by_object_or_name(register: Register) -> None:
    rules = selectors.standards_for_asset(register.council_tax)
    assert rules == {
        "postcode": FieldStandard(
            field_name="postcode", required=True, kind=RuleKind.UK_POSTCODE, parameter="", standard_name="UK postcode"
        )
    }
    assert selectors.standards_for_asset("Council tax system") == rules
    assert selectors.standards_for_asset("No such system") == {}


def test_checking_values_and_records(register: Register) -> None:
    nino = services.standard_create(acting_user=None, name="NI number", kind=RuleKind.NI_NUMBER)
    services.field_rule_add(
        acting_user=None, asset=register.council_tax, field_name="nino", standard=nino, required=False
    )
    rules = selectors.standards_for_asset(register.council_tax)

    results = selectors.check_record(rules, {"postcode": "ts1 1aa", "nino": ""})
    assert results == {"postcode": ValueCheck(True), "nino": ValueCheck(True)}  # blank is fine when optional

    results = selectors.check_record(rules, {"nino": "BG123456A"})
    assert results["postcode"] == ValueCheck(False, "This field is required")
    assert not results["nino"].valid
    assert "National Insurance" in results["nino"].message

    assert selectors.check_value(register.postcode, "SW1A 2AA") == ValueCheck(True)
    assert selectors.check_value(rules["postcode"], None) == ValueCheck(False, "This field is required")


def test_register_rows_for_publication_leave_out_what_may_not_be_published(register: Register) -> None:
    services.relationship_add(acting_user=None, source=register.safeguarding, target=register.social_care, kind="feeds")
    services.asset_update(
        acting_user=None,
        asset=register.social_care,
        fields=services.AssetFields(
            **{
                **{name: getattr(register.social_care, name) for name in services.ASSET_FIELD_NAMES},
                "published": False,
            }
        ),
    )
    published = {row.asset.name: row for row in selectors.register_rows(published_only=True)}
    assert set(published) == {"Council tax system", "Local Land and Property Gazetteer"}
    assert published["Local Land and Property Gazetteer"].feeds == ["Council tax system"]
    everything = {row.asset.name for row in selectors.register_rows(published_only=False)}
    assert len(everything) == 4


def test_register_rows_take_a_fixed_number_of_queries(register: Register, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(3):
        rows = selectors.register_rows(published_only=False)
        assert [len(row.feeds) for row in rows]


def test_retention_rules_for_the_systems_holding_the_records(register: Register) -> None:
    rule = selectors.retention_for_asset("Council tax system")
    assert rule == selectors.RetentionRule(72, "after the account closes", "destroy")
    assert selectors.retention_ends_on(rule, started_on=dt.date(2020, 4, 1)) == dt.date(2026, 4, 1)
    assert selectors.retention_for_asset("No such system") is None
    kept = selectors.retention_for_asset(register.gazetteer)
    assert kept is not None
    assert selectors.retention_ends_on(kept, started_on=dt.date(2020, 4, 1)) is None
    month = selectors.RetentionRule(1, "", "destroy")
    assert selectors.retention_ends_on(month, started_on=dt.date(2024, 1, 31)) == dt.date(2024, 2, 29)
    assert selectors.retention_ends_on(month, started_on=dt.date(2026, 12, 15)) == dt.date(2027, 1, 15)
