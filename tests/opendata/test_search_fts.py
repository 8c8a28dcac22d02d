"""Free text in the database: PostgreSQL full-text search or SQLite FTS5, ranked, kept current by triggers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tests.opendata.ckan_fixtures import fields
from townhall.opendata import search_index, selectors, services
from townhall.opendata.models import Dataset, Licence, Publisher, Resource, Tag, Theme
from townhall.opendata.services import ResourceFields

pytestmark = pytest.mark.django_db
SITE = "https://x.example"
FACETS = ["organization", "groups", "tags", "res_format", "license_id"]


@pytest.fixture
def roads(db: None) -> Publisher:
    return Publisher.objects.create(name="roads", title="Roads department")


def _make(name: str, publisher: Publisher, **overrides: Any) -> Dataset:
    return services.dataset_create(acting_user=None, fields=fields(name, publisher, **overrides))


def _names(q: str = "", **kwargs: Any) -> list[str]:
    found = selectors.package_search(user=None, site_url=SITE, q=q, rows=100, **kwargs)
    return [result["name"] for result in found["results"]]


def test_a_title_match_ranks_above_a_description_match_above_a_resource_match(roads: Publisher) -> None:
    _make(
        "in-files",
        roads,
        title="Gritting routes",
        notes="Winter roads.",
        resources=[
            ResourceFields(name="Viaduct inspections", url="https://data.example/v.csv", format="CSV"),
        ],
    )
    _make("in-notes", roads, title="Structures register", notes="Every viaduct and bridge the council maintains.")
    _make("in-title", roads, title="Viaduct condition", notes="Scores from the last survey.")
    _make("unrelated", roads, title="Street lights", notes="Columns and lanterns.")

    assert _names("viaduct") == ["in-title", "in-notes", "in-files"]
    assert _names("viaduct", sort="score desc, metadata_modified desc") == ["in-title", "in-notes", "in-files"]
    # any other sort keeps its own order; score without free text is skipped
    assert _names("viaduct", sort="name asc") == ["in-files", "in-notes", "in-title"]
    assert _names("", sort="score desc, name asc") == ["in-files", "in-notes", "in-title", "unrelated"]


def test_words_are_stemmed(roads: Publisher) -> None:
    _make("bridge-inspections", roads, title="Bridge inspections", notes="Inspected yearly.")
    assert _names("bridges") == ["bridge-inspections"]
    assert _names("inspecting") == ["bridge-inspections"]
    assert _names("inspect*") == ["bridge-inspections"]  # a trailing * is a prefix


def test_a_quoted_phrase_needs_its_words_together_in_order(roads: Publisher) -> None:
    _make("together", roads, title="Road safety schemes")
    _make("apart", roads, title="Safety on every road")

    assert sorted(_names("road safety")) == ["apart", "together"]
    assert _names('"road safety"') == ["together"]


def test_negation_or_and_fields_combine_with_free_text(roads: Publisher) -> None:
    _make("closures", roads, title="Bridge closures", tag_names=["roadworks"])
    _make("paint", roads, title="Bridge painting")
    _make("ferry", roads, title="Ferry timetable")

    assert _names("bridge -closures") == ["paint"]
    assert _names("bridge NOT closures") == ["paint"]
    assert sorted(_names("ferry OR painting")) == ["ferry", "paint"]
    assert _names("bridge", fq="tags:roadworks") == ["closures"]
    assert _names("roadworks") == ["closures"]  # tags are in the index too
    assert sorted(_names("roads")) == ["closures", "ferry", "paint"]  # and the publisher's name


def test_stop_words_and_punctuation_neither_empty_the_results_nor_reach_the_engine(roads: Publisher) -> None:
    _make("bridges", roads, title="Bridge inspections")

    assert _names("the bridges") == ["bridges"]
    assert _names("'bridge'") == ["bridges"]
    assert _names('bridges "NEAR" ;DROP') == []  # every word is searched for, none is an operator
    assert _names('bridges OR "NEAR(x y)" OR ;') == ["bridges"]
    assert _names("bridges OR *") == ["bridges"]


def test_an_edit_updates_the_index(roads: Publisher) -> None:
    dataset = _make("renamed", roads, title="Potholes reported", tag_names=["roads"])
    assert _names("potholes") == ["renamed"]

    services.dataset_update(
        acting_user=None,
        dataset=dataset,
        fields=fields("renamed", roads, title="Carriageway defects", tag_names=["surfacing"]),
    )
    assert _names("potholes") == []
    assert _names("carriageway") == ["renamed"]
    assert _names("surfacing") == ["renamed"]

    services.resource_create(
        acting_user=None, dataset=dataset, fields=ResourceFields(name="Kerbside survey", url="https://x.example/k.csv")
    )
    assert _names("kerbside") == ["renamed"]

    Tag.objects.filter(name="surfacing").update(name="resurfacing")
    assert _names("resurfacing") == ["renamed"]
    Publisher.objects.filter(pk=roads.pk).update(title="Highways Authority")
    assert _names("authority") == ["renamed"]

    dataset.delete()
    with connection.cursor() as cursor:
        table = "opendata_dataset_search" if connection.vendor == "postgresql" else "opendata_dataset_fts"
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a constant table name
        assert cursor.fetchone()[0] == 0


def test_search_results_equal_package_show(roads: Publisher) -> None:
    _make("shown", roads, title="Bridge loads", tag_names=["bridges"])
    found = selectors.package_search(user=None, site_url=SITE, q="bridge")
    assert found["results"] == [selectors.package_show(user=None, id_or_name="shown", site_url=SITE)]


def test_a_rebuild_gives_the_same_index(roads: Publisher) -> None:
    _make("one", roads, title="Bridge loads")
    _make("two", roads, title="Tunnel lights", notes="Bridge approaches too.")
    before = _names("bridge")
    search_index.rebuild(connection)
    assert _names("bridge") == before == ["one", "two"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite drops a table's triggers when Django remakes it")
def test_ensure_puts_back_triggers_a_table_remake_dropped(roads: Publisher) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER opendata_fts_dataset_insert")
    _make("missed", roads, title="Gully cleansing")
    assert _names("gully") == []

    search_index.ensure()
    assert _names("gully") == ["missed"]
    _make("caught", roads, title="Gully emptying")
    assert sorted(_names("gully")) == ["caught", "missed"]


def _facets(q: str = "", fq: str = "", limit: int = 50) -> dict[str, list[tuple[str, str, int]]]:
    found = selectors.package_search(user=None, site_url=SITE, q=q, fq=fq, facet_fields=FACETS, facet_limit=limit)
    items = found["search_facets"]
    return {field: [(i["name"], i["display_name"], i["count"]) for i in items[field]["items"]] for field in FACETS}


def test_facets_count_datasets_by_count_then_name(roads: Publisher) -> None:
    parks = Publisher.objects.create(name="parks", title="Parks and open spaces")
    transport = Theme.objects.create(name="transport", title="Transport")
    csv = ResourceFields(name="Data", url="https://x.example/a.csv", format="CSV")
    _make(
        "bridges",
        roads,
        title="Bridge loads",
        tag_names=["bridges", "roads"],
        themes=[transport],
        resources=[csv, ResourceFields(name="Again", url="https://x.example/b.csv", format="CSV")],
    )
    _make("gullies", roads, title="Gully cleansing", tag_names=["roads"], resources=[csv])
    _make(
        "trees",
        parks,
        title="Park trees",
        tag_names=["trees"],
        resources=[ResourceFields(name="Link", url="https://x.example/", format="")],
    )
    licence = Licence.objects.get(is_default=True)

    assert _facets() == {
        "organization": [("roads", "Roads department", 2), ("parks", "Parks and open spaces", 1)],
        "groups": [("transport", "Transport", 1)],
        "tags": [("roads", "roads", 2), ("bridges", "bridges", 1), ("trees", "trees", 1)],
        "res_format": [("CSV", "CSV", 2)],  # a dataset counts once however many CSVs; no format is no value
        "license_id": [(licence.key, licence.title, 3)],
    }
    assert _facets(limit=2)["tags"] == [("roads", "roads", 2), ("bridges", "bridges", 1)]  # ties by name
    assert _facets(limit=0)["tags"] == []
    assert _facets(limit=-1)["tags"] == _facets()["tags"]
    assert _facets("bridge") == {
        "organization": [("roads", "Roads department", 1)],
        "groups": [("transport", "Transport", 1)],
        "tags": [("bridges", "bridges", 1), ("roads", "roads", 1)],
        "res_format": [("CSV", "CSV", 1)],
        "license_id": [(licence.key, licence.title, 1)],
    }
    found = selectors.package_search(user=None, site_url=SITE, fq="tags:roads", facet_fields=["tags", "tags"])
    assert found["count"] == 2
    assert list(found["facets"]) == ["tags"]


def test_browsing_facets_follow_every_write(roads: Publisher) -> None:
    """Browsing (no q, no fq) is cached on PostgreSQL under the catalogue version: every write must show."""
    dataset = _make("lights", roads, title="Street lights", tag_names=["lighting"], resources=[])
    assert _facets()["tags"] == [("lighting", "lighting", 1)]
    assert selectors.package_search(user=None, site_url=SITE)["count"] == 1

    Tag.objects.filter(name="lighting").update(name="lamps")
    assert _facets()["tags"] == [("lamps", "lamps", 1)]

    parks = Theme.objects.create(name="parks", title="Parks")
    dataset.themes.add(parks)
    assert _facets()["groups"] == [("parks", "Parks", 1)]
    Theme.objects.filter(pk=parks.pk).update(name="green-spaces", title="Green spaces")
    assert _facets()["groups"] == [("green-spaces", "Green spaces", 1)]

    Publisher.objects.filter(pk=roads.pk).update(title="Highways")
    assert _facets()["organization"] == [("roads", "Highways", 1)]
    Licence.objects.filter(pk=dataset.licence_id).update(title="Open Government Licence v3")
    assert _facets()["license_id"][0][1] == "Open Government Licence v3"

    Resource.objects.create(dataset=dataset, name="Columns", url="https://x.example/c.json", format="JSON")
    assert _facets()["res_format"] == [("JSON", "JSON", 1)]
    Resource.objects.filter(dataset=dataset).update(format="GeoJSON")
    assert _facets()["res_format"] == [("GeoJSON", "GeoJSON", 1)]

    Dataset.objects.filter(pk=dataset.pk).update(private=True)
    assert selectors.package_search(user=None, site_url=SITE, facet_fields=FACETS)["count"] == 0
    assert _facets()["tags"] == []


def test_browsing_counts_a_scheduled_dataset_once_its_time_has_passed(
    roads: Publisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached browse answer lasts only until the next scheduled publication (no write marks that moment)."""
    publish_at = timezone.now() + dt.timedelta(hours=1)
    _make("now", roads, title="Already published")
    _make("later", roads, title="Published in an hour", scheduled_publication_at=publish_at)
    assert selectors.package_search(user=None, site_url=SITE, facet_fields=FACETS)["count"] == 1

    monkeypatch.setattr(timezone, "now", lambda: publish_at + dt.timedelta(minutes=1))  # the clock, nothing else
    found = selectors.package_search(user=None, site_url=SITE, facet_fields=FACETS)
    assert found["count"] == 2
    assert found["facets"]["organization"] == {"roads": 2}
