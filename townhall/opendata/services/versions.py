"""Validated uploads: every accepted file becomes an immutable ResourceVersion; a rejected one stores nothing.

Two steps, so a bad file never touches the database or the disk:

1. `upload_check` reads the file (size limit, format from its name and first bytes), and
   for CSV and XLSX validates it with Frictionless against the resource's Table Schema
   (the steward's edited one; on the first upload, one inferred from the file). Problems
   raise `UploadRejectedError`, a ValidationError keyed `upload` carrying the per-row report.
   A small upload is held in memory; a large one (the background path) is read from its
   local file instead, row by row, so checking a 500 MB file does not need 500 MB of memory.
2. `version_record` (inside the caller's transaction) writes the file under a path of its
   own (`opendata/versions/<resource>/<number>/<name>`, never overwritten), the version
   row with its change summary against the previous version, and points the resource at it.

Versions are never changed afterwards: a new upload makes the next number, and the old
files stay where they are (downloadable at their own address).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import mimetypes
import posixpath
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from frictionless import Detector, FrictionlessException, Schema
from frictionless.resources import TableResource

from townhall.accounts.models import User
from townhall.audit.services import audit_record
from townhall.opendata.models import Dataset, Resource, ResourceVersion
from townhall.opendata.permissions import can_manage_datasets
from townhall.opendata.services.datastore import datastore_load_schedule
from townhall.opendata.validation_report import REPORT_LIMIT, Problem, api_messages, shown_cell

Actor = User | AnonymousUser | None

OBJECT_RESOURCE = "opendata.resource"
# Override with TOWNHALL_OPENDATA_UPLOAD_MAX_BYTES; validation runs while the steward waits, so keep it modest.
UPLOAD_MAX_BYTES = 50 * 1024 * 1024
# Rows Frictionless reads to infer a schema: enough that a stray value late in a column still counts.
INFER_SAMPLE_ROWS = 10_000
# Bytes read from the start of a file on disk to check what it is (MAGIC).
HEAD_BYTES = 64 * 1024
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# extension → (CKAN format, mimetype, Frictionless format if tabular)
KNOWN_FORMATS: dict[str, tuple[str, str, str | None]] = {
    "csv": ("CSV", "text/csv", "csv"),
    "xlsx": ("XLSX", XLSX_MIMETYPE, "xlsx"),
    "geojson": ("GeoJSON", "application/geo+json", None),
    "json": ("JSON", "application/json", None),
    "pdf": ("PDF", "application/pdf", None),
    "zip": ("ZIP", "application/zip", None),
    "txt": ("TXT", "text/plain", None),
    "xml": ("XML", "application/xml", None),
    "kml": ("KML", "application/vnd.google-earth.kml+xml", None),
    "ods": ("ODS", "application/vnd.oasis.opendocument.spreadsheet", None),
    "docx": ("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", None),
}
# What a file of that extension must start with (a renamed file is refused rather than published mislabelled).
MAGIC = {"xlsx": b"PK\x03\x04", "zip": b"PK\x03\x04", "ods": b"PK\x03\x04", "docx": b"PK\x03\x04", "pdf": b"%PDF-"}
MESSAGES = {
    "type-error": "“{cell}” is not {article} {type}",
    "required": "A value is required",
    "unique": "“{cell}” appears more than once; each value must be different",
    "minimum": "“{cell}” is below the minimum ({value})",
    "maximum": "“{cell}” is above the maximum ({value})",
    "minLength": "“{cell}” is shorter than {value} characters",
    "maxLength": "“{cell}” is longer than {value} characters",
    "pattern": "“{cell}” does not match the pattern {value}",
    "enum": "“{cell}” is not one of the allowed values",
}
TYPE_WORDS = {
    "integer": ("a", "whole number"),
    "number": ("a", "number"),
    "boolean": ("a", "true/false value"),
    "date": ("a", "date (YYYY-MM-DD)"),
    "datetime": ("a", "date and time (ISO 8601)"),
    "time": ("a", "time (HH:MM:SS)"),
    "year": ("a", "year"),
    "yearmonth": ("a", "year and month (YYYY-MM)"),
    "duration": ("an", "ISO 8601 duration"),
    "geopoint": ("a", "point (latitude, longitude)"),
    "geojson": ("a", "GeoJSON geometry"),
    "object": ("a", "JSON object"),
    "array": ("a", "JSON array"),
}


class UploadRejectedError(ValidationError):
    """A file that was not accepted, with its report. As a ValidationError: {field: [summary, problems…]}."""

    def __init__(self, problems: list[Problem], *, truncated: bool = False, field: str = "upload") -> None:
        self.problems = problems
        self.truncated = truncated
        super().__init__({field: api_messages(problems, truncated=truncated)})


# What a file is checked from: its bytes (a small upload), or a local file (read as a stream).
Source = bytes | Path


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed: what version_record stores, from `content` or, for a large file, the local `path`.

    The rows are not kept: the change summary reads them again, one at a time.
    """

    filename: str
    content: bytes | None
    path: Path | None
    size: int
    format: str
    mimetype: str
    sha256: str
    table_schema: dict[str, Any] | None
    row_count: int | None

    @property
    def tabular(self) -> bool:
        return self.row_count is not None

    @property
    def source(self) -> Source:
        return self.path if self.path is not None else (self.content or b"")

    def open(self) -> IO[bytes]:
        return self.path.open("rb") if self.path is not None else io.BytesIO(self.content or b"")


