"""The datastore's physical tables: names, column types, DDL, bulk loading, value conversion and queries.

Every identifier that reaches SQL is either generated here (table, index and constraint names)
or a field id that passed `field_id_errors`, and is always double-quoted; every value travels as
a query parameter. Values are converted in Python before they are written, so a wrong type is
the same clear error on SQLite (which would store anything) as on PostgreSQL.

Column types use PostgreSQL's names (CKAN's): text, numeric, float8, int4, int8, bool, date,
time, timestamp, json. On SQLite they become TEXT/NUMERIC/REAL/INTEGER, with dates and times
as ISO 8601 text (which sorts in time order) and booleans as 0/1.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import DatabaseError, connection, transaction

ID_FIELD = "_id"
MAX_FIELD_ID_LENGTH = 63
# Accepted spellings (CKAN's datastore_create and Table Schema's) → the type stored.
TYPE_ALIASES = {
    "text": "text",
    "string": "text",
    "varchar": "text",
    "numeric": "numeric",
    "number": "numeric",
    "decimal": "numeric",
    "float": "float8",
    "float8": "float8",
    "double precision": "float8",
    "int": "int4",
    "int4": "int4",
    "integer": "int4",
    "int8": "int8",
    "bigint": "int8",
    "bool": "bool",
    "boolean": "bool",
    "date": "date",
    "time": "time",
    "timestamp": "timestamp",
    "datetime": "timestamp",
    "json": "json",
}
TYPES = frozenset(TYPE_ALIASES.values())
_SQLITE_DECLARED = {
    "text": "TEXT",
    "numeric": "NUMERIC",
    "float8": "REAL",
    "int4": "INTEGER",
    "int8": "INTEGER",
    "bool": "INTEGER",
    "date": "TEXT",
    "time": "TEXT",
    "timestamp": "TEXT",
    "json": "TEXT",
}
# Frictionless Table Schema field types → column types (anything without a SQL twin is text).
TABLE_SCHEMA_TYPES = {
    "string": "text",
    "number": "numeric",
    "integer": "int8",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "time": "time",
    "year": "int4",
    "object": "json",
    "array": "json",
    "geojson": "json",
}
_INT_RANGE = {"int4": 2**31, "int8": 2**63}
_TRUE = {"true", "t", "yes", "y", "1", "on"}
_FALSE = {"false", "f", "no", "n", "0", "off"}


def quote(name: str) -> str:
    """A double-quoted SQL identifier (both databases)."""
    return '"' + name.replace('"', '""') + '"'


def field_id_errors(field_id: Any) -> str | None:
    """Why `field_id` can't be a column name (CKAN's rules), or None."""
    if not isinstance(field_id, str) or not field_id.strip():
        return "Field names must be non-empty text"
    if field_id.startswith("_"):
        return f'"{field_id}" is not a valid field name: names may not start with "_"'
    if '"' in field_id or "%" in field_id or "\x00" in field_id:
        return f'"{field_id}" is not a valid field name: no quotes, % or NUL'
    if field_id != field_id.strip():
        return f'"{field_id}" is not a valid field name: no spaces at either end'
    if len(field_id.encode()) > MAX_FIELD_ID_LENGTH:
        return f'"{field_id}" is not a valid field name: longer than {MAX_FIELD_ID_LENGTH} bytes'
    return None


def table_name_for(resource_id: Any) -> str:
    """The live table of a resource: `ds_` and the resource's UUID in hex (35 characters)."""
    return f"ds_{str(resource_id).replace('-', '').lower()}"


def _token() -> str:
    return secrets.token_hex(4)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- values ------------------------------------------------------------------------------------


def to_db(value: Any, kind: str) -> Any:
    """`value` converted for a `kind` column; ValueError saying why it can't be.

    Empty strings are missing values (NULL), as in Table Schema's default missingValues.
    """
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if kind == "text":
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)
    if kind in _INT_RANGE:
        return _integer(value, kind)
    if kind == "numeric":
        return _decimal(value)
    if kind == "float8":
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
            raise ValueError("is not a number")
        try:
            return float(value)
        except ValueError:
            raise ValueError("is not a number") from None
    if kind == "bool":
        return _boolean(value)
    if kind == "date":
        return _date(value)
    if kind == "timestamp":
        return _timestamp(value)
    if kind == "time":
        return _time(value)
    if kind == "json":
        if isinstance(value, str):
            try:
                json.loads(value)
            except json.JSONDecodeError:
                raise ValueError("is not JSON") from None
            return value
        return json.dumps(value)
    raise ValueError(f"has an unknown type {kind}")


