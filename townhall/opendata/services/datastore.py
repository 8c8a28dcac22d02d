"""Writing the datastore (CKAN's queryable tables): loading tabular versions, and datastore_create/upsert/delete.

A resource's current version is loaded in the background: services sit below tasks in the
app's layers, so OpenDataConfig.ready installs the function that enqueues the task (as
myaccount does). A load fills a new table beside the live one and swaps it in within one
transaction, so readers see the old rows or the new ones, never half; a failed load drops
its new table, keeps the old one and marks the DatastoreTable failed with the reason.
"""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from townhall.accounts.models import User
from townhall.audit.services import audit_record
from townhall.opendata import datastore_tables as tables
from townhall.opendata.datastore_tables import ID_FIELD
from townhall.opendata.models import DatastoreTable, DatastoreTableState, Resource, ResourceVersion
from townhall.opendata.permissions import can_manage_datasets
from townhall.opendata.selectors import datastore as datastore_selectors

Actor = User | AnonymousUser | None
OBJECT_RESOURCE = "opendata.resource"
TABULAR_FORMATS = {"csv": "csv", "text/csv": "csv", "xlsx": "xlsx"}
INFER_SAMPLE_ROWS = 5_000
# Table Schema field properties → CKAN data dictionary `info` keys.
INFO_KEYS = (("label", "title"), ("notes", "description"))
MAX_ERRORS_SHOWN = 20
READ_ONLY_MESSAGE = (
    "Cannot edit read-only resource because changes made may be lost when its file is loaded again. "
    "Use force=True to ignore this warning."
)

_schedule: Callable[[uuid.UUID], None] | None = None


def datastore_load_scheduler_install(schedule: Callable[[uuid.UUID], None]) -> None:
    global _schedule  # installed once at start-up
    _schedule = schedule


def datastore_load_schedule(*, version_id: uuid.UUID) -> None:
    """Queue loading this version into its resource's datastore table once the transaction commits."""
    if _schedule is not None:
        schedule = _schedule
        transaction.on_commit(lambda: schedule(version_id))


def _require_steward(acting_user: Actor) -> None:
    if acting_user is not None and not can_manage_datasets(acting_user):
        raise PermissionDenied("Only data stewards can change the datastore.")


# --- reading files -------------------------------------------------------------------------------


def tabular_kind(*, format: str, filename: str = "") -> str | None:
    """ "csv" or "xlsx" when the file can be loaded into the datastore, else None."""
    found = TABULAR_FORMATS.get(format.strip().lower())
    if found is None and "." in filename:
        found = TABULAR_FORMATS.get(filename.rsplit(".", 1)[1].lower())
    return found