def upload_max_bytes() -> int:
    return int(getattr(settings, "TOWNHALL_OPENDATA_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES))


def require_steward(acting_user: Actor) -> None:
    if acting_user is not None and not can_manage_datasets(acting_user):
        raise PermissionDenied("Only data stewards can change datasets.")


def _file_problem(message: str) -> UploadRejectedError:
    return UploadRejectedError([Problem(row=None, field="", cell="", message=message)])


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise _file_problem(f"The file is larger than the limit of {limit // (1024 * 1024)} MB.")
    if not size:
        raise _file_problem("The file is empty.")


def _read(content: bytes | IO[bytes], limit: int) -> bytes:
    """The whole file, refusing one over the limit without reading much past it."""
    if isinstance(content, bytes):
        data = content
    else:
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read(limit + 1)
    _check_size(len(data), limit)
    return data


@contextlib.contextmanager
def local_file(field_file: FieldFile) -> Iterator[Path]:
    """A stored file as a path on this machine: its own (file system storage), else a temporary copy."""
    try:
        path = Path(field_file.path)
    except NotImplementedError:  # remote storage: copy it down in chunks
        with tempfile.TemporaryDirectory() as directory, field_file.open("rb") as handle:
            path = Path(directory) / Path(field_file.name or "file").name
            with path.open("wb") as out:
                shutil.copyfileobj(handle, out, 1024 * 1024)
            yield path
        return
    yield path


def clean_filename(filename: str) -> str:
    name = posixpath.basename(filename.replace("\\", "/")).strip()
    if not name or name in (".", ".."):
        raise _file_problem("The file has no name.")
    return name[:200]


def sniff(filename: str, source: Source) -> tuple[str, str, str | None]:
    """(CKAN format, mimetype, Frictionless format or None) from the file's extension, checked against its bytes."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    magic = MAGIC.get(extension)
    if isinstance(source, Path):
        with source.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    else:
        head = source
    if magic is not None and not head.startswith(magic):
        raise _file_problem(f"The file is named .{extension} but is not a {extension.upper()} file.")
    if extension in ("json", "geojson"):
        try:
            if isinstance(source, Path):
                with source.open("rb") as handle:
                    parsed = json.load(handle)
            else:
                parsed = json.loads(source)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _file_problem(f"The file is not valid JSON: {error}.") from None
        if extension == "geojson" and not (isinstance(parsed, dict) and "type" in parsed):
            raise _file_problem("The file is not GeoJSON: it has no “type”.")
    if extension in KNOWN_FORMATS:
        return KNOWN_FORMATS[extension]
    guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return extension.upper(), guessed, None


def _message(error: Any) -> str:
    """Frictionless's error in plain words."""
    cell = shown_cell(str(getattr(error, "cell", "") or ""))
    if error.type == "type-error":
        note = str(getattr(error, "note", ""))  # 'type is "integer/default"'
        field_type = note.split('"')[1].split("/")[0] if note.count('"') >= 2 else ""
        article, word = TYPE_WORDS.get(field_type, ("a", field_type or "valid value"))
        return MESSAGES["type-error"].format(cell=cell, article=article, type=word)
    if error.type == "constraint-error":
        note = str(getattr(error, "note", ""))
        for constraint, template in MESSAGES.items():
            if f'constraint "{constraint}"' in note:
                value = note.split(" is ", 1)[-1].strip('"') if " is " in note else ""
                return template.format(cell=cell, value=value)
        return f"“{cell}” breaks a rule for this field: {note}"
    if error.type == "unique-error":
        return MESSAGES["unique"].format(cell=cell) + f": {getattr(error, 'note', '')}"
    if error.type == "primary-key":
        return f"The primary key repeats: {getattr(error, 'note', '')}"
    if error.type == "extra-cell":
        return f"This row has more values than the header has columns (“{cell}”)"
    if error.type == "missing-cell":
        return "This row has fewer values than the header has columns"
    if error.type == "blank-row":
        return "This row is empty"
    if error.type in ("incorrect-label", "missing-label", "extra-label", "blank-label", "duplicate-label"):
        return str(error.message).replace("Label", "The column").replace("label", "column")
    return str(error.message)


def _problems(report: Any) -> tuple[list[Problem], bool]:
    problems = []
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            if error.type.endswith("-label"):
                row = 1
            problems.append(
                Problem(
                    row=row,
                    field=str(getattr(error, "field_name", "") or getattr(error, "label", "") or ""),
                    cell=str(getattr(error, "cell", "") or ""),
                    message=_message(error),
                )
            )
    problems.sort(key=lambda problem: (problem.row or 0, problem.field))
    return problems, len(problems) >= REPORT_LIMIT


def schema_problems(descriptor: Any) -> list[str]:
    """Why a Table Schema descriptor is not valid Frictionless (empty when it is)."""
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("fields"), list) or not descriptor["fields"]:
        return ["A Table Schema needs a list of fields."]
    try:
        report = Schema.validate_descriptor(descriptor)
    except FrictionlessException as error:
        return [str(error)]
    return [str(error.message) for error in report.errors]


def _table(source: Source, table_format: str, schema: dict[str, Any] | None) -> TableResource:
    """A Frictionless table over the bytes, or streaming the file (named inside its folder: Frictionless
    refuses absolute paths as unsafe)."""
    options: dict[str, Any] = {"format": table_format, "detector": Detector(sample_size=INFER_SAMPLE_ROWS)}
    if schema is not None:
        options["schema"] = Schema.from_descriptor(schema)
    if isinstance(source, Path):
        return TableResource(path=source.name, basepath=str(source.parent), **options)
    return TableResource(data=source, **options)


def _rows(table: TableResource) -> Iterator[tuple[str, ...]]:
    """Every data row as text (None as ""), in the schema's field order, one at a time."""
    with table:
        for row in table.row_stream:
            yield tuple("" if value is None else str(value) for value in row.to_list())


def _tabular_check(
    source: Source, table_format: str, schema: dict[str, Any] | None, on_row: Callable[[int], None] | None = None
) -> tuple[dict[str, Any], int]:
    """(the schema used, how many data rows); UploadRejectedError with the report when the file does not fit it.

    `on_row` is told how many rows have been validated so far, after each row (for progress).
    """
    counted = 0

    def _row_checked(row: Any) -> None:  # Frictionless passes each row; only their number matters here
        nonlocal counted
        counted += 1
        if on_row is not None:
            on_row(counted)

    try:
        table = _table(source, table_format, schema)
        if schema is None:
            table.infer()
            schema = table.schema.to_descriptor()
        report = table.validate(limit_errors=REPORT_LIMIT, on_row=_row_checked)
    except FrictionlessException as error:
        raise _file_problem(f"The file could not be read as {table_format.upper()}: {error.error.message}") from None
    if not report.valid:
        problems, truncated = _problems(report)
        raise UploadRejectedError(problems, truncated=truncated)
    return schema, counted


def upload_check(
    *,
    resource: Resource,
    filename: str,
    content: bytes | IO[bytes] | None = None,
    path: Path | None = None,
    table_schema: dict[str, Any] | None = None,
    max_bytes: int | None = None,
    on_row: Callable[[int], None] | None = None,
) -> CheckedFile:
    """Read and validate a file for `resource` without storing anything. UploadRejectedError when it is not accepted.

    The file is `content` (read into memory, unless it is an upload Django already wrote to
    disk) or the local file at `path` (streamed: large files). Tabular files are validated
    against `table_schema` if given, else the resource's schema, else one inferred from the
    file itself (the first upload).
    `max_bytes` replaces the upload limit (the background path's larger one); `on_row`
    follows validation row by row.
    """
    name = clean_filename(filename)
    limit = upload_max_bytes() if max_bytes is None else max_bytes
    on_disk = getattr(content, "temporary_file_path", None)  # Django keeps uploads over 2.5 MB on disk
    if path is None and on_disk is not None:
        path = Path(on_disk())
    source: Source
    if path is not None:
        source = path
        _check_size(path.stat().st_size, limit)
        with path.open("rb") as handle:
            sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        size = path.stat().st_size
    else:
        source = _read(content if content is not None else b"", limit)
        sha256, size = hashlib.sha256(source).hexdigest(), len(source)
    file_format, mimetype, table_format = sniff(name, source)
    schema: dict[str, Any] | None = None
    row_count = None
    if table_format is not None:
        wanted = table_schema if table_schema is not None else resource.table_schema
        if wanted is not None:
            problems = schema_problems(wanted)
            if problems:
                raise ValidationError({"table_schema": problems})
        schema, row_count = _tabular_check(source, table_format, wanted, on_row)
    return CheckedFile(
        filename=name,
        content=source if isinstance(source, bytes) else None,
        path=path,
        size=size,
        format=file_format,
        mimetype=mimetype,
        sha256=sha256,
        table_schema=schema,
        row_count=row_count,
    )


def _digest(values: Iterable[str]) -> bytes:
    return hashlib.blake2b(json.dumps(list(values)).encode(), digest_size=16).digest()


def _compared(
    new_rows: Iterable[tuple[str, ...]],
    old_rows: Iterable[tuple[str, ...]],
    key_positions: tuple[list[int], list[int]] | None,
) -> tuple[int, int, int | None]:
    """(added, removed, changed) between two row streams, counted in a scratch SQLite file.

    Only a digest per row (and per key) is kept, on disk, so comparing two large versions
    needs little memory whatever their size.
    """
    with (
        tempfile.TemporaryDirectory() as directory,
        contextlib.closing(sqlite3.connect(Path(directory) / "compare.sqlite3")) as db,
    ):
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        for table, rows, positions in (
            ("new", new_rows, key_positions[0] if key_positions else None),
            ("old", old_rows, key_positions[1] if key_positions else None),
        ):
            if positions is None:
                db.execute(f"CREATE TABLE {table} (h BLOB)")
                db.executemany(f"INSERT INTO {table} VALUES (?)", ((_digest(row),) for row in rows))  # noqa: S608
                continue
            db.execute(f"CREATE TABLE {table} (k BLOB PRIMARY KEY, h BLOB)")
            db.executemany(  # a repeated key keeps its last row
                f"INSERT OR REPLACE INTO {table} VALUES (?, ?)",  # noqa: S608
                ((_digest(row[i] for i in positions), _digest(row)) for row in rows),
            )
        if key_positions is not None:
            (added,) = db.execute("SELECT COUNT(*) FROM new WHERE k NOT IN (SELECT k FROM old)").fetchone()
            (removed,) = db.execute("SELECT COUNT(*) FROM old WHERE k NOT IN (SELECT k FROM new)").fetchone()
            (changed,) = db.execute("SELECT COUNT(*) FROM new JOIN old USING (k) WHERE new.h != old.h").fetchone()
            return added, removed, changed
        surplus = (
            "SELECT COALESCE(SUM(a.c - COALESCE(b.c, 0)), 0) FROM (SELECT h, COUNT(*) AS c FROM {0} GROUP BY h) AS a "
            "LEFT JOIN (SELECT h, COUNT(*) AS c FROM {1} GROUP BY h) AS b USING (h) WHERE a.c > COALESCE(b.c, 0)"
        )
        (added,) = db.execute(surplus.format("new", "old")).fetchone()
        (removed,) = db.execute(surplus.format("old", "new")).fetchone()
        return added, removed, None


def change_summary(*, checked: CheckedFile, previous: ResourceVersion | None) -> dict[str, Any]:
    """Rows added, removed and changed against the previous version.

    By the schema's primary key when it has one (a row whose key stays but whose values
    differ is "changed"); otherwise whole rows are compared as a multiset, which can say
    what was added and removed but not what changed (an edited row counts as one of each).
    Both files are read again row by row (see _compared).
    """
    schema = checked.table_schema
    assert schema is not None  # noqa: S101 - only tabular files have a summary
    if previous is None or previous.table_schema is None:
        added = checked.row_count or 0
        return {"compared_with": None, "rows_added": added, "rows_removed": 0, "rows_changed": 0, "by": "first"}
    new_format = KNOWN_FORMATS.get(checked.format.lower(), ("", "", None))[2] or "csv"
    old_format = KNOWN_FORMATS.get(previous.format.lower(), ("", "", None))[2] or "csv"
    names = [field["name"] for field in schema["fields"]]
    old_names = [field["name"] for field in previous.table_schema["fields"]]
    key = schema.get("primaryKey") or []
    key = [key] if isinstance(key, str) else list(key)
    by_key = bool(key) and all(name in old_names for name in key)
    positions = ([names.index(name) for name in key], [old_names.index(name) for name in key]) if by_key else None
    with local_file(previous.file) as old_path:
        new_rows = _rows(_table(checked.source, new_format, schema))
        old_rows = _rows(_table(old_path, old_format, previous.table_schema))
        added, removed, changed = _compared(new_rows, old_rows, positions)
    return {
        "compared_with": previous.number,
        "rows_added": added,
        "rows_removed": removed,
        "rows_changed": changed,
        "by": "primary_key" if by_key else "whole_rows",
    }


def _version_path(resource: Resource, number: int, filename: str) -> str:
    field = ResourceVersion._meta.get_field("file")
    return f"opendata/versions/{resource.pk}/{number}/{field.storage.get_valid_name(filename)}"


def version_record(
    *, acting_user: Actor, resource: Resource, checked: CheckedFile, change_note: str = ""
) -> ResourceVersion:
    """Store a checked file as the resource's next version and make it current (call inside a transaction).

    `resource` must be saved and locked by the caller. The file is written first; if a
    database write then fails, it is removed again, so a failure leaves no file behind.
    """
    previous = resource.versions.order_by("-number").first()
    if previous is not None and previous.sha256 == checked.sha256:
        raise ValidationError(
            {"upload": [f"This file is the same as version {previous.number}, so no new version was made."]}
        )
    number = previous.number + 1 if previous is not None else 1
    summary: dict[str, Any] = {}
    if checked.tabular and checked.table_schema is not None:
        summary = change_summary(checked=checked, previous=previous)
    storage = ResourceVersion._meta.get_field("file").storage
    with checked.open() as handle:
        stored = storage.save(_version_path(resource, number, checked.filename), File(handle))
    try:
        now = timezone.now()
        version = ResourceVersion(
            resource=resource,
            number=number,
            file=stored,
            filename=checked.filename,
            format=checked.format,
            mimetype=checked.mimetype,
            sha256=checked.sha256,
            size=checked.size,
            row_count=checked.row_count,
            table_schema=checked.table_schema,
            change_summary=summary,
            change_note=change_note.strip(),
            created_by=acting_user if isinstance(acting_user, User) else None,
            created_at=now,
        )
        version.full_clean(exclude=["resource", "created_by"])
        version.save(force_insert=True)
        resource.upload.name = stored
        resource.url = ""
        resource.size = version.size
        resource.hash = "sha256:" + version.sha256
        resource.format = version.format  # what was validated, whatever the caller called it
        resource.mimetype = version.mimetype
        resource.last_modified = now
        resource.metadata_modified = now
        resource.current_version = version
        if checked.table_schema is not None:
            resource.table_schema = checked.table_schema
        resource.save()
    except BaseException:
        storage.delete(stored)
        raise
    if version.row_count is not None:
        datastore_load_schedule(version_id=version.pk)
    return version


def resource_file_upload(
    *,
    acting_user: Actor,
    resource: Resource,
    filename: str,
    content: bytes | IO[bytes],
    change_note: str = "",
    table_schema: dict[str, Any] | None = None,
) -> ResourceVersion:
    """A new file for an existing resource: validated, then its next version. UploadRejectedError stores nothing."""
    require_steward(acting_user)
    checked = upload_check(resource=resource, filename=filename, content=content, table_schema=table_schema)
    version = checked_file_publish(
        acting_user=acting_user, resource=resource, checked=checked, change_note=change_note, table_schema=table_schema
    )
    resource.refresh_from_db()
    return version


def checked_file_publish(
    *,
    acting_user: Actor,
    resource: Resource,
    checked: CheckedFile,
    change_note: str = "",
    table_schema: dict[str, Any] | None = None,
    max_bytes: int | None = None,
) -> ResourceVersion:
    """Store a file upload_check passed as the resource's next version, in one transaction, audited.

    If the resource's schema changed while the file was being checked, it is checked again
    against the new one first (`max_bytes` as for the first check).
    """
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        if table_schema is None and locked.table_schema != resource.table_schema:
            checked = upload_check(
                resource=locked,
                filename=checked.filename,
                content=checked.content,
                path=checked.path,
                max_bytes=max_bytes,
            )
        version = version_record(acting_user=acting_user, resource=locked, checked=checked, change_note=change_note)
        Dataset.objects.filter(pk=locked.dataset_id).update(metadata_modified=version.created_at)
        audit_record(
            actor=acting_user,
            action="opendata.resource.version_created",
            object_type=OBJECT_RESOURCE,
            object_id=str(locked.pk),
            reason=f"Version {version.number}.",
        )
    return version


def _current_header(resource: Resource) -> list[str] | None:
    version = resource.current_version
    if version is None or version.table_schema is None:
        return None
    return [field["name"] for field in version.table_schema["fields"]]


def resource_schema_update(*, acting_user: Actor, resource: Resource, table_schema: dict[str, Any]) -> Resource:
    """Replace a tabular resource's Table Schema (the steward's titles, types, constraints, key).

    The schema must be valid Table Schema, name exactly the current file's columns in order,
    and the current file must pass it; later uploads are validated against it.
    """
    require_steward(acting_user)
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        header = _current_header(locked)
        if header is None:
            raise ValidationError({"table_schema": ["Upload a CSV or XLSX file before editing its schema."]})
        problems = schema_problems(table_schema)
        if problems:
            raise ValidationError({"table_schema": problems})
        names = [field.get("name") for field in table_schema["fields"]]
        if names != header:
            raise ValidationError(
                {"table_schema": [f"The fields must be the file's columns, in order: {', '.join(header)}."]}
            )
        version = locked.current_version
        assert version is not None  # noqa: S101 - _current_header found it
        table_format = KNOWN_FORMATS.get(version.format.lower(), ("", "", None))[2] or "csv"
        try:
            with local_file(version.file) as path:
                _tabular_check(path, table_format, table_schema)
        except UploadRejectedError as rejected:
            raise UploadRejectedError(rejected.problems, truncated=rejected.truncated, field="table_schema") from None
        locked.table_schema = table_schema
        locked.metadata_modified = timezone.now()
        locked.save(update_fields=["table_schema", "metadata_modified"])
        Dataset.objects.filter(pk=locked.dataset_id).update(metadata_modified=locked.metadata_modified)
        audit_record(
            actor=acting_user,
            action="opendata.resource.schema_updated",
            object_type=OBJECT_RESOURCE,
            object_id=str(locked.pk),
        )
    return locked
