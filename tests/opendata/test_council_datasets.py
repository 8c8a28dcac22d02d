"""The council's own datasets (issue 6, "published by default").

Aggregates only, small counts withheld, and a new file only when the figures change.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from tests.insight import conftest as insight_fixtures
from tests.insight.conftest import History, at
from tests.service_requests import conftest as service_fixtures
from townhall.insight import services as insight_services
from townhall.opendata import services
from townhall.opendata.models import Dataset, Resource
from townhall.service_requests.models import ServiceRequest

borough = service_fixtures.borough
teams = service_fixtures.teams
roads = service_fixtures.roads
pothole = service_fixtures.pothole
history = insight_fixtures.history

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 1)


def _rows(name: str) -> list[dict[str, str]]:
    resource = Resource.objects.get(dataset__name=name)
    with resource.upload.open("rb") as handle:
        return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8"))))


def test_request_statistics_match_the_requests_and_withhold_small_counts(history: History) -> None:
    assert services.council_datasets_publish(today=TODAY) == ["service-requests-by-ward-and-month", "ward-boundaries"]

    rows = _rows("service-requests-by-ward-and-month")
    assert rows
    for row in rows:
        year, month = map(int, row["month"].split("-"))
        start = at(dt.date(year, month, 1), 0)
        end = at(dt.date(year + month // 12, month % 12 + 1, 1), 0)
        received = ServiceRequest.objects.filter(
            ward__code=row["ward_code"],
            category__service_code=row["service_code"],
            received_at__gte=start,
            received_at__lt=end,
        ).count()
        assert row["received"] == ("" if 0 < received < 5 else str(received)), row
    assert any(row["received"] == "" for row in rows), "the fixture has small cells, which must be blank"
    assert all(row["received"] in ("", "0") or int(row["received"]) >= 5 for row in rows)
    text = json.dumps(rows)
    assert "Pat Resident" not in text
    assert "pat@example.org" not in text


def test_ward_boundaries_are_geojson(history: History) -> None:
    services.council_datasets_publish(today=TODAY)
    resource = Resource.objects.get(dataset__name="ward-boundaries")
    with resource.upload.open("rb") as handle:
        collection = json.loads(handle.read())

    assert {f["properties"]["name"] for f in collection["features"]} == {"Northfield", "Southfield"}
    assert resource.format == "GeoJSON"


def test_a_refresh_with_the_same_figures_changes_nothing_and_new_figures_replace_the_file(history: History) -> None:
    services.council_datasets_publish(today=TODAY)
    dataset = Dataset.objects.get(name="service-requests-by-ward-and-month")
    modified, file_hash = dataset.metadata_modified, dataset.resources.get().hash

    assert services.council_datasets_publish(today=TODAY) == []
    dataset.refresh_from_db()
    assert dataset.metadata_modified == modified

    january = ServiceRequest.objects.filter(received_at__lt=at(dt.date(2026, 2, 1), 0)).values("pk")
    ServiceRequest.objects.filter(pk__in=january).update(received_at=at(dt.date(2026, 3, 10)))
    insight_services.rollups_refresh(full=True, now=at(TODAY))
    assert services.council_datasets_publish(today=TODAY) == ["service-requests-by-ward-and-month"]
    assert Dataset.objects.get(name="service-requests-by-ward-and-month").resources.get().hash != file_hash
