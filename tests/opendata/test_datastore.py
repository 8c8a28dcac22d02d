# ruff: noqa: S608 - these strings are the SQL under test
"""The datastore on real tables: loading versions (types, atomic swap, failures), datastore_search, writes, SQL."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from tests.opendata import test_datastore_sql
from tests.opendata.datastore_fixtures import (
    TREES_CSV,
    TREES_SCHEMA,
    dataset_with_resources,
    datastore_table_names,
    load_csv,
    resources_of,
)
from townhall.accounts import services as account_services
from townhall.accounts.constants import StaffRole
from townhall.audit.models import AuditEntry
from townhall.opendata import datastore_tables as tables
from townhall.opendata.datastore_sql import DatastoreSqlError, DatastoreSqlForbidden, DatastoreSqlTimeout
from townhall.opendata.models import DatastoreTableState, Resource, ResourceVersion
from townhall.opendata.selectors import datastore as ds
from townhall.opendata.services import datastore as datastore_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def trees(db: None) -> Resource:
    resource = resources_of(dataset_with_resources())[0]
    table = load_csv(resource, TREES_CSV, TREES_SCHEMA)
    assert table.state == DatastoreTableState.ACTIVE, table.error
    resource.refresh_from_db()
    return resource


def search(resource: Resource, **wanted: object) -> dict:
    found = ds.table_for(user=None, resource_id=str(resource.pk))
    assert found is not None
    return ds.search(found[1], ds.SearchRequest(**wanted))  # type: ignore[arg-type]


# --- loading --------------------------------------------------------------------------------------


def test_a_csv_is_loaded_with_the_schemas_types(trees: Resource) -> None:
    assert trees.datastore_active is True
    table = trees.datastore_table
    assert table.table_name == f"ds_{trees.pk.hex}"
    assert (table.row_count, table.rows_loaded, table.primary_key) == (5, 5, ["tree_id"])
    result = search(trees)
    assert result["fields"] == [
        {"id": "_id", "type": "int"},
        {"id": "tree_id", "type": "int8", "info": {"label": "Tree", "notes": "The council's tree number"}},
        {"id": "species", "type": "text", "info": {"label": "Species"}},
        {"id": "ward", "type": "text"},
        {"id": "height_m", "type": "numeric", "info": {"notes": "Height in metres"}},
        {"id": "planted", "type": "date"},
        {"id": "protected", "type": "bool"},
    ]
    assert result["records"][0] == {
        "_id": 1,
        "tree_id": 1,
        "species": "Oak",
        "ward": "North",
        "height_m": 12.5,
        "planted": "2020-03-01",
        "protected": True,
    }
    assert result["records"][2]["planted"] is None
    assert [record["_id"] for record in result["records"]] == [1, 2, 3, 4, 5]
    assert (result["total"], result["total_was_estimated"], result["limit"]) == (5, False, 100)


def test_types_are_inferred_without_a_schema(db: None) -> None:
    resource = resources_of(dataset_with_resources())[0]
    table = load_csv(
        resource, "code,count,share,day,when,flag\nA1,3,0.5,2024-01-02,2024-01-02T10:00:00,true\nB2,,1,,,false\n"
    )
    assert table.state == DatastoreTableState.ACTIVE, table.error
    assert [(field["id"], field["type"]) for field in table.fields] == [
        ("code", "text"),
        ("count", "int8"),
        ("share", "numeric"),
        ("day", "date"),
        ("when", "timestamp"),
        ("flag", "bool"),
    ]
    records = search(resource)["records"]
    assert records[0]["when"] == "2024-01-02T10:00:00"
    assert records[1]["count"] is None


def test_a_new_load_replaces_the_table_and_leaves_no_staging_table(trees: Resource) -> None:
    table = load_csv(trees, "tree_id,species,ward,height_m,planted,protected\n9,Elm,West,3,,false\n", TREES_SCHEMA)
    assert (table.state, table.row_count) == (DatastoreTableState.ACTIVE, 1)
    assert [record["species"] for record in search(trees)["records"]] == ["Elm"]
    assert datastore_table_names() == [table.table_name]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tree_id,species,ward,height_m,planted,protected\n1,Oak,North,tall,,true\n", "tall"),
        ("tree_id,species,ward,height_m,planted,protected\n1,Oak,North\n", "Row 2 has 3 values|missing data"),
        ("tree_id,_secret\n1,2\n", 'may not start with "_"'),
        ('tree_id,"a""b"\n1,2\n', "no quotes"),
        ("tree_id,tree_id\n1,2\n", "Repeated column names: tree_id"),
        ("", "empty"),
    ],
)
def test_a_failed_load_keeps_the_previous_table_and_says_why(trees: Resource, text: str, message: str) -> None:
    table = load_csv(trees, text, TREES_SCHEMA)
    assert table.state == DatastoreTableState.FAILED
    assert any(part in table.error for part in message.split("|"))  # SQLite's check | PostgreSQL's COPY
    assert search(trees)["total"] == 5  # the previous rows, still readable
    assert datastore_table_names() == [table.table_name]


def test_an_accepted_version_is_loaded_by_the_task(db: None, django_capture_on_commit_callbacks: object) -> None:
    resource = resources_of(dataset_with_resources())[0]
    content = TREES_CSV.encode()
    version = ResourceVersion.objects.create(
        resource=resource,
        number=1,
        file=ContentFile(content, name="trees.csv"),
        filename="trees.csv",
        format="CSV",
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        table_schema=TREES_SCHEMA,
    )
    Resource.objects.filter(pk=resource.pk).update(current_version=version)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        datastore_services.datastore_load_schedule(version_id=version.pk)
    resource.refresh_from_db()
    assert resource.datastore_active is True
    assert resource.datastore_table.version == version
    assert search(resource)["total"] == 5
    assert AuditEntry.objects.filter(action="opendata.datastore.loaded", object_id=str(resource.pk)).exists()


def test_a_superseded_version_is_not_loaded(db: None) -> None:
    resource = resources_of(dataset_with_resources())[0]
    versions = [
        ResourceVersion.objects.create(
            resource=resource,
            number=number,
            file=ContentFile(b"a\n1\n", name="a.csv"),
            filename="a.csv",
            format="CSV",
            sha256="0" * 64,
            size=4,
        )
        for number in (1, 2)
    ]
    Resource.objects.filter(pk=resource.pk).update(current_version=versions[1])
    assert datastore_services.datastore_load_version(version_id=versions[0].pk) is None
    assert datastore_services.datastore_load_version(version_id=versions[1].pk) is not None


def test_a_file_townhall_publishes_is_loaded(db: None) -> None:
    """What dataset_file_publish does for the council's own CSVs (geojson and other formats are left alone)."""
    resource = resources_of(dataset_with_resources())[0]
    table = datastore_services.datastore_load_file(resource=resource, content=("\ufeff" + TREES_CSV).encode())
    assert table is not None
    assert table.state == DatastoreTableState.ACTIVE, table.error
    assert table.fields[0] == {"id": "tree_id", "type": "int8"}  # the byte order mark is not part of the name
    assert search(resource)["total"] == 5
    resource.format = "GeoJSON"
    assert datastore_services.datastore_load_file(resource=resource, content=b"{}") is None


