"""The demo borough's register (townhall/demo/information_assets.py): realistic, connected, published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from townhall.catalogue import selectors
from townhall.catalogue.models import AssetRelationship, InformationAsset, SharingAgreement
from townhall.demo.information_assets import demo_information_assets_create
from townhall.opendata.models import Dataset

pytestmark = pytest.mark.django_db


def test_demo_register(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    count = demo_information_assets_create(as_of=dt.date(2026, 12, 1))

    assert 15 <= count <= 25
    names = set(InformationAsset.objects.values_list("name", flat=True))
    for source in (
        "Council tax system",
        "Housing register",
        "Adult social care case records",
        "Garden waste subscriptions",
    ):
        assert source in names
    assert {"Service requests", "Open data portal", "MyAccount resident accounts", "Citizen Index"} <= names
    assert AssetRelationship.objects.count() >= 20
    assert SharingAgreement.objects.count() >= 4
    assert Dataset.objects.filter(name="information-asset-register").exists()
    rules = selectors.standards_for_asset("Council tax system")
    assert rules["postcode"].required
    due, _ = selectors.assets_due_for_review(today=dt.date(2026, 12, 1))
    assert due, "some entries are due for review, so the page has something to show"
