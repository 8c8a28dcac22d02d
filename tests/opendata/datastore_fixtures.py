"""Datastore test helpers: a public dataset with link resources, CSV loading, and dropping datastore tables."""

from __future__ import annotations

import io

from django.db import connection

from townhall.opendata import selectors, services
from townhall.opendata.models import Dataset, DatasetState, DatastoreTable, Publisher, Resource
from townhall.opendata.services import DatasetFields, ResourceFields
from townhall.opendata.services import datastore as datastore_services

TREES_CSV = (
    "tree_id,species,ward,height_m,planted,protected\r\n"
    "1,Oak,North,12.5,2020-03-01,true\r\n"
    "2,Ash,North,8,2021-04-01,false\r\n"
    "3,Birch,South,6.25,,false\r\n"
    "4,Oak,South,15,2019-11-30,true\r\n"
    "5,Rowan,East,4,2022-01-15,false\r\n"
)
TREES_SCHEMA = {
    "fields": [
        {"name": "tree_id", "type": "integer", "title": "Tree", "description": "The council's tree number"},
        {"name": "species", "type": "string", "title": "Species"},
        {"name": "ward", "type": "string"},
        {"name": "height_m", "type": "number", "description": "Height in metres"},
        {"name": "planted", "type": "date"},
        {"name": "protected", "type": "boolean"},
    ],
    "primaryKey": ["tree_id"],
}


def dataset_with_resources(name: str = "street-trees", *, count: int = 2, **overrides: object) -> Dataset:
    publisher = Publisher.objects.filter(name="environment").first() or Publisher.objects.create(
        name="environment", title="Environment"
    )
    licence = selectors.licence_default()
    assert licence is not None
    return services.dataset_create(
        acting_user=None,
        fields=DatasetFields(
            name=name,
            title=name.replace("-", " ").capitalize(),
            publisher=publisher,
            licence=licence,
            state=str(overrides.pop("state", DatasetState.ACTIVE)),
            resources=[
                ResourceFields(name=f"Part {number}", url=f"https://data.example/{name}-{number}.csv", format="CSV")
                for number in range(1, count + 1)
            ],
            **overrides,  # type: ignore[arg-type]
        ),
    )


def resources_of(dataset: Dataset) -> list[Resource]:
    return list(dataset.resources.order_by("position"))


def load_csv(resource: Resource, text: str, schema: dict | None = None) -> DatastoreTable:
    return datastore_services.datastore_load_stream(
        resource=resource, stream=io.BytesIO(text.encode()), table_schema=schema
    )


def datastore_table_names() -> list[str]:
    with connection.cursor() as cursor:
        return sorted(name for name in connection.introspection.table_names(cursor) if name.startswith("ds_"))


def drop_datastore_tables() -> None:
    """Transactional tests keep raw tables (flush empties only Django's), so drop them afterwards."""
    with connection.cursor() as cursor:
        for name in datastore_table_names():
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