def _integer(value: Any, kind: str) -> int:
    if isinstance(value, bool):
        raise ValueError("is not an integer")
    if isinstance(value, int):
        number = value
    elif (isinstance(value, float | Decimal) and value == int(value)) or (
        isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value)
    ):
        number = int(value)
    else:
        raise ValueError("is not an integer")
    if not -_INT_RANGE[kind] <= number < _INT_RANGE[kind]:
        raise ValueError(f"is out of range for {kind}")
    return number


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValueError("is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("is not a number") from None
    if not number.is_finite():
        raise ValueError("is not a finite number")
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("is not true or false")


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError("is not a date (YYYY-MM-DD)") from None


def _timestamp(value: Any) -> str:
    if isinstance(value, dt.datetime):
        found = value
    elif isinstance(value, dt.date):
        found = dt.datetime(value.year, value.month, value.day)  # noqa: DTZ001 - timestamps are naive, as in CKAN
    else:
        try:
            found = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError("is not a date and time (ISO 8601)") from None
    if found.tzinfo is not None:
        found = found.astimezone(dt.UTC).replace(tzinfo=None)
    return found.isoformat()


def _time(value: Any) -> str:
    if isinstance(value, dt.time):
        return value.isoformat()
    try:
        return dt.time.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError("is not a time (HH:MM:SS)") from None


def from_db(value: Any, kind: str) -> Any:
    """A stored value as JSON shows it (CKAN's shapes: numbers, ISO dates, true/false, parsed JSON)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if kind == "bool":
        return bool(value)
    if kind == "json" and isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    if kind == "numeric" and isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


# --- tables ------------------------------------------------------------------------------------


def _column_sql(field_id: str, kind: str) -> str:
    declared = kind if _is_postgres() else _SQLITE_DECLARED[kind]
    return f"{quote(field_id)} {declared}"


def table_create(name: str, fields: Sequence[Mapping[str, str]]) -> None:
    """A new, empty table: `_id` first (1, 2, 3… in insertion order), then `fields` in order."""
    id_sql = (
        f'"_id" bigint GENERATED BY DEFAULT AS IDENTITY CONSTRAINT {quote("pk_" + name)} PRIMARY KEY'
        if _is_postgres()
        else '"_id" INTEGER PRIMARY KEY'
    )
    columns = ", ".join([id_sql, *(_column_sql(field["id"], field["type"]) for field in fields)])
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {quote(name)} ({columns})")
        _grant_read(cursor, name)


def _grant_read(cursor: Any, name: str) -> None:
    """Let the read-only role of datastore_search_sql read the table (PostgreSQL, when configured)."""
    from django.conf import settings

    role = getattr(settings, "OPENDATA_DATASTORE_READONLY_ROLE", "")
    if role and _is_postgres():
        cursor.execute(f"GRANT SELECT ON {quote(name)} TO {quote(role)}")


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        return name in connection.introspection.table_names(cursor)


def table_drop(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(name)}")


def column_add(name: str, field: Mapping[str, str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quote(name)} ADD COLUMN {_column_sql(field['id'], field['type'])}")


def indexes_create(name: str, indexes: Iterable[Sequence[str]], *, unique: Sequence[str] = ()) -> None:
    """An index per entry of `indexes` (each a list of field ids), and a unique one on `unique` if given."""
    wanted = [(list(unique), True)] if unique else []
    wanted += [(list(index), False) for index in indexes if index and list(index) != list(unique)]
    with connection.cursor() as cursor:
        for columns, is_unique in wanted:
            index_name = f"dsi_{_token()}{_token()}"
            cursor.execute(
                f"CREATE {'UNIQUE ' if is_unique else ''}INDEX {quote(index_name)} ON {quote(name)} "
                f"({', '.join(quote(column) for column in columns)})"
            )


def indexes_drop(name: str) -> None:
    """Drop every index on the table except the one behind `_id` (before primary_key/indexes change)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, name)
        for index_name, info in constraints.items():
            if info.get("index") and info.get("columns") != [ID_FIELD] and not info.get("primary_key"):
                cursor.execute(f"DROP INDEX {quote(index_name)}")


def swap(staging: str, live: str) -> None:
    """Put `staging` in place of `live` in one transaction: readers see the old table or the new one."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(live)}")
        cursor.execute(f"ALTER TABLE {quote(staging)} RENAME TO {quote(live)}")


def staging_name(live: str) -> str:
    """A fresh name to load into beside `live` (unique, so its sequence and indexes never collide)."""
    return f"{live}_{_token()}"


def analyze(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {quote(name)}")


# --- writing rows ------------------------------------------------------------------------------


def rows_copy(name: str, field_ids: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Append rows quickly: COPY on PostgreSQL, executemany on SQLite. Rows are already converted."""
    columns = ", ".join(quote(field_id) for field_id in field_ids)
    count = 0
    with connection.cursor() as cursor:
        if _is_postgres():
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {quote(name)} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            placeholders = ", ".join(["%s"] * len(field_ids))
            batch = list(rows)
            cursor.executemany(f"INSERT INTO {quote(name)} ({columns}) VALUES ({placeholders})", batch)  # noqa: S608 - quoted ids
            count = len(batch)
    return count


