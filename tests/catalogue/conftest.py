"""Fixtures for the information asset register: a few assets, a standard, and signed-in clients per role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from django.test import Client

from tests.service_requests.test_backoffice_queue import signed_in
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.catalogue import services
from townhall.catalogue.constants import AssetKind, Classification, LawfulBasis, RuleKind, SpecialCategoryCondition
from townhall.catalogue.models import DataStandard, InformationAsset

TODAY = dt.date(2026, 12, 1)

BASE = services.AssetFields(
    name="Council tax system",
    kind=AssetKind.SYSTEM,
    purpose="Billing and collecting council tax.",
    owner_role="Head of Revenues and Benefits",
    location="Revenues server room 2",
    format="Oracle database",
    classification=Classification.OFFICIAL,
    holds_personal_data=True,
    lawful_basis=LawfulBasis.LEGAL_OBLIGATION,
    legislation="Local Government Finance Act 1992",
    retention_period_months=72,
    retention_trigger="after the account closes",
    disposal_action="destroy",
    next_review_on=TODAY + dt.timedelta(days=30),
)


def asset_fields(**changes: Any) -> services.AssetFields:
    return replace(BASE, **changes)


@dataclass(frozen=True)
class Register:
    council_tax: InformationAsset
    social_care: InformationAsset
    gazetteer: InformationAsset
    safeguarding: InformationAsset
    postcode: DataStandard


@pytest.fixture
def register(db: None) -> Register:
    council_tax = services.asset_create(acting_user=None, fields=BASE)
    social_care = services.asset_create(
        acting_user=None,
        fields=asset_fields(
            name="Adult social care case records",
            purpose="Care assessments and plans.",
            owner_role="Director of Adult Social Care",
            holds_special_category_data=True,
            lawful_basis=LawfulBasis.PUBLIC_TASK,
            special_category_condition=SpecialCategoryCondition.HEALTH_SOCIAL_CARE,
            next_review_on=TODAY - dt.timedelta(days=3),
        ),
    )
    gazetteer = services.asset_create(
        acting_user=None,
        fields=asset_fields(
            name="Local Land and Property Gazetteer",
            purpose="Every address with its UPRN.",
            owner_role="Head of Digital",
            holds_personal_data=False,
            lawful_basis="",
            retention_period_months=None,
            retention_trigger="",
            disposal_action="keep",
            kind=AssetKind.DATASET,
            next_review_on=None,
        ),
    )
    safeguarding = services.asset_create(
        acting_user=None,
        fields=asset_fields(
            name="Safeguarding adults referrals",
            purpose="Concerns about adults at risk.",
            owner_role="Director of Adult Social Care",
            holds_special_category_data=True,
            lawful_basis=LawfulBasis.PUBLIC_TASK,
            special_category_condition=SpecialCategoryCondition.SUBSTANTIAL_PUBLIC_INTEREST,
            classification=Classification.OFFICIAL_SENSITIVE,
        ),
    )
    services.relationship_add(acting_user=None, source=gazetteer, target=council_tax, kind="feeds")
    postcode = services.standard_create(
        acting_user=None, name="UK postcode", kind=RuleKind.UK_POSTCODE, example="TS1 1AA"
    )
    services.field_rule_add(
        acting_user=None, asset=council_tax, field_name="postcode", standard=postcode, required=True
    )
    return Register(council_tax, social_care, gazetteer, safeguarding, postcode)


@pytest.fixture
def role_client(staff_by_role: dict[StaffRole, User]) -> Callable[[StaffRole], Client]:
    """`role_client(role)`: a client signed in with MFA as the member of staff holding `role`."""
    return lambda role: signed_in(staff_by_role[role])