def _rows_csv(stream: IO[bytes]) -> tuple[list[str], Iterator[list[Any]]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        raise ValueError("The file is empty")
    return [name.strip() for name in header], reader


def _rows_xlsx(stream: IO[bytes]) -> tuple[list[str], Iterator[list[Any]]]:
    import openpyxl  # only for spreadsheets

    sheet = openpyxl.load_workbook(stream, read_only=True, data_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise ValueError("The spreadsheet is empty")
    names = [("" if name is None else str(name)).strip() for name in header]
    while names and not names[-1]:
        names.pop()
    width = len(names)
    return names, (list(row[:width]) for row in rows if any(value not in (None, "") for value in row))


def _infer_type(values: list[Any]) -> str:
    """The narrowest column type every sampled value fits (text when nothing fits)."""
    present = [value for value in values if value is not None and str(value).strip() != ""]
    if not present:
        return "text"
    for kind in ("int8", "numeric", "date", "timestamp"):
        try:
            for value in present:
                tables.to_db(value, kind)
        except ValueError:
            continue
        return kind
    if all(str(value).strip().lower() in ("true", "false") for value in present):
        return "bool"
    return "text"


def fields_from_schema(table_schema: dict[str, Any] | None, header: list[str]) -> list[dict[str, Any]] | None:
    """Datastore fields from a Table Schema whose field names match the header, else None."""
    if not table_schema or not isinstance(table_schema.get("fields"), list):
        return None
    described = [field for field in table_schema["fields"] if isinstance(field, dict)]
    if [str(field.get("name", "")) for field in described] != header:
        return None
    fields = []
    for field in described:
        kind = tables.TABLE_SCHEMA_TYPES.get(str(field.get("type", "string")), "text")
        info = {key: str(field[name]) for key, name in INFO_KEYS if field.get(name)}
        fields.append({"id": str(field["name"]), "type": kind, **({"info": info} if info else {})})
    return fields


def _check_header(header: list[str]) -> None:
    problems = [problem for name in header if (problem := tables.field_id_errors(name))]
    if problems:
        raise ValueError("; ".join(problems[:MAX_ERRORS_SHOWN]))
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ValueError(f"Repeated column names: {', '.join(duplicates)}")


# --- loading a file ------------------------------------------------------------------------------

BATCH_ROWS = {"postgresql": 100_000, "sqlite": 5_000}


def _batches(rows: Iterable[list[Any]], size: int) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _converted(batch: list[list[Any]], fields: list[dict[str, Any]], first_line: int) -> list[list[Any]]:
    """Rows made ready to write. PostgreSQL gets text (COPY checks the types); SQLite values are checked here."""
    width = len(fields)
    kinds = [field["type"] for field in fields]
    ready = []
    for number, row in enumerate(batch, start=first_line):
        if len(row) != width:
            raise ValueError(f"Row {number} has {len(row)} values; the header has {width}")
        if connection.vendor == "postgresql":
            ready.append([None if value is None or value == "" else value for value in row])
            continue
        out = []
        for value, kind, field in zip(row, kinds, fields, strict=True):
            try:
                out.append(tables.to_db(value, kind))
            except ValueError as error:
                raise ValueError(f'Row {number}, column "{field["id"]}": "{value}" {error}') from None
        ready.append(out)
    return ready


def _load(
    *,
    resource: Resource,
    stream: IO[bytes],
    kind: str,
    table_schema: dict[str, Any] | None,
    version: ResourceVersion | None,
    indexes: Sequence[Sequence[str]] | None = None,
) -> DatastoreTable:
    live = tables.table_name_for(resource.pk)
    table, _ = DatastoreTable.objects.get_or_create(resource=resource, defaults={"table_name": live})
    DatastoreTable.objects.filter(pk=table.pk).update(state=DatastoreTableState.LOADING, rows_loaded=0, error="")
    staging = tables.staging_name(table.table_name)
    try:
        header, rows = _rows_xlsx(stream) if kind == "xlsx" else _rows_csv(stream)
        _check_header(header)
        fields = fields_from_schema(table_schema, header)
        if fields is None:
            sample = list(itertools.islice(rows, INFER_SAMPLE_ROWS))
            fields = [
                {"id": name, "type": _infer_type([row[index] if index < len(row) else None for row in sample])}
                for index, name in enumerate(header)
            ]
            rows = itertools.chain(sample, rows)  # lazily: the reader (and the file under it) stays open
        primary_key = [str(key) for key in _as_list((table_schema or {}).get("primaryKey"))]
        kept_indexes = [list(index) for index in (indexes if indexes is not None else table.indexes)]
        kept_indexes = [index for index in kept_indexes if all(column in header for column in index)]
        with transaction.atomic():
            tables.table_create(staging, fields)
        loaded = 0
        if kind == "csv" and connection.vendor == "postgresql" and stream.seekable():
            loaded = _copy_csv(table, staging, header, stream)
            rows = iter(())  # the reader is dropped only now: dropping it closes the file
        for batch in _batches(rows, BATCH_ROWS.get(connection.vendor, 5_000)):
            ready = _converted(batch, fields, first_line=loaded + 2)
            try:
                with transaction.atomic():
                    loaded += tables.rows_copy(staging, header, ready)
                    DatastoreTable.objects.filter(pk=table.pk).update(rows_loaded=loaded)
            except DatabaseError as error:  # COPY numbers lines from 1 in each batch
                raise ValueError(f"In rows {loaded + 2} to {loaded + 1 + len(batch)}: {error}") from error
        with transaction.atomic():
            tables.indexes_create(staging, kept_indexes, unique=primary_key)
        if connection.vendor == "postgresql":
            tables.analyze(staging)
        with transaction.atomic():
            tables.swap(staging, table.table_name)
            table.refresh_from_db()
            table.version = version
            table.fields = fields
            table.primary_key = primary_key
            table.indexes = kept_indexes
            table.row_count = loaded
            table.rows_loaded = loaded
            table.state = DatastoreTableState.ACTIVE
            table.error = ""
            table.loaded_at = timezone.now()
            table.save()
            Resource.objects.filter(pk=resource.pk).update(datastore_active=True)
    except (ValueError, UnicodeDecodeError, csv.Error, DatabaseError, OSError, KeyError, IndexError) as error:
        _drop_quietly(staging)
        message = str(error).strip() or type(error).__name__
        DatastoreTable.objects.filter(pk=table.pk).update(state=DatastoreTableState.FAILED, error=message[:2000])
        table.refresh_from_db()
    return table


def _copy_csv(table: DatastoreTable, staging: str, header: list[str], stream: IO[bytes]) -> int:
    """PostgreSQL's fast path: the file itself goes to COPY, in parts, with progress after each."""
    stream.seek(0)
    loaded = 0
    lines = 1
    for number, (part, newlines) in enumerate(tables.csv_parts(stream)):
        try:
            with transaction.atomic():
                loaded += tables.csv_copy(staging, header, part, header=number == 0)
                DatastoreTable.objects.filter(pk=table.pk).update(rows_loaded=loaded)
        except DatabaseError as error:  # COPY numbers lines from 1 in each part
            raise ValueError(f"In lines {lines} to {lines + newlines - 1} of the file: {error}") from error
        lines += newlines
    return loaded


def _drop_quietly(name: str) -> None:
    try:
        with transaction.atomic():
            tables.table_drop(name)
    except DatabaseError:
        pass  # it was never created


def datastore_load_version(*, version_id: uuid.UUID | str) -> DatastoreTable | None:
    """Load a resource version's file into its resource's table; None when it isn't tabular or is superseded."""
    version = ResourceVersion.objects.select_related("resource").filter(pk=version_id).first()
    if version is None:
        return None
    resource = version.resource
    if resource.current_version_id not in (None, version.pk):
        return None  # a newer version was accepted meanwhile; its own load will follow
    kind = tabular_kind(format=version.format or resource.format, filename=version.filename)
    if kind is None:
        return None
    with version.file.open("rb") as stream:
        table = _load(
            resource=resource,
            stream=stream,
            kind=kind,
            table_schema=version.table_schema or resource.table_schema,
            version=version,
        )
    audit_record(
        actor=None,
        action=f"opendata.datastore.{'loaded' if table.state == DatastoreTableState.ACTIVE else 'load_failed'}",
        object_type=OBJECT_RESOURCE,
        object_id=str(resource.pk),
        reason=table.error[:200],
    )
    return table


def datastore_load_file(
    *, resource: Resource, content: bytes, table_schema: dict[str, Any] | None = None
) -> DatastoreTable | None:
    """Load a file Townhall built itself (e.g. the council's published datasets) into the resource's table."""
    kind = tabular_kind(format=resource.format, filename=resource.upload.name or "")
    if kind is None:
        return None
    return _load(resource=resource, stream=io.BytesIO(content), kind=kind, table_schema=table_schema, version=None)


def datastore_load_stream(
    *,
    resource: Resource,
    stream: IO[bytes],
    kind: str = "csv",
    table_schema: dict[str, Any] | None = None,
    indexes: Sequence[Sequence[str]] | None = None,
) -> DatastoreTable:
    """Load a CSV or XLSX stream (the benchmark and `townhall opendata datastore-load` use this)."""
    return _load(resource=resource, stream=stream, kind=kind, table_schema=table_schema, version=None, indexes=indexes)


# --- datastore_create / upsert / delete -----------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def _guess_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int8"
    if isinstance(value, float):
        return "numeric"
    if isinstance(value, dict | list):
        return "json"
    return "text"


def _clean_fields(raw: Any) -> list[dict[str, Any]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationError({"fields": ["Must be a list of {id, type} objects"]})
    found: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValidationError({"fields": ["Each field must be an object with an id"]})
        problem = tables.field_id_errors(item.get("id"))
        if problem:
            raise ValidationError({"fields": [problem]})
        kind = item.get("type")
        field: dict[str, Any] = {"id": item["id"]}
        if kind not in (None, ""):
            normal = tables.TYPE_ALIASES.get(str(kind).strip().lower())
            if normal is None:
                raise ValidationError({"fields": [f'"{kind}" is not a valid field type']})
            field["type"] = normal
        if isinstance(item.get("info"), dict):
            field["info"] = item["info"]
        if any(other["id"] == field["id"] for other in found):
            raise ValidationError({"fields": [f'Duplicate field name "{field["id"]}"']})
        found.append(field)
    return found


def _clean_records(raw: Any) -> list[dict[str, Any]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationError({"records": ["Must be a list of objects"]})
    for number, record in enumerate(raw):
        if not isinstance(record, dict):
            raise ValidationError({"records": [f'row "{number}" is not a json object']})
    return raw


def _converted_records(records: list[dict[str, Any]], types: dict[str, str], *, allow_id: bool) -> list[dict[str, Any]]:
    """Every record checked and converted before anything is written; all problems at once (409)."""
    problems: list[str] = []
    ready = []
    for number, record in enumerate(records, start=1):
        unknown = [key for key in record if key not in types or (key == ID_FIELD and not allow_id)]
        if unknown:
            problems.append(f'row {number}: fields "{", ".join(map(str, unknown))}" do not exist')
            continue
        out = {}
        for key, value in record.items():
            try:
                out[key] = tables.to_db(value, types[key]) if key != ID_FIELD else tables.to_db(value, "int8")
            except ValueError as error:
                problems.append(f'row {number}: "{key}" value {value!r} {error}')
        ready.append(out)
    if problems:
        shown = problems[:MAX_ERRORS_SHOWN]
        if len(problems) > MAX_ERRORS_SHOWN:
            shown.append(f"and {len(problems) - MAX_ERRORS_SHOWN} more")
        raise ValidationError({"records": shown})
    return ready


def _check_writable(resource: Resource, *, force: bool) -> None:
    if not force and (resource.upload or resource.current_version_id is not None):
        raise ValidationError({"read-only": [READ_ONLY_MESSAGE]})


def _uniqueness_error() -> ValidationError:
    return ValidationError({"constraints": ["Cannot insert records or create index because of uniqueness constraint"]})


@transaction.atomic
def datastore_create(
    *,
    acting_user: Actor,
    resource: Resource,
    fields: Any = None,
    records: Any = None,
    primary_key: Any = None,
    indexes: Any = None,
    force: bool = False,
) -> DatastoreTable:
    """CKAN's datastore_create: make the table (or add fields to it), set its keys and indexes, append records."""
    _require_steward(acting_user)
    _check_writable(resource, force=force)
    wanted = _clean_fields(fields)
    rows = _clean_records(records)
    table = DatastoreTable.objects.select_for_update().filter(resource=resource).first()
    exists = table is not None and table.loaded_at is not None and tables.table_exists(table.table_name)
    current = list(table.fields) if exists and table is not None else []
    known = {field["id"]: field for field in current}
    added: list[dict[str, Any]] = []
    for field in wanted:
        if field["id"] in known:
            if field.get("type") and field["type"] != known[field["id"]]["type"]:
                raise ValidationError({"fields": [f'Field "{field["id"]}" is already {known[field["id"]]["type"]}']})
            if "info" in field:
                known[field["id"]]["info"] = field["info"]
            continue
        added.append(field)
    for record in rows:  # fields only the records name are added with a guessed type, as CKAN does
        for key, value in record.items():
            if key == ID_FIELD or key in known or any(field["id"] == key for field in added):
                continue
            problem = tables.field_id_errors(key)
            if problem:
                raise ValidationError({"records": [problem]})
            added.append({"id": key, "type": _guess_type(value)})
    for field in added:
        if "type" not in field:
            sample = next((record[field["id"]] for record in rows if record.get(field["id"]) is not None), None)
            field["type"] = _guess_type(sample)
    all_fields = [*current, *added]
    if not all_fields:
        raise ValidationError({"fields": ["The table needs at least one field (give fields or records)"]})
    types = {ID_FIELD: "int8", **{field["id"]: field["type"] for field in all_fields}}
    keys = [str(key) for key in _as_list(primary_key)] if primary_key is not None else None
    index_lists = None
    if indexes is not None:
        index_lists = [[str(part) for part in _as_list(index)] for index in _as_list(indexes)]
    for key in [*(keys or []), *[part for index in index_lists or [] for part in index]]:
        if key not in types or key == ID_FIELD:
            raise ValidationError({"index": [f'The field "{key}" is not a valid column name.']})
    ready = _converted_records(rows, types, allow_id=False)
    name = table.table_name if table is not None else tables.table_name_for(resource.pk)
    try:
        with transaction.atomic():
            if not exists:
                tables.table_drop(name)
                tables.table_create(name, all_fields)
            else:
                for field in added:
                    tables.column_add(name, field)
            if keys is not None or index_lists is not None:
                tables.indexes_drop(name)
                tables.indexes_create(
                    name,
                    index_lists if index_lists is not None else (table.indexes if table else []),
                    unique=keys if keys is not None else (table.primary_key if table else []),
                )
            for record in ready:
                tables.row_insert(name, record)
    except IntegrityError:
        raise _uniqueness_error() from None
    except DatabaseError as error:
        raise ValidationError({"records": [str(error).splitlines()[0]]}) from None
    if table is None:
        table = DatastoreTable(resource=resource, table_name=name)
    table.fields = all_fields
    if keys is not None:
        table.primary_key = keys
    if index_lists is not None:
        table.indexes = index_lists
    table.row_count = tables.row_count(name)
    table.rows_loaded = table.row_count
    table.state = DatastoreTableState.ACTIVE
    table.error = ""
    table.loaded_at = timezone.now()
    table.save()
    Resource.objects.filter(pk=resource.pk).update(datastore_active=True)
    resource.datastore_active = True
    audit_record(
        actor=acting_user, action="opendata.datastore.created", object_type=OBJECT_RESOURCE, object_id=str(resource.pk)
    )
    return table


UPSERT_METHODS = ("upsert", "insert", "update")


@transaction.atomic
def datastore_upsert(
    *, acting_user: Actor, table: DatastoreTable, records: Any, method: str = "upsert", force: bool = False
) -> int:
    """CKAN's datastore_upsert: insert, update (by primary key or `_id`) or both; all records or none. Rows written."""
    _require_steward(acting_user)
    if method not in UPSERT_METHODS:
        raise ValidationError({"method": [f'"{method}" is not one of {", ".join(UPSERT_METHODS)}']})
    locked = DatastoreTable.objects.select_for_update().select_related("resource").get(pk=table.pk)
    _check_writable(locked.resource, force=force)
    types = datastore_selectors.field_types(locked)
    ready = _converted_records(_clean_records(records), types, allow_id=method != "insert")
    keys = list(locked.primary_key)
    written = 0
    try:
        with transaction.atomic():
            for number, record in enumerate(ready, start=1):
                if method == "insert":
                    tables.row_insert(locked.table_name, record)
                    written += 1
                    continue
                key_fields = [ID_FIELD] if ID_FIELD in record else keys
                if not key_fields:
                    raise ValidationError({"table": ["unique key must be passed for update/upsert"]})
                missing = [field for field in key_fields if field not in record]
                if missing:
                    raise ValidationError(
                        {"key": [f'row {number}: fields "{", ".join(missing)}" are missing but needed as key']}
                    )
                key = {field: record[field] for field in key_fields}
                if tables.row_update(locked.table_name, record, key):
                    written += 1
                elif method == "update":
                    raise ValidationError({"key": [f'key "{key}" not found']})
                else:
                    tables.row_insert(locked.table_name, {k: v for k, v in record.items() if k != ID_FIELD})
                    written += 1
    except IntegrityError:
        raise _uniqueness_error() from None
    locked.row_count = tables.row_count(locked.table_name)
    locked.save(update_fields=["row_count"])
    audit_record(
        actor=acting_user,
        action="opendata.datastore.upserted",
        object_type=OBJECT_RESOURCE,
        object_id=str(locked.resource_id),
        reason=f"{method}: {written} rows",
    )
    return written


@transaction.atomic
def datastore_delete(*, acting_user: Actor, table: DatastoreTable, filters: Any = None, force: bool = False) -> int:
    """CKAN's datastore_delete: the rows matching `filters`, or (filters None) the whole table. Rows deleted."""
    _require_steward(acting_user)
    locked = DatastoreTable.objects.select_for_update().select_related("resource").get(pk=table.pk)
    _check_writable(locked.resource, force=force)
    if filters is None:
        deleted = tables.row_count(locked.table_name) if tables.table_exists(locked.table_name) else 0
        tables.table_drop(locked.table_name)
        Resource.objects.filter(pk=locked.resource_id).update(datastore_active=False)
        locked.delete()
        action = "opendata.datastore.deleted"
    else:
        if not isinstance(filters, dict):
            raise ValidationError({"filters": ["filters must be either a dict or null."]})
        clauses, params = datastore_selectors.filters_where(datastore_selectors.field_types(locked), filters)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        deleted = tables.rows_delete(locked.table_name, where, params)
        locked.row_count = tables.row_count(locked.table_name)
        locked.save(update_fields=["row_count"])
        action = "opendata.datastore.rows_deleted"
    audit_record(
        actor=acting_user,
        action=action,
        object_type=OBJECT_RESOURCE,
        object_id=str(locked.resource_id),
        reason=f"{deleted} rows",
    )
    return deleted
