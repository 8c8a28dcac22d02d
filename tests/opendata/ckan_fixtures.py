"""A small catalogue for the CKAN API tests: two publishers, two themes; public, private, draft, withdrawn datasets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.accounts.models import User
from townhall.opendata import selectors, services
from townhall.opendata.models import Dataset, DatasetState, Frequency, Publisher, Theme
from townhall.opendata.services import DatasetFields, ResourceFields

PASSWORD = "correct-horse-battery-staple-42"


@dataclass(frozen=True)
class Catalogue:
    highways: Publisher
    finance: Publisher
    transport: Theme
    spending: Theme
    trees: Dataset
    spend: Dataset
    toilets: Dataset
    private: Dataset
    draft: Dataset
    withdrawn: Dataset


def steward() -> User:
    return account_services.staff_create(
        email="steward@council.example", password=PASSWORD, roles=[StaffRole.DATA_STEWARD]
    )


def fields(name: str, publisher: Publisher, **overrides: object) -> DatasetFields:
    licence = selectors.licence_default()
    assert licence is not None
    values: dict[str, object] = {
        "name": name,
        "title": name.replace("-", " ").title(),
        "publisher": publisher,
        "licence": licence,
        "notes": f"About {name}.",
        "contact_name": "Open data team",
        "contact_email": "opendata@council.example",
    }
    values.update(overrides)
    return DatasetFields(**values)  # type: ignore[arg-type]


def make_catalogue() -> Catalogue:
    highways = Publisher.objects.create(name="highways", title="Highways and Transport", email="roads@council.example")
    finance = Publisher.objects.create(name="finance", title="Finance")
    transport = Theme.objects.create(name="transport", title="Transport")
    spending = Theme.objects.create(name="spending", title="Spending")
    cc_by = selectors.licence_by_key(key="CC-BY-4.0")
    csv = ResourceFields(name="Data", url="https://data.council.example/trees.csv", format="CSV", size=1234)
    trees = services.dataset_create(
        acting_user=None,
        fields=fields(
            "street-trees",
            highways,
            tag_names=["trees", "environment"],
            themes=[transport],
            frequency=Frequency.ANNUAL,
            temporal_start=dt.date(2025, 4, 1),
            temporal_end=dt.date(2026, 3, 31),
            spatial_label="Borough",
            spatial_geojson={"type": "Point", "coordinates": [-1.2, 54.6]},
            extras=[{"key": "source", "value": "Tree survey"}],
            resources=[
                csv,
                ResourceFields(name="Map", url="https://data.council.example/trees.json", format="GeoJSON"),
            ],
        ),
    )
    spend = services.dataset_create(
        acting_user=None,
        fields=fields(
            "spending-over-500",
            finance,
            licence=selectors.licence_default(),
            tag_names=["finance", "spending"],
            themes=[spending],
            resources=[ResourceFields(name="2026", url="https://data.council.example/spend.csv", format="CSV")],
        ),
    )
    toilets = services.dataset_create(
        acting_user=None,
        fields=fields("public-toilets", highways, licence=cc_by, tag_names=["trees"], themes=[transport, spending]),
    )
    private = services.dataset_create(
        acting_user=None, fields=fields("staff-car-parks", highways, private=True, tag_names=["secret-tag"])
    )
    draft = services.dataset_create(
        acting_user=None, fields=fields("draft-budget", finance, state=DatasetState.DRAFT, tag_names=["draft-tag"])
    )
    withdrawn = services.dataset_create(
        acting_user=None,
        fields=fields("old-bins", highways, state=DatasetState.WITHDRAWN, withdrawn_reason="Superseded by waste data"),
    )
    return Catalogue(highways, finance, transport, spending, trees, spend, toilets, private, draft, withdrawn)
