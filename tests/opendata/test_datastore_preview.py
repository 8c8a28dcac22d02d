"""The dataset page's preview of loaded tables: rows by page, the chart, the data dictionary."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.opendata.datastore_fixtures import TREES_CSV, TREES_SCHEMA, dataset_with_resources, load_csv, resources_of
from townhall.opendata.selectors import datastore as ds

pytestmark = pytest.mark.django_db


def test_page_shows_rows_chart_and_dictionary(client: Client) -> None:
    trees, _ = resources_of(dataset_with_resources())
    load_csv(trees, TREES_CSV, TREES_SCHEMA)
    response = client.get("/data/dataset/street-trees/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="preview-{trees.pk}"' in html
    assert "Rows 1 to 5 of 5." in html
    assert '<div aria-hidden="true"><svg' in html
    assert "Height in metres" in html  # the data dictionary, from the schema's description
    previews = response.context["previews"]
    assert [preview.resource_id for preview in previews] == [str(trees.pk)]  # the other resource isn't loaded
    assert previews[0].chart_field.id == "height_m"
    assert previews[0].rows[0][:3] == [("1", True), ("Oak", False), ("North", False)]


def test_pages_of_the_preview(client: Client) -> None:
    trees = resources_of(dataset_with_resources(count=1))[0]
    load_csv(trees, "n,label\n" + "".join(f"{n},row {n}\n" for n in range(1, 24)))
    found = ds.previews(resources=[{"id": str(trees.pk), "name": "Rows"}], chosen=str(trees.pk), page=3)[0]
    assert (found.page, found.pages, found.first_row, found.last_row, found.total) == (3, 3, 21, 23, 23)
    assert found.chart_field is not None
    assert found.chart_field.id == "n"
    clamped = ds.previews(resources=[{"id": str(trees.pk), "name": "Rows"}], chosen=str(trees.pk), page=99)[0]
    assert clamped.page == 3
    other = ds.previews(resources=[{"id": str(trees.pk), "name": "Rows"}], chosen="someone-else", page=2)[0]
    assert other.page == 1
    assert client.get(f"/data/dataset/street-trees/?preview={trees.pk}&page=two").status_code == 200
