"""The CKAN read actions, through the real `ckanapi` client against a running Townhall (pytest-django's live_server)."""

from __future__ import annotations

from typing import Any

import ckanapi
import pytest
import requests

from tests.opendata.ckan_fixtures import Catalogue

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = ["public-toilets", "spending-over-500", "street-trees"]


def test_package_list_shows_public_active_datasets_only(ckan: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    assert ckan.action.package_list() == PUBLIC
    assert ckan.action.package_list(limit="1", offset=1) == ["spending-over-500"]


def test_package_show_has_ckans_shape(ckan: ckanapi.RemoteCKAN, catalogue: Catalogue, live_server: Any) -> None:
    shown = ckan.action.package_show(id="street-trees", include_users=False)

    assert shown["id"] == str(catalogue.trees.id)
    assert ckan.action.package_show(id=str(catalogue.trees.id)) == shown
    assert shown["type"] == "dataset"
    assert shown["state"] == "active"
    assert shown["private"] is False
    assert shown["license_id"] == "OGL-UK-3.0"
    assert shown["license_title"] == "Open Government Licence v3.0"
    assert shown["license_url"].startswith("http://www.nationalarchives.gov.uk/")
    assert shown["owner_org"] == str(catalogue.highways.id)
    assert shown["organization"]["name"] == "highways"
    assert shown["organization"]["is_organization"] is True
    assert [group["name"] for group in shown["groups"]] == ["transport"]
    assert [tag["name"] for tag in shown["tags"]] == ["environment", "trees"]
    assert shown["tags"][0]["display_name"] == "environment"
    assert shown["num_tags"] == 2
    assert shown["num_resources"] == 2
    assert [resource["format"] for resource in shown["resources"]] == ["CSV", "GeoJSON"]
    assert shown["resources"][0]["package_id"] == shown["id"]
    assert shown["resources"][0]["position"] == 0
    assert shown["resources"][0]["size"] == 1234
    assert shown["maintainer_email"] == "opendata@council.example"
    extras = {extra["key"]: extra["value"] for extra in shown["extras"]}
    assert extras["source"] == "Tree survey"
    assert extras["frequency"].endswith("/ANNUAL")
    assert extras["temporal_start"] == "2025-04-01"
    assert extras["spatial"] == '{"type":"Point","coordinates":[-1.2,54.6]}'
    assert "T" in shown["metadata_created"]
    assert "+" not in shown["metadata_modified"]
    for key in ("author", "author_email", "maintainer", "notes", "title", "url", "version", "isopen"):
        assert key in shown


def test_drafts_and_private_datasets_are_not_found_without_a_stewards_token(
    ckan: ckanapi.RemoteCKAN, ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue
) -> None:
    for name in ("draft-budget", "staff-car-parks"):
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id=name)
        assert ckan_steward.action.package_show(id=name)["name"] == name
    withdrawn = ckan.action.package_show(id="old-bins")
    assert withdrawn["state"] == "withdrawn"
    assert {"key": "withdrawn_reason", "value": "Superseded by waste data"} in withdrawn["extras"]