def csv_parts(stream: IO[bytes], *, size: int = 32 * 2**20) -> Iterator[tuple[bytes, int]]:
    """A CSV file in parts of about `size` bytes that end between records: (bytes, newline count).

    A newline ends a record when an even number of quote characters comes before it (quotes
    inside fields are doubled in CSV), so quoted newlines never split a record. The UTF-8
    byte order mark some spreadsheets write is dropped.
    """
    pending = b""
    first = True
    while True:
        chunk = stream.read(size)
        if first:
            chunk = chunk.removeprefix(b"\xef\xbb\xbf")
            first = False
        pending += chunk
        if not chunk:
            if pending.strip():
                yield pending, pending.count(b"\n") + (0 if pending.endswith(b"\n") else 1)
            return
        cut = pending.rfind(b"\n")
        while cut >= 0 and pending.count(b'"', 0, cut) % 2:
            cut = pending.rfind(b"\n", 0, cut)
        if cut >= 0:
            part, pending = pending[: cut + 1], pending[cut + 1 :]
            yield part, part.count(b"\n")


def csv_copy(name: str, field_ids: Sequence[str], part: bytes, *, header: bool) -> int:
    """PostgreSQL only: COPY a part of a CSV file as it is (the server parses and checks the types).

    Empty fields, quoted or not, are NULL (FORCE_NULL), as they are when rows are converted in Python.
    """
    columns = ", ".join(quote(field_id) for field_id in field_ids)
    options = f"FORMAT csv, HEADER {'true' if header else 'false'}, FORCE_NULL ({columns})"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(f"COPY {quote(name)} ({columns}) FROM STDIN WITH ({options})") as copy:
            copy.write(part)
        return int(cursor.cursor.rowcount)


def row_count(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {quote(name)}")  # noqa: S608 - generated name
        return int(cursor.fetchone()[0])


def row_insert(name: str, record: Mapping[str, Any]) -> None:
    columns = list(record)
    values = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(name)} ({', '.join(quote(column) for column in columns)}) VALUES ({values})",  # noqa: S608
            [record[column] for column in columns],
        )


def row_update(name: str, record: Mapping[str, Any], key: Mapping[str, Any]) -> int:
    """Update the row(s) matching `key` with `record`'s other values; how many rows matched."""
    changes = [column for column in record if column not in key]
    where = " AND ".join(f"{quote(column)} = %s" for column in key)
    with connection.cursor() as cursor:
        if changes:
            assignments = ", ".join(f"{quote(column)} = %s" for column in changes)
            cursor.execute(
                f"UPDATE {quote(name)} SET {assignments} WHERE {where}",  # noqa: S608 - quoted ids
                [record[column] for column in changes] + list(key.values()),
            )
            return int(cursor.rowcount)
        cursor.execute(f"SELECT count(*) FROM {quote(name)} WHERE {where}", list(key.values()))  # noqa: S608
        return int(cursor.fetchone()[0])


def rows_delete(name: str, where: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(name)} {where}", params)  # noqa: S608 - built from quoted ids
        return int(cursor.rowcount)


# --- reading -----------------------------------------------------------------------------------


class SearchTimeout(Exception):  # noqa: N818 - CKAN's "took too long"
    """A datastore_search query ran past its time limit."""


@contextmanager
def time_limit(timeout_ms: int) -> Iterator[None]:
    """Run the body's queries with a deadline, then undo every setting (read-only work only).

    PostgreSQL: SET LOCAL statement_timeout inside a transaction (a savepoint if one is open)
    that is rolled back afterwards. SQLite: a progress handler that aborts past the deadline.
    """
    if _is_postgres():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(timeout_ms))}")
                yield
                transaction.set_rollback(True)
        except DatabaseError as error:
            if getattr(error.__cause__, "sqlstate", None) == "57014":
                raise SearchTimeout() from error
            raise
        return
    connection.ensure_connection()
    raw = connection.connection
    deadline = time.monotonic() + timeout_ms / 1000
    timed_out = False

    def past_deadline() -> int:
        nonlocal timed_out
        timed_out = time.monotonic() > deadline
        return int(timed_out)

    raw.set_progress_handler(past_deadline, 1000)
    try:
        yield
    except DatabaseError as error:
        if timed_out:
            raise SearchTimeout() from error
        raise
    finally:
        raw.set_progress_handler(None, 0)


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def text_match_sql(column: str) -> str:
    """`column` as text, matched case-insensitively against a LIKE pattern parameter."""
    if _is_postgres():
        return f"CAST({quote(column)} AS text) ILIKE %s"
    return f"CAST({quote(column)} AS TEXT) LIKE %s ESCAPE '\\'"


def like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