def test_an_xlsx_file_is_loaded(db: None) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ward", "population"])
    sheet.append(["North", 12000])
    sheet.append(["South", 9500])
    buffer = io.BytesIO()
    book.save(buffer)
    resource = resources_of(dataset_with_resources())[0]
    table = datastore_services.datastore_load_stream(
        resource=resource, stream=io.BytesIO(buffer.getvalue()), kind="xlsx"
    )
    assert table.state == DatastoreTableState.ACTIVE, table.error
    assert search(resource, sort="population desc")["records"][0] == {"_id": 1, "ward": "North", "population": 12000}


# --- datastore_search -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "species"),
    [
        ({"filters": {"ward": "South"}}, ["Birch", "Oak"]),
        ({"filters": {"ward": ["North", "East"]}}, ["Oak", "Ash", "Rowan"]),
        ({"filters": {"tree_id": "4"}}, ["Oak"]),
        ({"filters": {"planted": None}}, ["Birch"]),
        ({"filters": {"protected": True, "ward": "South"}}, ["Oak"]),
        ({"q": "oak"}, ["Oak", "Oak"]),
        ({"q": "oak south"}, ["Oak"]),
        ({"q": {"ward": "nor"}}, ["Oak", "Ash"]),
        ({"sort": "height_m desc"}, ["Oak", "Oak", "Ash", "Birch", "Rowan"]),
        ({"sort": '"species", tree_id desc'}, ["Ash", "Birch", "Oak", "Oak", "Rowan"]),
        ({"limit": 2, "offset": 1}, ["Ash", "Birch"]),
        ({"fields": "species", "distinct": True}, ["Ash", "Birch", "Oak", "Rowan"]),
    ],
)
def test_search_parameters(trees: Resource, wanted: dict, species: list[str]) -> None:
    result = search(trees, **wanted)
    assert [record["species"] for record in result["records"]] == species
    if "limit" not in wanted:
        assert result["total"] == len(species)


