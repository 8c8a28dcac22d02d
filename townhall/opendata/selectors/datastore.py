"""Reading the datastore: CKAN's datastore_search, datastore_search_sql and datastore_info, and page previews.

A resource's table is readable by whoever may see its dataset (the same rule as
resource_show); datastore_search_sql reads only tables of public datasets, as CKAN's does.
Problems with the request are ValidationErrors keyed by CKAN's parameter names.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from townhall.opendata import datastore_sql
from townhall.opendata import datastore_tables as tables
from townhall.opendata.datastore_tables import ID_FIELD
from townhall.opendata.models import DatastoreTable, Resource
from townhall.opendata.selectors import AnyUser, datasets_listed, resource_for_show

LIMIT_DEFAULT = 100
ROWS_MAX = 32_000
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")
SQL_TIMEOUT_MS_DEFAULT = 10_000
SEARCH_TIMEOUT_MS_DEFAULT = 30_000


def sql_timeout_ms() -> int:
    """datastore_search_sql's time limit (setting OPENDATA_DATASTORE_SQL_TIMEOUT_MS)."""
    return int(getattr(settings, "OPENDATA_DATASTORE_SQL_TIMEOUT_MS", SQL_TIMEOUT_MS_DEFAULT))


def search_timeout_ms() -> int:
    """datastore_search's time limit (setting OPENDATA_DATASTORE_SEARCH_TIMEOUT_MS)."""
    return int(getattr(settings, "OPENDATA_DATASTORE_SEARCH_TIMEOUT_MS", SEARCH_TIMEOUT_MS_DEFAULT))


def table_for(*, user: AnyUser, resource_id: str) -> tuple[Resource, DatastoreTable] | None:
    """The resource (if `user` may see it) and its loaded table, or None."""
    resource = resource_for_show(user=user, resource_id=resource_id)
    if resource is None:
        return None
    # A failed or running reload leaves the previous table in place, still readable.
    table = DatastoreTable.objects.filter(resource=resource, loaded_at__isnull=False).first()
    if table is None or not resource.datastore_active:
        return None
    return resource, table


def table_of(*, resource: Resource) -> DatastoreTable | None:
    """The table behind a resource whatever its state (for writers)."""
    return DatastoreTable.objects.filter(resource=resource).first()


def field_types(table: DatastoreTable) -> dict[str, str]:
    """field id → type, `_id` first (as CKAN lists them)."""
    return {ID_FIELD: "int8", **{field["id"]: field["type"] for field in table.fields}}


