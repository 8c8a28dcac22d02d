"""/data/: search with facets, sorting and pages, and the dataset page, without JavaScript (issue 6, check 5)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.opendata.ckan_fixtures import Catalogue, fields
from townhall.opendata import services
from townhall.opendata.models import Publisher

pytestmark = pytest.mark.django_db


def _titles(html: str) -> list[str]:
    return re.findall(
        r'<h3 class="govuk-heading-s[^"]*"><a class="govuk-link" href="/data/dataset/[^"]+/">([^<]+)</a>', html
    )


def test_search_lists_public_datasets_only(client: Client, catalogue: Catalogue) -> None:
    html = client.get("/data/").content.decode()

    assert sorted(_titles(html)) == sorted([catalogue.trees.title, catalogue.spend.title, catalogue.toilets.title])
    for hidden in (catalogue.private, catalogue.draft, catalogue.withdrawn):
        assert hidden.title not in html
    assert "3 datasets" in html


def test_words_and_facets_narrow_the_results_and_agree_with_the_api(client: Client, catalogue: Catalogue) -> None:
    html = client.get("/data/", {"publisher": "highways"}).content.decode()
    api = client.get("/api/3/action/package_search", {"fq": 'organization:"highways"'}).json()["result"]

    assert sorted(_titles(html)) == sorted(d["title"] for d in api["results"])
    assert 'value="highways" checked' in html
    assert client.get("/data/", {"q": "zzzz-nothing"}).content.decode().count("No datasets match") == 1
    words = _titles(client.get("/data/", {"q": catalogue.trees.title.split()[0]}).content.decode())
    assert catalogue.trees.title in words


def test_facet_counts_are_shown(client: Client, catalogue: Catalogue) -> None:
    html = client.get("/data/").content.decode()
    api = client.get("/api/3/action/package_search", {"facet.field": '["organization"]'}).json()["result"]

    for item in api["search_facets"]["organization"]["items"]:
        assert f"{item['display_name']} ({item['count']})" in html


def test_a_query_we_cannot_parse_is_explained(client: Client, catalogue: Catalogue) -> None:
    response = client.get("/data/", {"q": "(unbalanced"})

    assert response.status_code == 200
    assert "We could not understand that search" in response.content.decode()


def test_pages_of_twenty(client: Client, catalogue: Catalogue, data_steward) -> None:  # type: ignore[no-untyped-def]
    publisher = Publisher.objects.get(name="finance")
    for n in range(25):
        services.dataset_create(acting_user=data_steward, fields=fields(f"bulk-{n:02d}", publisher))
    first = client.get("/data/", {"sort": "title"}).content.decode()
    second = client.get("/data/", {"sort": "title", "page": "2"}).content.decode()

    assert len(_titles(first)) == 20
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first
    assert set(_titles(first)).isdisjoint(_titles(second))
    assert len(_titles(first)) + len(_titles(second)) == 28
    assert _titles(first) == sorted(_titles(first))


def test_dataset_page_has_its_data_licence_and_schema_org(client: Client, catalogue: Catalogue) -> None:
    response = client.get(f"/data/dataset/{catalogue.trees.name}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert catalogue.trees.title in html
    assert "Open Government Licence v3.0" in html
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert ld["@type"] == "Dataset"
    assert ld["name"] == catalogue.trees.title
    assert ld["identifier"] == str(catalogue.trees.id)
    assert ld["distribution"], "each resource is a DataDownload"
    assert "package_show?id=street-trees" in html


def test_withdrawn_datasets_stay_findable_when_asked_for_and_are_marked(client: Client, catalogue: Catalogue) -> None:
    title = catalogue.withdrawn.title
    plain = client.get("/data/").content.decode()
    assert title not in plain, "withdrawn datasets are left out of an ordinary search, as CKAN does"

    html = client.get("/data/?withdrawn=yes").content.decode()
    assert title in html
    assert "Withdrawn</strong>" in html
    assert 'id="withdrawn" name="withdrawn" type="checkbox" value="yes" checked' in html
    assert catalogue.draft.title not in html
    assert catalogue.private.title not in html
    api = client.get("/api/3/action/package_search?rows=100").json()["result"]
    assert catalogue.withdrawn.name not in {p["name"] for p in api["results"]}, "the API is unchanged"


def test_withdrawn_datasets_say_so_and_drafts_are_not_found(client: Client, catalogue: Catalogue) -> None:
    assert "has been withdrawn" in client.get(f"/data/dataset/{catalogue.withdrawn.name}/").content.decode()
    assert client.get(f"/data/dataset/{catalogue.draft.name}/").status_code == 404
    assert client.get(f"/data/dataset/{catalogue.private.name}/").status_code == 404
    assert client.get("/data/dataset/no-such-thing/").status_code == 404
