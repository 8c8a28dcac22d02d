"""CKAN's error envelope, status codes and input leniency, through ckanapi and through plain HTTP."""

from __future__ import annotations

import json
from typing import Any

import ckanapi
import pytest
from django.test import Client

from tests.opendata.ckan_fixtures import Catalogue

ACTION = "/api/3/action/"


def call(client: Client, name: str, body: dict[str, Any] | None = None, token: str = "") -> Any:
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    return client.post(ACTION + name, json.dumps(body or {}), content_type="application/json", **headers)


@pytest.mark.django_db(transaction=True)
def test_ckanapi_raises_the_matching_errors(
    ckan: ckanapi.RemoteCKAN, ckan_steward: ckanapi.RemoteCKAN, catalogue: Catalogue
) -> None:
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.NotAuthorized):
        ckan.action.package_create(name="anything", owner_org="highways")
    with pytest.raises(ckanapi.ValidationError) as invalid:
        ckan_steward.action.package_create(name="Not A Slug!", owner_org="nobody", license_id="made-up")
    assert set(invalid.value.error_dict) >= {"__type", "name", "owner_org", "license_id"}
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(sort="colour sideways")


def test_not_found(client: Client, catalogue: Catalogue) -> None:
    response = call(client, "package_show", {"id": "no-such-dataset"})
    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Not Found Error"
    assert body["error"]["message"].startswith("Not found")
    assert body["help"].endswith("/api/3/action/help_show?name=package_show")
    assert "result" not in body


def test_writes_without_a_stewards_token_are_refused(client: Client, catalogue: Catalogue, resident_token: str) -> None:
    for token in ("", "not-a-real-token", resident_token):
        response = call(client, "package_patch", {"id": "street-trees", "title": "Defaced"}, token=token)
        assert response.status_code == 403, token
        assert response.json()["error"]["__type"] == "Authorization Error"
    assert call(client, "package_show", {"id": "street-trees"}).json()["result"]["title"] == "Street Trees"


def test_validation_errors_name_each_field(client: Client, catalogue: Catalogue, steward_token: str) -> None:
    response = call(client, "package_create", {"owner_org": "nobody", "private": "perhaps"}, token=steward_token)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["__type"] == "Validation Error"
    assert error["name"] == ["Missing value"]
    assert error["owner_org"] == ["Organization does not exist"]
    assert error["private"] == ["Value must be one of: True, False"]

    taken = call(client, "package_create", {"name": "street-trees", "owner_org": "highways"}, token=steward_token)
    assert taken.status_code == 409
    assert taken.json()["error"]["name"] == ["That URL is already in use."]

    bad_tag = call(
        client,
        "package_create",
        {"name": "x-y", "owner_org": "highways", "tags": [{"name": "<b>"}]},
        token=steward_token,
    )
    assert bad_tag.status_code == 409
    assert "tags" in bad_tag.json()["error"]


def test_bad_searches_are_search_query_errors(client: Client, catalogue: Catalogue) -> None:
    bad = (
        {"sort": "colour asc"},
        {"fq": "colour:red"},
        {"fq": 'tags:"unclosed'},
        {"q": "(trees OR toilets"},
        {"fq": "metadata_modified:[yesterday TO *]"},
        {"q": "name:tre?s"},
    )
    for params in bad:
        response = call(client, "package_search", params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["success"] is False
        assert body["error"]["__type"] == "Search Query Error"
    assert call(client, "package_search", {"rows": "lots"}).status_code == 409


def test_numbers_and_booleans_may_be_strings_and_rows_are_capped(client: Client, catalogue: Catalogue) -> None:
    body = call(client, "package_search", {"rows": "5000", "start": "0", "include_private": "False"}).json()
    assert body["success"] is True
    assert body["result"]["count"] == 3
    assert call(client, "organization_list", {"all_fields": "true"}).json()["result"][0]["name"] == "finance"


def test_writes_by_get_unknown_actions_and_bad_bodies_are_bad_requests(client: Client, catalogue: Catalogue) -> None:
    by_get = client.get(ACTION + "package_create", {"name": "x"})
    assert by_get.status_code == 400
    assert by_get.json() == "Bad request - JSON Error: Invalid request. Please use POST method for your request"
    unknown = client.post(ACTION + "package_explode", "{}", content_type="application/json")
    assert unknown.status_code == 400
    assert unknown.json() == "Bad request - Action name not known: package_explode"
    not_json = client.post(ACTION + "package_list", "[1, 2]", content_type="application/json")
    assert not_json.status_code == 400
    assert client.put(ACTION + "package_list").status_code == 405


def test_no_trailing_slash_redirect_and_no_csrf(catalogue: Catalogue) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/api/action/package_list", "{}", content_type="application/json")
    assert response.status_code == 200
    assert response.json()["result"] == ["public-toilets", "spending-over-500", "street-trees"]
    assert strict.post("/api/3/action/package_list/", "{}", content_type="application/json").status_code == 404


def test_help_show_documents_each_action(client: Client, catalogue: Catalogue) -> None:
    body = client.get(ACTION + "help_show", {"name": "package_search"}).json()
    assert "facet.field" in body["result"]