def result_fields(table: DatastoreTable, chosen: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """CKAN's `fields`: `_id` is "int", the others their type and, when described, their `info`."""
    described = {field["id"]: field for field in table.fields}
    found = []
    for field_id in chosen if chosen is not None else [ID_FIELD, *described]:
        if field_id == ID_FIELD:
            found.append({"id": ID_FIELD, "type": "int"})
            continue
        field = described[field_id]
        shown: dict[str, Any] = {"id": field_id, "type": field["type"]}
        if field.get("info"):
            shown["info"] = field["info"]
        found.append(shown)
    return found


# --- filters, q, sort, fields --------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def filters_where(types: Mapping[str, str], filters: Any) -> tuple[list[str], list[Any]]:
    """SQL conditions for CKAN's `filters` ({field: value or [values]}); ValidationError for bad ones."""
    if filters in (None, ""):
        return [], []
    if not isinstance(filters, dict):
        raise ValidationError({"filters": ["Not a JSON object"]})
    clauses: list[str] = []
    params: list[Any] = []
    for field_id, wanted in filters.items():
        if field_id not in types:
            raise ValidationError({"filters": [f'field "{field_id}" not in resource']})
        values = wanted if isinstance(wanted, list) else [wanted]
        converted = []
        for value in values:
            try:
                converted.append(tables.to_db(value, types[field_id]) if field_id != ID_FIELD else int(value))
            except (ValueError, TypeError) as error:
                message = f'invalid value "{value}" for field "{field_id}": {error}'
                raise ValidationError({"filters": [message]}) from None
        present = [value for value in converted if value is not None]
        parts = []
        if present:
            placeholders = ", ".join(["%s"] * len(present))
            parts.append(f"{tables.quote(field_id)} IN ({placeholders})")
            params.extend(present)
        if len(present) < len(converted):
            parts.append(f"{tables.quote(field_id)} IS NULL")
        clauses.append("(" + " OR ".join(parts or ["1 = 0"]) + ")")
    return clauses, params


def _q_where(types: Mapping[str, str], q: Any) -> tuple[list[str], list[Any]]:
    """Every word of `q` must appear in the record (or, for {field: words}, in that field), ignoring case."""
    if q in (None, ""):
        return [], []
    targets: list[tuple[list[str], str]]
    if isinstance(q, dict):
        targets = []
        for field_id, words in q.items():
            if field_id not in types:
                raise ValidationError({"q": [f'field "{field_id}" not in resource']})
            targets.append(([field_id], str(words)))
    elif isinstance(q, str):
        targets = [([field_id for field_id in types if field_id != ID_FIELD], q)]
    else:
        raise ValidationError({"q": ["Must be text or an object of field: text"]})
    clauses: list[str] = []
    params: list[Any] = []
    for columns, words in targets:
        for word in words.split():
            clauses.append("(" + " OR ".join(tables.text_match_sql(column) for column in columns) + ")")
            params.extend([tables.like_pattern(word)] * len(columns))
    return clauses, params


def _sort_sql(types: Mapping[str, str], sort: Any) -> list[str]:
    """CKAN's sort: "field", "field desc", comma separated (or a list); names may be double-quoted."""
    found = []
    for clause in _as_list(sort):
        text = str(clause).strip()
        direction = "ASC"
        lowered = text.lower()
        for word in (" asc", " desc"):
            if lowered.endswith(word):
                direction = word.strip().upper()
                text = text[: -len(word)].strip()
        if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
            text = text[1:-1]
        if text not in types:
            raise ValidationError({"sort": [f'field "{text}" not in resource']})
        found.append(f"{tables.quote(text)} {direction}")
    return found


def _fields_chosen(types: Mapping[str, str], fields: Any) -> list[str] | None:
    chosen = [str(field.get("id")) if isinstance(field, dict) else str(field) for field in _as_list(fields)]
    if not chosen:
        return None
    unknown = [field for field in chosen if field not in types]
    if unknown:
        raise ValidationError({"fields": [f'invalid value "{unknown[0]}"']})
    return chosen


@dataclass(frozen=True)
class SearchRequest:
    """datastore_search's parameters, as the API received them."""

    filters: Any = None
    q: Any = None
    distinct: bool = False
    plain: bool = True
    limit: int = LIMIT_DEFAULT
    offset: int = 0
    fields: Any = None
    sort: Any = None
    include_total: bool = True
    records_format: str = "objects"


def search(table: DatastoreTable, wanted: SearchRequest) -> dict[str, Any]:
    """Rows of `table` as CKAN's datastore_search returns them (without `_links`, which depend on the URL)."""
    if wanted.records_format not in RECORDS_FORMATS:
        raise ValidationError({"records_format": [f"Value must be one of {list(RECORDS_FORMATS)}"]})
    if wanted.limit < 0:
        raise ValidationError({"limit": ["Must be a natural number"]})
    if wanted.offset < 0:
        raise ValidationError({"offset": ["Must be a natural number"]})
    limit = min(wanted.limit, ROWS_MAX)
    types = field_types(table)
    chosen = _fields_chosen(types, wanted.fields)
    columns = chosen or list(types)
    where, params = filters_where(types, wanted.filters)
    q_where, q_params = _q_where(types, wanted.q)
    where_sql = ("WHERE " + " AND ".join(where + q_where)) if where or q_where else ""
    order = _sort_sql(types, wanted.sort)
    if not order:
        order = [f"{tables.quote(column)} ASC" for column in columns] if wanted.distinct else ['"_id" ASC']
    select = ", ".join(tables.quote(column) for column in columns)
    distinct = "DISTINCT " if wanted.distinct else ""
    name = tables.quote(table.table_name)
    sql = (
        f"SELECT {distinct}{select} FROM {name} {where_sql} "  # noqa: S608 - quoted ids, values as parameters
        f"ORDER BY {', '.join(order)} LIMIT {int(limit)} OFFSET {int(wanted.offset)}"
    )
    all_params = params + q_params
    try:
        with tables.time_limit(search_timeout_ms()):
            rows = tables.fetch(sql, all_params)
            total = None
            if wanted.include_total:
                counted = tables.fetch(
                    f"SELECT count(*) FROM (SELECT {distinct}{select} FROM {name} {where_sql}) AS counted",  # noqa: S608
                    all_params,
                )
                total = int(counted[0][0])
    except tables.SearchTimeout:
        raise ValidationError({"query": ["Search took too long"]}) from None
    kinds = [types[column] for column in columns]
    converted = [[tables.from_db(value, kind) for value, kind in zip(row, kinds, strict=True)] for row in rows]
    result: dict[str, Any] = {
        "include_total": wanted.include_total,
        "limit": limit,
        "records_format": wanted.records_format,
        "resource_id": str(table.resource_id),
        "total_estimation_threshold": None,
        "records": _records(columns, converted, wanted.records_format),
        "fields": result_fields(table, chosen),
    }
    for key in ("filters", "q", "sort", "distinct"):
        value = getattr(wanted, key)
        if value not in (None, "", False):
            result[key] = value
    if wanted.offset:
        result["offset"] = wanted.offset
    if total is not None:
        result["total"] = total
        result["total_was_estimated"] = False
    return result


def _records(columns: list[str], rows: list[list[Any]], records_format: str) -> Any:
    if records_format == "objects":
        return [dict(zip(columns, row, strict=True)) for row in rows]
    if records_format == "lists":
        return rows
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if records_format == "tsv" else ",", lineterminator="\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue()


def info(table: DatastoreTable) -> dict[str, Any]:
    """CKAN's datastore_info: the table's size and its fields (without `_id`)."""
    fields = result_fields(table)[1:]
    return {
        "meta": {"count": tables.row_count(table.table_name), "table_type": "BASE TABLE", "aliases": []},
        "fields": fields,
        "primary_key": list(table.primary_key),
    }


# --- datastore_search_sql --------------------------------------------------------------------------


def _public_tables(resource_ids: set[str]) -> dict[str, str]:
    """resource id (as written in the SQL) → physical table, for public datasets' loaded tables only."""
    wanted = {}
    for raw in resource_ids:
        try:
            wanted[uuid.UUID(raw)] = raw
        except ValueError:
            continue
    if not wanted:
        return {}
    public = datasets_listed(user=None).values("pk")
    found = DatastoreTable.objects.filter(
        resource_id__in=wanted,
        resource__dataset__in=public,
        resource__datastore_active=True,
        loaded_at__isnull=False,
    ).values_list("resource_id", "table_name")
    # Only the exact spelling a client wrote is allowed (resource ids are lower-case UUIDs).
    return {wanted[resource_id]: name for resource_id, name in found if wanted[resource_id] == str(resource_id)}


def search_sql(*, sql: str) -> dict[str, Any]:
    """CKAN's datastore_search_sql: one read-only SELECT over public datastore tables, with a time limit.

    Raises datastore_sql.DatastoreSqlError (409) or DatastoreSqlForbidden (403) with CKAN's messages.
    """
    dialect: datastore_sql.Dialect = "postgres" if connection.vendor == "postgresql" else "sqlite"
    allowed = _public_tables(datastore_sql.sql_table_names(sql))
    checked = datastore_sql.sql_check(sql, allowed_tables=allowed, dialect=dialect)
    result = datastore_sql.sql_run(
        checked,
        connection=connection,
        timeout_ms=sql_timeout_ms(),
        max_rows=ROWS_MAX,
        role=getattr(settings, "OPENDATA_DATASTORE_READONLY_ROLE", "") or None,
    )
    fields = [{"id": field["id"], "type": field["type"]} for field in result.fields]
    records = [
        {field["id"]: tables.from_db(value, field["type"]) for value, field in zip(row, fields, strict=True)}
        for row in result.rows
    ]
    answer: dict[str, Any] = {"sql": sql, "records": records, "fields": fields}
    if result.truncated:
        answer["records_truncated"] = True
    return answer


# --- the dataset page's preview --------------------------------------------------------------------

PREVIEW_ROWS = 10
NUMERIC_TYPES = frozenset({"numeric", "float8", "int4", "int8"})


@dataclass(frozen=True)
class PreviewField:
    id: str
    type: str
    label: str
    description: str
    numeric: bool


@dataclass(frozen=True)
class Preview:
    """One loaded resource's page of rows, its data dictionary and (when it has a number column) a chart."""

    resource_id: str
    name: str
    fields: list[PreviewField]
    rows: list[list[tuple[str, bool]]]  # (value as shown, is a number) per cell
    first_row: int
    last_row: int
    total: int
    page: int
    pages: int
    chart_field: PreviewField | None
    chart_svg: str


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) >= 1000 else f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value)


