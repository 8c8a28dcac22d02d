# ruff: noqa: S608 - these strings are the SQL under test
"""The datastore actions through the real `ckanapi` client and plain HTTP: shapes, `_links`, errors, tokens."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import ckanapi
import pytest
from django.test import Client

from tests.opendata.datastore_fixtures import (
    TREES_CSV,
    TREES_SCHEMA,
    dataset_with_resources,
    drop_datastore_tables,
    load_csv,
    resources_of,
)
from townhall.audit.models import AuditEntry
from townhall.opendata.models import Resource

pytestmark = pytest.mark.django_db(transaction=True)
ACTION = "/api/3/action/"


@pytest.fixture(autouse=True)
def _drop_tables() -> Iterator[None]:
    yield
    drop_datastore_tables()


@pytest.fixture
def trees(db: None) -> Resource:
    resource = resources_of(dataset_with_resources())[0]
    load_csv(resource, TREES_CSV, TREES_SCHEMA)
    return resource


def post(client: Client, name: str, body: dict[str, Any], token: str = "") -> Any:
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    return client.post(ACTION + name, json.dumps(body), content_type="application/json", **headers)


def test_search_through_ckanapi(ckan: ckanapi.RemoteCKAN, trees: Resource) -> None:
    result = ckan.action.datastore_search(resource_id=str(trees.pk), filters={"ward": "North"}, limit=1)
    assert result["records"] == [
        {
            "_id": 1,
            "tree_id": 1,
            "species": "Oak",
            "ward": "North",
            "height_m": 12.5,
            "planted": "2020-03-01",
            "protected": True,
        }
    ]
    assert (result["total"], result["limit"], result["records_format"]) == (2, 1, "objects")
    assert result["resource_id"] == str(trees.pk)
    assert result["filters"] == {"ward": "North"}
    assert result["_links"] == {
        "start": "/api/action/datastore_search",
        "next": "/api/action/datastore_search?offset=1",
    }
    by_id = ckan.action.datastore_search(id=str(trees.pk), q="birch", fields=["species"])
    assert by_id["records"] == [{"species": "Birch"}]


def test_search_by_get_with_json_filters_and_links(client: Client, trees: Resource) -> None:
    response = client.get(
        ACTION + "datastore_search",
        {
            "resource_id": str(trees.pk),
            "filters": json.dumps({"ward": ["North", "South"]}),
            "limit": "2",
            "sort": "tree_id desc",
        },
    )
    assert response.status_code == 200
    result = response.json()["result"]
    assert [record["tree_id"] for record in result["records"]] == [4, 3]
    assert result["total"] == 4
    links = result["_links"]
    assert links["start"].startswith("/api/3/action/datastore_search?resource_id=")
    assert "offset" not in links["start"]
    assert links["next"].endswith("&offset=2")
    follow = client.get(links["next"]).json()["result"]
    assert [record["tree_id"] for record in follow["records"]] == [2, 1]
    csv_rows = client.get(
        ACTION + "datastore_search",
        {"resource_id": str(trees.pk), "records_format": "csv", "fields": "tree_id,ward", "limit": 2},
    ).json()["result"]["records"]
    assert csv_rows == "1,North\n2,North\n"


def test_search_errors(client: Client, trees: Resource) -> None:
    missing = post(client, "datastore_search", {"resource_id": "00000000-0000-0000-0000-000000000000"})
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "__type": "Not Found Error",
        "message": 'Not found: Resource "00000000-0000-0000-0000-000000000000" was not found.',
    }
    unloaded = resources_of(trees.dataset)[1]
    assert post(client, "datastore_search", {"resource_id": str(unloaded.pk)}).status_code == 404
    bad = post(client, "datastore_search", {"resource_id": str(trees.pk), "sort": "colour"})
    assert bad.status_code == 409
    assert bad.json()["error"]["__type"] == "Validation Error"
    assert bad.json()["error"]["sort"] == ['field "colour" not in resource']


def test_search_sql_through_ckanapi(ckan: ckanapi.RemoteCKAN, trees: Resource) -> None:
    result = ckan.action.datastore_search_sql(
        sql=f'SELECT ward, count(*) AS trees FROM "{trees.pk}" GROUP BY ward ORDER BY ward'
    )
    assert result["records"] == [
        {"ward": "East", "trees": 1},
        {"ward": "North", "trees": 2},
        {"ward": "South", "trees": 2},
    ]
    with pytest.raises(ckanapi.NotAuthorized):
        ckan.action.datastore_search_sql(sql="SELECT * FROM accounts_user")
    with pytest.raises(ckanapi.ValidationError) as caught:
        ckan.action.datastore_search_sql(sql=f'DELETE FROM "{trees.pk}"')
    assert caught.value.error_dict["query"] == ["Only SELECT statements are allowed, not DELETE"]


def test_search_sql_errors_over_http(client: Client, trees: Resource, settings: Any) -> None:
    forbidden = post(client, "datastore_search_sql", {"sql": "SELECT * FROM pg_user"})
    assert forbidden.status_code == 403
    assert forbidden.json()["error"] == {
        "__type": "Authorization Error",
        "message": "Access denied: Not authorized to access system tables",
    }
    chained = post(client, "datastore_search_sql", {"sql": f'SELECT 1; DROP TABLE "{trees.pk}"'})
    assert chained.status_code == 409
    assert chained.json()["error"]["query"] == ["Only one statement is allowed"]
    settings.OPENDATA_DATASTORE_SQL_TIMEOUT_MS = 200
    runaway = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c"
    slow = post(client, "datastore_search_sql", {"sql": runaway})
    assert slow.status_code == 409
    assert slow.json()["error"]["query"] == ["Query took too long"]
    assert client.get(ACTION + "datastore_search", {"resource_id": str(trees.pk)}).json()["result"]["total"] == 5


def test_create_upsert_delete_through_ckanapi(ckan_steward: ckanapi.RemoteCKAN, trees: Resource) -> None:
    created = ckan_steward.action.datastore_create(
        resource={"package_id": "street-trees", "name": "Inspections", "format": "CSV"},
        fields=[
            {"id": "tree_id", "type": "int"},
            {"id": "inspected", "type": "date"},
            {"id": "result", "type": "text"},
        ],
        records=[{"tree_id": 1, "inspected": "2025-05-01", "result": "Good"}],
        primary_key=["tree_id"],
    )
    resource_id = created["resource_id"]
    assert [field["id"] for field in created["fields"]] == ["tree_id", "inspected", "result"]
    assert created["primary_key"] == ["tree_id"]
    shown = ckan_steward.action.resource_show(id=resource_id)
    assert shown["datastore_active"] is True
    assert shown["url"].endswith(f"/api/3/action/datastore_search?resource_id={resource_id}")

    ckan_steward.action.datastore_upsert(
        resource_id=resource_id,
        records=[{"tree_id": 1, "result": "Fair"}, {"tree_id": 2, "result": "Poor"}],
        method="upsert",
    )
    rows = ckan_steward.action.datastore_search(resource_id=resource_id)["records"]
    assert [(row["tree_id"], row["result"]) for row in rows] == [(1, "Fair"), (2, "Poor")]

    with pytest.raises(ckanapi.ValidationError) as wrong:
        ckan_steward.action.datastore_upsert(resource_id=resource_id, records=[{"tree_id": "two", "result": "x"}])
    assert "records" in wrong.value.error_dict
    assert ckan_steward.action.datastore_search(resource_id=resource_id)["total"] == 2

    ckan_steward.action.datastore_delete(resource_id=resource_id, filters={"tree_id": 2})
    assert ckan_steward.action.datastore_info(id=resource_id)["meta"]["count"] == 1
    ckan_steward.action.datastore_delete(resource_id=resource_id)
    with pytest.raises(ckanapi.NotFound):
        ckan_steward.action.datastore_search(resource_id=resource_id)
    assert AuditEntry.objects.filter(action="opendata.datastore.deleted", object_id=resource_id).exists()


def test_writes_need_a_stewards_token(client: Client, trees: Resource, resident_token: str, steward_token: str) -> None:
    for token in ("", resident_token):
        refused = post(
            client, "datastore_create", {"resource_id": str(trees.pk), "records": [{"species": "Elm"}]}, token
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["__type"] == "Authorization Error"
        assert post(client, "datastore_delete", {"resource_id": str(trees.pk)}, token).status_code == 403
    assert client.get(ACTION + "datastore_delete", {"resource_id": str(trees.pk)}).status_code == 400
    unforced = post(
        client, "datastore_upsert", {"resource_id": str(trees.pk), "records": [], "method": "insert"}, steward_token
    )
    assert unforced.status_code == 200  # a link resource: nothing would be lost on a reload
    neither = post(client, "datastore_create", {"fields": [{"id": "a"}]}, steward_token)
    assert neither.status_code == 409
    assert neither.json()["error"]["resource_id"] == ["resource_id or resource required"]