def test_package_search_with_facets(ckan: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    found = ckan.action.package_search(
        q="", fq="tags:trees", facet="true", **{"facet.field": ["organization", "tags", "res_format", "license_id"]}
    )

    assert found["count"] == 2
    assert sorted(result["name"] for result in found["results"]) == ["public-toilets", "street-trees"]
    for result in found["results"]:
        assert result == ckan.action.package_show(id=result["name"])
    assert found["facets"]["organization"] == {"highways": 2}
    assert found["search_facets"]["organization"] == {
        "title": "organization",
        "items": [{"name": "highways", "display_name": "Highways and Transport", "count": 2}],
    }
    assert found["search_facets"]["tags"]["items"][0] == {"name": "trees", "display_name": "trees", "count": 2}
    assert found["facets"]["res_format"] == {"CSV": 1, "GeoJSON": 1}
    licences = {item["name"]: item["display_name"] for item in found["search_facets"]["license_id"]["items"]}
    assert licences == {"OGL-UK-3.0": "Open Government Licence v3.0", "CC-BY-4.0": "Creative Commons Attribution 4.0"}


def test_package_search_text_paging_and_sort(ckan: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    assert [r["name"] for r in ckan.action.package_search(q="toilets")["results"]] == ["public-toilets"]
    assert ckan.action.package_search(fq='organization:"finance"')["count"] == 1
    everything = ckan.action.package_search(sort="id asc", rows=1000)
    assert everything["count"] == 3
    assert everything["sort"] == "id asc"
    ids = [result["id"] for result in everything["results"]]
    assert ids == sorted(ids)
    pages = [ckan.action.package_search(sort="id asc", rows="1", start=str(n))["results"][0]["id"] for n in range(3)]
    assert pages == ids
    by_name = ckan.action.package_search(sort="name desc")["results"]
    assert [result["name"] for result in by_name] == sorted(PUBLIC, reverse=True)
    assert ckan.action.package_search()["search_facets"] == {}


def test_package_search_private_and_drafts_need_a_stewards_token(
    ckan: ckanapi.RemoteCKAN, ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue
) -> None:
    assert ckan.action.package_search(include_private=True, include_drafts=True)["count"] == 3
    assert ckan_steward.action.package_search()["count"] == 3
    assert ckan_steward.action.package_search(include_private=True)["count"] == 4
    assert ckan_steward.action.package_search(include_private="true", include_drafts="true")["count"] == 5


def test_organizations_groups_tags_and_licences(ckan: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    assert ckan.action.organization_list() == ["finance", "highways"]
    orgs = ckan.action.organization_list(all_fields=True)
    assert [(org["name"], org["package_count"]) for org in orgs] == [("finance", 1), ("highways", 2)]
    shown = ckan.action.organization_show(id="highways", include_datasets=True)
    assert shown["title"] == "Highways and Transport"
    assert [package["name"] for package in shown["packages"]] == ["public-toilets", "street-trees"]
    with pytest.raises(ckanapi.NotFound):
        ckan.action.organization_show(id="nobody")
    assert ckan.action.group_list() == ["spending", "transport"]
    assert ckan.action.group_show(id="transport")["package_count"] == 2
    assert ckan.action.tag_list() == ["environment", "finance", "spending", "trees"]
    licences = {licence["id"]: licence for licence in ckan.action.license_list()}
    assert {"OGL-UK-3.0", "OGL-UK-2.0", "CC-BY-4.0", "CC0-1.0", "ODC-BY-1.0", "ODbL-1.0"} <= set(licences)
    assert licences["OGL-UK-3.0"]["title"] == "Open Government Licence v3.0"


def test_status_site_read_and_current_packages(ckan: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    assert ckan.action.site_read() is True
    assert ckan.action.status_show()["ckan_version"].startswith("2.")
    current = ckan.action.current_package_list_with_resources(limit=2)
    assert [package["name"] for package in current] == ["public-toilets", "spending-over-500"]
    assert current[0] == ckan.action.package_show(id="public-toilets")
    resource_id = ckan.action.package_show(id="street-trees")["resources"][0]["id"]
    assert ckan.action.resource_show(id=resource_id)["url"] == "https://data.council.example/trees.csv"


def test_read_actions_answer_get_with_query_parameters(live_server: Any, catalogue: Catalogue) -> None:
    for prefix in ("/api/3/action/", "/api/action/"):
        response = requests.get(
            live_server.url + prefix + "package_search",
            params={"fq": "tags:trees", "rows": "1", "facet.field": '["organization"]'},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True
        assert body["help"].endswith("/api/3/action/help_show?name=package_search")
        assert body["result"]["count"] == 2
        assert len(body["result"]["results"]) == 1
        assert body["result"]["facets"]["organization"] == {"highways": 2}


def test_ckanapi_in_get_only_mode(live_server: Any, catalogue: Catalogue) -> None:
    with ckanapi.RemoteCKAN(live_server.url, get_only=True) as client:
        found = client.action.package_search(q="name:street-trees", **{"facet.field": ["tags", "groups"]})
        assert [result["name"] for result in found["results"]] == ["street-trees"]
        assert found["facets"]["groups"] == {"transport": 1}
        assert client.action.package_show(id="street-trees")["name"] == "street-trees"
        with pytest.raises(ckanapi.CKANAPIError):
            client.action.package_create(name="by-get", owner_org="highways")


def test_negated_and_combined_filters(ckan: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    found = ckan.action.package_search(fq="organization:highways -tags:environment")
    assert [result["name"] for result in found["results"]] == ["public-toilets"]
    both = ckan.action.package_search(fq='groups:transport res_format:"CSV"')
    assert [result["name"] for result in both["results"]] == ["street-trees"]


def test_harvester_style_solr_queries(ckan: ckanapi.RemoteCKAN, catalogue: Catalogue) -> None:
    """What ckanext-harvest and data.gov.uk send: ranges on metadata_modified, OR, negation, phrases."""

    def names(**params: Any) -> set[str]:
        return {d["name"] for d in ckan.action.package_search(rows=1000, **params)["results"]}

    assert names() == set(PUBLIC)
    assert names(fq="metadata_modified:[2000-01-01T00:00:00Z TO *]") == set(PUBLIC)
    assert names(fq="metadata_modified:[NOW+1DAY TO *]") == set()
    assert names(q='-name:"street-trees"') == set(PUBLIC) - {"street-trees"}
    assert names(fq="name:street-trees OR name:public-toilets") == {"street-trees", "public-toilets"}
    assert names(q="tags:trees tags:environment") == {"street-trees"}