def previews(*, resources: Sequence[Mapping[str, Any]], chosen: str = "", page: int = 1) -> list[Preview]:
    """Previews of the loaded resources among `resources` (package_show's dicts, already visible).

    `chosen` and `page` turn the pages of one resource's preview (?preview=<id>&page=N);
    the others show their first page.
    """
    from townhall.core.charts import svg as chart_svg  # drawing stays out of the API's import path
    from townhall.opendata import datastore_charts

    by_id = {str(resource["id"]): resource for resource in resources}
    tables_found = DatastoreTable.objects.filter(
        resource_id__in=list(by_id), resource__datastore_active=True, loaded_at__isnull=False
    )
    ordered = sorted(tables_found, key=lambda table: list(by_id).index(str(table.resource_id)))
    found = []
    for table in ordered:
        resource_id = str(table.resource_id)
        total = table.row_count  # kept up to date by every load and write; counting 10M rows is slow
        pages = max(1, -(-total // PREVIEW_ROWS))
        number = min(max(1, page), pages) if resource_id == chosen else 1
        result = search(
            table, SearchRequest(limit=PREVIEW_ROWS, offset=(number - 1) * PREVIEW_ROWS, include_total=False)
        )
        fields = [
            PreviewField(
                id=field["id"],
                type=field["type"],
                label=str(field.get("info", {}).get("label") or field["id"]),
                description=str(field.get("info", {}).get("notes", "")),
                numeric=field["type"] in NUMERIC_TYPES,
            )
            for field in table.fields
        ]
        records = result["records"]
        rows = [[(_shown(record[field.id]), field.numeric) for field in fields] for record in records]
        chart_field = _chart_field(fields)
        chart = ""
        if chart_field is not None and records:
            label_field = next((field for field in fields if not field.numeric), None)
            labels = [
                f"{record['_id']}. {record[label_field.id] if label_field else ''}".strip()[:40] for record in records
            ]
            values = [record[chart_field.id] for record in records]
            spec = datastore_charts.bar_spec(
                title=f"{chart_field.label}, rows {records[0]['_id']} to {records[-1]['_id']}",
                labels=labels,
                values=[float(value) if value is not None else None for value in values],
                value_title=chart_field.label,
            )
            chart = chart_svg(spec, fluid=True)
        found.append(
            Preview(
                resource_id=resource_id,
                name=str(by_id[resource_id].get("name") or "Data"),
                fields=fields,
                rows=rows,
                first_row=(number - 1) * PREVIEW_ROWS + 1,
                last_row=(number - 1) * PREVIEW_ROWS + len(records),
                total=total,
                page=number,
                pages=pages,
                chart_field=chart_field,
                chart_svg=chart,
            )
        )
    return found


def _chart_field(fields: list[PreviewField]) -> PreviewField | None:
    """The first number column that is a measure, not an identifier (names ending in id or code are skipped)."""
    for field in fields:
        lowered = field.id.lower()
        if field.numeric and not lowered.endswith(("id", "_code", "code", "usrn", "year")):
            return field
    return None