def test_fields_and_records_formats(trees: Resource) -> None:
    listed = search(trees, fields=["species", "height_m"], records_format="lists", limit=2)
    assert listed["records"] == [["Oak", 12.5], ["Ash", 8]]
    assert [field["id"] for field in listed["fields"]] == ["species", "height_m"]
    assert search(trees, fields="species,ward", records_format="csv", limit=2)["records"] == "Oak,North\nAsh,North\n"
    assert search(trees, fields=["species", "ward"], records_format="tsv", limit=1)["records"] == "Oak\tNorth\n"
    without_total = search(trees, include_total=False)
    assert "total" not in without_total


def test_limit_is_capped_at_32000(trees: Resource) -> None:
    assert search(trees, limit=1_000_000)["limit"] == 32_000


@pytest.mark.parametrize(
    ("wanted", "key"),
    [
        ({"filters": {"colour": "green"}}, "filters"),
        ({"filters": {"tree_id": "tall"}}, "filters"),
        ({"filters": ["ward"]}, "filters"),
        ({"sort": "colour"}, "sort"),
        ({"fields": ["species", "colour"]}, "fields"),
        ({"q": {"colour": "green"}}, "q"),
        ({"records_format": "xml"}, "records_format"),
        ({"limit": -1}, "limit"),
        ({"offset": -5}, "offset"),
    ],
)
def test_bad_search_parameters_are_validation_errors(trees: Resource, wanted: dict, key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        search(trees, **wanted)
    assert key in caught.value.message_dict


def test_hidden_datasets_tables_are_hidden_too(db: None) -> None:
    draft = resources_of(dataset_with_resources("draft-trees", state="draft"))[0]
    load_csv(draft, TREES_CSV, TREES_SCHEMA)
    assert ds.table_for(user=None, resource_id=str(draft.pk)) is None
    steward = account_services.staff_create(
        email="steward@council.example", password="correct-horse-battery-staple-42", roles=[StaffRole.DATA_STEWARD]
    )
    assert ds.table_for(user=steward, resource_id=str(draft.pk)) is not None


# --- datastore_create / upsert / delete --------------------------------------------------------------


@pytest.fixture
def blank(db: None) -> Resource:
    return resources_of(dataset_with_resources("ward-figures"))[0]


def test_create_with_fields_records_primary_key_and_indexes(blank: Resource) -> None:
    table = datastore_services.datastore_create(
        acting_user=None,
        resource=blank,
        fields=[{"id": "ward", "type": "text"}, {"id": "population", "type": "int"}, {"id": "area", "type": "numeric"}],
        records=[{"ward": "North", "population": 12000, "area": "3.5"}, {"ward": "South", "population": "9500"}],
        primary_key="ward",
        indexes=[["population"]],
    )
    assert [(field["id"], field["type"]) for field in table.fields] == [
        ("ward", "text"),
        ("population", "int4"),
        ("area", "numeric"),
    ]
    assert (table.primary_key, table.indexes, table.row_count) == (["ward"], [["population"]], 2)
    assert search(blank)["records"][1] == {"_id": 2, "ward": "South", "population": 9500, "area": None}
    again = datastore_services.datastore_create(
        acting_user=None, resource=blank, records=[{"ward": "East", "population": 700, "mayor": "Ms A"}]
    )
    assert [field["id"] for field in again.fields] == ["ward", "population", "area", "mayor"]
    assert search(blank)["total"] == 3


def test_wrong_types_write_nothing(blank: Resource) -> None:
    datastore_services.datastore_create(
        acting_user=None, resource=blank, fields=[{"id": "ward", "type": "text"}, {"id": "population", "type": "int"}]
    )
    with pytest.raises(ValidationError) as caught:
        datastore_services.datastore_create(
            acting_user=None,
            resource=blank,
            records=[{"ward": "North", "population": 1}, {"ward": "South", "population": "many"}],
        )
    assert caught.value.message_dict["records"] == ["row 2: \"population\" value 'many' is not an integer"]
    assert search(blank)["total"] == 0
    with pytest.raises(ValidationError, match="out of range"):
        datastore_services.datastore_create(acting_user=None, resource=blank, records=[{"population": 2**40}])


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"fields": [{"id": "_id", "type": "text"}]}, "fields"),
        ({"fields": [{"id": 'say "hi"', "type": "text"}]}, "fields"),
        ({"fields": [{"id": "x" * 64, "type": "text"}]}, "fields"),
        ({"fields": [{"id": "a", "type": "money"}]}, "fields"),
        ({"fields": [{"id": "a"}, {"id": "a"}]}, "fields"),
        ({"fields": [{"id": "a"}], "primary_key": "b"}, "index"),
        ({"records": ["not an object"]}, "records"),
        ({}, "fields"),
    ],
)
def test_create_refuses_bad_definitions(blank: Resource, kwargs: dict, key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        datastore_services.datastore_create(acting_user=None, resource=blank, **kwargs)
    assert key in caught.value.message_dict
    assert datastore_table_names() == []


def test_upsert_insert_update_by_key_and_by_id(blank: Resource) -> None:
    table = datastore_services.datastore_create(
        acting_user=None,
        resource=blank,
        fields=[{"id": "ward", "type": "text"}, {"id": "population", "type": "int"}],
        records=[{"ward": "North", "population": 1}],
        primary_key=["ward"],
    )
    datastore_services.datastore_upsert(
        acting_user=None, table=table, records=[{"ward": "North", "population": 2}, {"ward": "South", "population": 3}]
    )
    datastore_services.datastore_upsert(
        acting_user=None, table=table, method="update", records=[{"_id": 2, "population": 4}]
    )
    datastore_services.datastore_upsert(acting_user=None, table=table, method="insert", records=[{"ward": "East"}])
    assert [(r["ward"], r["population"]) for r in search(blank)["records"]] == [
        ("North", 2),
        ("South", 4),
        ("East", None),
    ]
    with pytest.raises(ValidationError) as missing:
        datastore_services.datastore_upsert(
            acting_user=None, table=table, method="update", records=[{"ward": "West", "population": 1}]
        )
    assert "key" in missing.value.message_dict
    with pytest.raises(ValidationError) as duplicate:
        datastore_services.datastore_upsert(
            acting_user=None, table=table, method="insert", records=[{"ward": "Central"}, {"ward": "North"}]
        )
    assert "constraints" in duplicate.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        datastore_services.datastore_upsert(acting_user=None, table=table, records=[{"ward": "X", "colour": 1}])
    assert "records" in unknown.value.message_dict
    assert search(blank)["total"] == 3  # nothing from the refused calls


def test_delete_rows_then_the_table(blank: Resource) -> None:
    table = datastore_services.datastore_create(
        acting_user=None, resource=blank, records=[{"ward": "North"}, {"ward": "South"}, {"ward": "East"}]
    )
    assert datastore_services.datastore_delete(acting_user=None, table=table, filters={"ward": ["North", "East"]}) == 2
    assert [r["ward"] for r in search(blank)["records"]] == ["South"]
    assert datastore_services.datastore_delete(acting_user=None, table=table, filters={}) == 1
    assert search(blank)["total"] == 0
    datastore_services.datastore_delete(acting_user=None, table=table)
    blank.refresh_from_db()
    assert blank.datastore_active is False
    assert datastore_table_names() == []
    assert ds.table_for(user=None, resource_id=str(blank.pk)) is None


def test_loaded_files_need_force_and_residents_cannot_write(trees: Resource) -> None:
    ResourceVersion.objects.create(
        resource=trees, number=1, file=ContentFile(b"a", name="a.csv"), filename="a.csv", sha256="0" * 64, size=1
    )
    Resource.objects.filter(pk=trees.pk).update(current_version=trees.versions.get())
    trees.refresh_from_db()
    table = trees.datastore_table
    with pytest.raises(ValidationError) as caught:
        datastore_services.datastore_delete(acting_user=None, table=table, filters={"ward": "North"})
    assert "read-only" in caught.value.message_dict
    assert (
        datastore_services.datastore_delete(acting_user=None, table=table, filters={"ward": "North"}, force=True) == 2
    )
    resident = account_services.user_create_resident(
        email="curious@example.org", password="correct-horse-battery-staple-42", email_verified=True
    )
    with pytest.raises(PermissionDenied):
        datastore_services.datastore_delete(acting_user=resident, table=table, force=True)


# --- datastore_search_sql on real tables ---------------------------------------------------------------

WARDS_CSV = "ward,population\nNorth,12000\nSouth,9500\nWest,700\n"


@pytest.fixture
def sql_tables(db: None) -> tuple[Resource, Resource]:
    trees, wards = resources_of(dataset_with_resources(count=2))
    load_csv(trees, TREES_CSV, TREES_SCHEMA)
    load_csv(wards, WARDS_CSV)
    return trees, wards


def real_ids(sql: str, trees: Resource, wards: Resource) -> str:
    """The guard's attack list, aimed at the loaded tables instead of made-up ids."""
    return sql.replace(test_datastore_sql.TREES, str(trees.pk)).replace(test_datastore_sql.WARDS, str(wards.pk))


def table_counts(trees: Resource, wards: Resource) -> tuple[int, int]:
    return search(trees)["total"], search(wards)["total"]


@pytest.mark.parametrize(("sql", "error", "message"), test_datastore_sql.ATTACKS)
def test_sql_attacks_are_refused_on_real_tables(
    sql_tables: tuple[Resource, Resource], sql: str, error: type, message: str
) -> None:
    trees, wards = sql_tables
    with pytest.raises(error) as caught:
        ds.search_sql(sql=real_ids(sql, trees, wards))
    assert message.replace("ds_trees", "") in caught.value.message
    assert isinstance(caught.value, DatastoreSqlForbidden) == (error is DatastoreSqlForbidden)
    assert table_counts(trees, wards) == (5, 3)


def test_sql_reads_and_joins_loaded_tables(sql_tables: tuple[Resource, Resource]) -> None:
    trees, wards = sql_tables
    result = ds.search_sql(
        sql=f'SELECT t.species, w.population FROM "{trees.pk}" t JOIN "{wards.pk}" w ON t.ward = w.ward '
        "WHERE t.protected ORDER BY t._id"
    )
    assert result["records"] == [{"species": "Oak", "population": 12000}, {"species": "Oak", "population": 9500}]
    assert [field["id"] for field in result["fields"]] == ["species", "population"]
    assert "records_truncated" not in result


def test_sql_cannot_read_tables_of_hidden_datasets_or_by_physical_name(sql_tables: tuple[Resource, Resource]) -> None:
    trees, _ = sql_tables
    private = resources_of(dataset_with_resources("private-trees", private=True))[0]
    load_csv(private, TREES_CSV, TREES_SCHEMA)
    for sql in (
        f'SELECT * FROM "{private.pk}"',
        f'SELECT * FROM "ds_{trees.pk.hex}"',
        f'SELECT * FROM "{str(trees.pk).upper()}"',
    ):
        with pytest.raises(DatastoreSqlForbidden, match="Not authorized to read resource"):
            ds.search_sql(sql=sql)


@pytest.mark.parametrize("runaway", test_datastore_sql.RUNAWAY)
def test_runaway_sql_is_cut_by_the_timeout_setting(
    sql_tables: tuple[Resource, Resource], settings: object, runaway: str
) -> None:
    trees, wards = sql_tables
    settings.OPENDATA_DATASTORE_SQL_TIMEOUT_MS = 200  # type: ignore[attr-defined]
    with pytest.raises(DatastoreSqlTimeout):
        ds.search_sql(sql=real_ids(runaway, trees, wards))
    assert table_counts(trees, wards) == (5, 3)


def test_database_errors_in_sql_are_validation_errors(sql_tables: tuple[Resource, Resource]) -> None:
    trees, _ = sql_tables
    with pytest.raises(DatastoreSqlError) as caught:
        ds.search_sql(sql=f'SELECT colour FROM "{trees.pk}"')
    assert caught.value.http_status == 409


def test_info_counts_rows_and_lists_fields(trees: Resource) -> None:
    found = ds.table_for(user=None, resource_id=str(trees.pk))
    assert found is not None
    info = ds.info(found[1])
    assert info["meta"]["count"] == 5
    assert [field["id"] for field in info["fields"]][:2] == ["tree_id", "species"]


def test_search_time_limit_cuts_a_runaway_query(db: None) -> None:
    runaway = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c"
    with pytest.raises(tables.SearchTimeout), tables.time_limit(100):
        tables.fetch(runaway, [])
    assert tables.fetch("SELECT 1", []) == [(1,)]  # the connection carries on
