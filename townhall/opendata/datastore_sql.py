"""The guard and runner behind CKAN's `datastore_search_sql`: one read-only SELECT over datastore tables.

`sql_check` parses the client's SQL (PostgreSQL syntax, as CKAN clients write it) with sqlglot,
refuses everything that is not a plain SELECT over the allowed tables with allowed functions,
rewrites resource ids to physical table names and generates fresh SQL for the target database.
The database never sees the client's text: comments, stray statements and tokenizer tricks
disappear because only the vetted syntax tree is written back out.

`sql_run` executes checked SQL with a time limit and read-only guards: on PostgreSQL a read-only
transaction with `statement_timeout` (and optionally a read-only role); on SQLite a progress
handler that aborts at the deadline, with `PRAGMA query_only` set for the duration.

Errors follow CKAN's datastore (ckanext/datastore/backend/postgres.py `search_sql`):
- `DatastoreSqlError`: "Validation Error", HTTP 409, `{"query": [message]}` — not a single
  SELECT, syntax errors, unsupported constructs (INTO, FOR UPDATE, parameters...), and errors the
  database raises while running the query.
- `DatastoreSqlForbidden`: "Authorization Error", HTTP 403 — a table that is not an allowed
  datastore table ("Not authorized to read resource ..."), system catalogues ("Not authorized to
  access system tables") and functions off the allow-list ("Not authorized to call function ...").
- `DatastoreSqlTimeout`: "Validation Error", 409, `{"query": ["Query took too long"]}`.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, NamedTuple, TypedDict

import sqlglot
from django.db import DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

Dialect = Literal["sqlite", "postgres"]

MAX_SQL_LENGTH = 20_000


class DatastoreSqlError(Exception):
    """A query the client must change; CKAN's "Validation Error" (409) with `{"query": [message]}`."""

    ckan_error_type = "Validation Error"
    http_status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DatastoreSqlForbidden(DatastoreSqlError):  # noqa: N818 - named for what CKAN calls it
    """Reaching for a table or function the client may not use; CKAN's "Authorization Error" (403)."""

    ckan_error_type = "Authorization Error"
    http_status = 403


class DatastoreSqlTimeout(DatastoreSqlError):  # noqa: N818 - the name the API layer expects
    """The query ran past its time limit and was cancelled."""

    def __init__(self, message: str = "Query took too long") -> None:
        super().__init__(message)


# --- What a query may contain -------------------------------------------------------------------

_STRUCTURE: frozenset[type[exp.Expr]] = frozenset(
    {
        exp.Select,
        exp.Union,
        exp.Intersect,
        exp.Except,
        exp.With,
        exp.CTE,
        exp.TableAlias,
        exp.Subquery,
        exp.From,
        exp.Join,
        exp.Table,
        exp.Identifier,
        exp.Column,
        exp.Star,
        exp.Where,
        exp.Group,
        exp.Having,
        exp.Order,
        exp.Ordered,
        exp.Limit,
        exp.Offset,
        exp.Distinct,
        exp.Alias,
        exp.Paren,
        exp.Tuple,
        exp.Window,
        exp.Exists,
        exp.DataType,
        exp.DataTypeParam,
        exp.Var,
    }
)
_OPERATORS: frozenset[type[exp.Expr]] = frozenset(
    {
        exp.Literal,
        exp.Boolean,
        exp.Null,
        exp.And,
        exp.Or,
        exp.Not,
        exp.EQ,
        exp.NEQ,
        exp.GT,
        exp.GTE,
        exp.LT,
        exp.LTE,
        exp.Is,
        exp.In,
        exp.Between,
        exp.Like,
        exp.ILike,
        exp.Add,
        exp.Sub,
        exp.Mul,
        exp.Div,
        exp.Mod,
        exp.Neg,
        exp.DPipe,
        exp.NullSafeEQ,
        exp.NullSafeNEQ,
    }
)
# Functions both databases run with the same meaning once sqlglot has written them out.
_FUNCTIONS: frozenset[type[exp.Expr]] = frozenset(
    {
        exp.Count,
        exp.Sum,
        exp.Avg,
        exp.Min,
        exp.Max,
        exp.Lower,
        exp.Upper,
        exp.Trim,
        exp.Length,
        exp.Substring,
        exp.Replace,
        exp.Coalesce,
        exp.Nullif,
        exp.Concat,
        exp.Round,
        exp.Abs,
        exp.Cast,
        exp.Case,
        exp.If,
        exp.CurrentDate,
        exp.CurrentTimestamp,
        exp.RowNumber,
        exp.Rank,
        exp.DenseRank,
    }
)
# Date functions sqlglot cannot write for SQLite; allowed on PostgreSQL only.
_POSTGRES_FUNCTIONS: frozenset[type[exp.Expr]] = frozenset(
    {exp.Extract, exp.TimestampTrunc, exp.DateTrunc, exp.Interval}
)
_TYPES = frozenset(
    {
        exp.DataType.Type.TEXT,
        exp.DataType.Type.VARCHAR,
        exp.DataType.Type.CHAR,
        exp.DataType.Type.INT,
        exp.DataType.Type.BIGINT,
        exp.DataType.Type.SMALLINT,
        exp.DataType.Type.DECIMAL,
        exp.DataType.Type.DOUBLE,
        exp.DataType.Type.FLOAT,
        exp.DataType.Type.BOOLEAN,
        exp.DataType.Type.DATE,
        exp.DataType.Type.TIMESTAMP,
        exp.DataType.Type.TIMESTAMPTZ,
    }
)
_REFUSED_MESSAGES: dict[type[exp.Expr], str] = {
    exp.Into: "SELECT ... INTO is not allowed: datastore_search_sql is read-only",
    exp.Lock: "Locking clauses (FOR UPDATE / FOR SHARE) are not allowed",
    exp.Placeholder: "Query parameters are not supported; write the values into the query",
    exp.Parameter: "Query parameters are not supported; write the values into the query",
}
_SYSTEM_TABLE = re.compile(r"(pg_|sqlite_|pragma_)", re.IGNORECASE)
_SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "pg_toast", "temp"})
_SYSTEM_COLUMNS = frozenset(
    {"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid", "rowid", "_rowid_", "sqlite_master"}
)


# --- Checking -----------------------------------------------------------------------------------


def _parse_one(sql: str) -> exp.Expr:
    """The single statement in `sql`; a trailing `;` is tolerated, a second statement is not."""
    if len(sql) > MAX_SQL_LENGTH:
        raise DatastoreSqlError(f"The query is longer than {MAX_SQL_LENGTH} characters")
    if "\x00" in sql:
        raise DatastoreSqlError("The query contains a NUL character")
    try:
        parsed = sqlglot.parse(sql, read="postgres")
    except SqlglotError as error:
        raise DatastoreSqlError(f"Can't parse the query: {_first_line(error)}") from None
    statements = [node for node in parsed if node is not None and not isinstance(node, exp.Semicolon)]
    if not statements:
        raise DatastoreSqlError("The query is empty")
    if len(statements) > 1:
        raise DatastoreSqlError("Only one statement is allowed")
    return statements[0]


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _name(identifier: exp.Expr | None) -> str:
    """How PostgreSQL resolves a name: unquoted identifiers fold to lower case."""
    if not isinstance(identifier, exp.Identifier):
        return ""
    return identifier.this if identifier.quoted else identifier.this.lower()


def _cte_names(with_: exp.With) -> list[str]:
    return [_name(cte.args["alias"].this) if cte.args.get("alias") else "" for cte in with_.expressions]


def _visible_ctes(table: exp.Table) -> set[str]:
    """The CTE names in scope where `table` appears, following PostgreSQL's rules.

    In a non-recursive WITH a CTE sees only the CTEs before it (not itself); WITH RECURSIVE sees
    all of them. A name that isn't in scope refers to a real table, whatever CTEs exist elsewhere.
    """
    visible: set[str] = set()
    child: exp.Expr = table
    node = table.parent
    while node is not None:
        if isinstance(node, exp.With) and isinstance(child, exp.CTE):
            names = _cte_names(node)
            position = next(index for index, cte in enumerate(node.expressions) if cte is child)
            visible.update(names if node.args.get("recursive") else names[:position])
        elif isinstance(node.args.get("with_"), exp.With) and child is not node.args["with_"]:
            visible.update(_cte_names(node.args["with_"]))
        child, node = node, node.parent
    return visible


def _check_node(node: exp.Expr, dialect: Dialect) -> None:
    kind = type(node)
    if kind in _REFUSED_MESSAGES:
        raise DatastoreSqlError(_REFUSED_MESSAGES[kind])
    allowed = _STRUCTURE | _OPERATORS | _FUNCTIONS
    if dialect == "postgres":
        allowed |= _POSTGRES_FUNCTIONS
    if kind in allowed:
        return
    if isinstance(node, exp.Func):
        raise DatastoreSqlForbidden(f"Not authorized to call function {_function_name(node)}")
    raise DatastoreSqlError(f"{kind.__name__} is not allowed in datastore_search_sql")


def _function_name(node: exp.Expr) -> str:
    """The function's name as PostgreSQL spells it, for the refusal message."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    try:
        written = node.sql("postgres")
    except SqlglotError:
        written = ""
    name = re.match(r"[A-Za-z_][A-Za-z0-9_]*", written)
    return (name.group(0) if name else type(node).__name__).lower()


def _check_type(node: exp.DataType) -> None:
    if node.this not in _TYPES:
        raise DatastoreSqlError(f"Casting to {node.sql('postgres')} is not allowed")


def _check_column(node: exp.Column) -> None:
    if node.args.get("db") or node.args.get("catalog"):
        raise DatastoreSqlForbidden(f"Schema-qualified names are not allowed: {node.sql('postgres')}")
    if isinstance(node.this, exp.Identifier) and node.this.this.lower() in _SYSTEM_COLUMNS:
        raise DatastoreSqlForbidden(f"Not authorized to read the system column {node.this.this}")


def _resolve_table(node: exp.Table, allowed_tables: Mapping[str, str]) -> None:
    """Refuse tables outside the allow-list; point resource ids at their physical tables."""
    if node.args.get("db") or node.args.get("catalog"):
        schema = _name(node.args.get("db"))
        if schema in _SYSTEM_SCHEMAS or _SYSTEM_TABLE.match(schema) or _SYSTEM_TABLE.match(_name(node.this)):
            raise DatastoreSqlForbidden("Not authorized to access system tables")
        raise DatastoreSqlForbidden(f"Not authorized to read resource {node.sql('postgres')}")
    if not isinstance(node.this, exp.Identifier):
        raise DatastoreSqlForbidden(f"Not authorized to call function {_function_name(node.this)}")
    extras = [key for key, value in node.args.items() if value and key not in ("this", "alias")]
    if extras:
        raise DatastoreSqlError(f"Table options ({', '.join(extras)}) are not allowed")
    name = _name(node.this)
    if name in _visible_ctes(node):
        return
    if _SYSTEM_TABLE.match(name) or name.lower() == "information_schema":
        raise DatastoreSqlForbidden("Not authorized to access system tables")
    if name not in allowed_tables:
        raise DatastoreSqlForbidden(f"Not authorized to read resource {name}")
    if not node.args.get("alias"):
        node.set("alias", exp.TableAlias(this=exp.to_identifier(name, quoted=True)))
    node.set("this", exp.to_identifier(allowed_tables[name], quoted=True))


def _concat_for_sqlite(node: exp.Expr) -> exp.Expr:
    """PostgreSQL's concat() skips NULLs; SQLite before 3.44 has no concat(), so spell it with ||."""
    if not isinstance(node, exp.Concat):
        return node
    parts = [
        exp.Coalesce(this=exp.cast(part.copy(), "text"), expressions=[exp.Literal.string("")])
        for part in node.expressions
    ]
    joined: exp.Expr = parts[0]
    for part in parts[1:]:
        joined = exp.DPipe(this=joined, expression=part)
    return exp.Paren(this=joined)


def sql_check(sql: str, *, allowed_tables: Mapping[str, str], dialect: Dialect) -> str:
    """The client's SELECT, vetted and rewritten for `dialect`, or a DatastoreSqlError saying why not.

    `allowed_tables` maps the resource ids clients write (`"2f1e..."`, quoted) to the physical
    datastore tables; anything else is refused. Pass a lazy mapping, or the ids from
    `sql_table_names`, rather than every table in the portal.
    """
    try:
        return _check(sql, allowed_tables=allowed_tables, dialect=dialect)
    except RecursionError:
        raise DatastoreSqlError("The query is nested too deeply") from None


def _check(sql: str, *, allowed_tables: Mapping[str, str], dialect: Dialect) -> str:
    tree = _parse_one(sql)
    if not isinstance(tree, exp.Select | exp.Union | exp.Intersect | exp.Except):
        raise DatastoreSqlError(f"Only SELECT statements are allowed, not {_statement_kind(tree)}")
    for node in list(tree.walk()):
        _check_node(node, dialect)
        if isinstance(node, exp.DataType):
            _check_type(node)
        elif isinstance(node, exp.Column):
            _check_column(node)
    for table in list(tree.find_all(exp.Table)):
        _resolve_table(table, allowed_tables)
    if dialect == "sqlite":
        tree = tree.transform(_concat_for_sqlite)
    try:
        return tree.sql(dialect=dialect, comments=False, unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as error:
        raise DatastoreSqlError(f"This query can't run here: {_first_line(error)}") from None


def _statement_kind(tree: exp.Expr) -> str:
    if isinstance(tree, exp.Command):
        return str(tree.this).upper()
    return tree.key.upper()


def sql_table_names(sql: str) -> set[str]:
    """The real (non-CTE) table names a query reads, so callers can look up only those resources."""
    try:
        tree = _parse_one(sql)
    except RecursionError:
        raise DatastoreSqlError("The query is nested too deeply") from None
    return {
        _name(table.this)
        for table in tree.find_all(exp.Table)
        if isinstance(table.this, exp.Identifier) and _name(table.this) not in _visible_ctes(table)
    }


# --- Running ------------------------------------------------------------------------------------


class SqlField(TypedDict):
    id: str
    type: str


class SqlResult(NamedTuple):
    """`truncated` when the query had more than `max_rows` rows (CKAN's `records_truncated`)."""

    fields: list[SqlField]
    rows: list[tuple[Any, ...]]
    truncated: bool


_LIMIT_ALIAS = "_datastore_sql"


def sql_run(
    sql: str, *, connection: BaseDatabaseWrapper, timeout_ms: int, max_rows: int, role: str | None = None
) -> SqlResult:
    """Run SQL returned by `sql_check`, cut off after `timeout_ms`, returning at most `max_rows` rows.

    `role` (PostgreSQL only) is switched to with `SET LOCAL ROLE` for the query: give it the name
    of a role with SELECT on the datastore tables and nothing else (e.g. from a setting such as
    OPENDATA_DATASTORE_READONLY_ROLE); Townhall does not create it. The connection's own user
    must be a member of that role.
    """
    wrapped = f"SELECT * FROM ({sql}) AS {_LIMIT_ALIAS} LIMIT {int(max_rows) + 1}"  # noqa: S608 - sql is checked
    if connection.vendor == "postgresql":
        fields, rows = _run_postgres(wrapped, connection=connection, timeout_ms=timeout_ms, role=role)
    elif connection.vendor == "sqlite":
        fields, rows = _run_sqlite(wrapped, connection=connection, timeout_ms=timeout_ms)
    else:
        raise ValueError(f"datastore_search_sql does not support {connection.vendor}")
    return SqlResult(fields, rows[:max_rows], len(rows) > max_rows)


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _run_postgres(
    sql: str, *, connection: BaseDatabaseWrapper, timeout_ms: int, role: str | None
) -> tuple[list[SqlField], list[tuple[Any, ...]]]:
    """Inside a transaction (a savepoint if one is open) that is always rolled back.

    Rolling back undoes SET TRANSACTION READ ONLY, SET LOCAL statement_timeout and SET LOCAL
    ROLE, so a caller's surrounding transaction carries on unaffected.
    """
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
            cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(timeout_ms))}")
            if role:
                cursor.execute(f"SET LOCAL ROLE {_quote_identifier(role)}")
            cursor.execute(sql)
            fields = [_postgres_field(cursor, column) for column in cursor.description]
            rows = [tuple(row) for row in cursor.fetchall()]
            transaction.set_rollback(True, using=connection.alias)  # nothing to keep; undoes the SETs
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) == "57014":  # query_canceled
            raise DatastoreSqlTimeout() from error
        raise DatastoreSqlError(_first_line(error)) from error
    return fields, rows


def _postgres_field(cursor: Any, column: Any) -> SqlField:
    """The PostgreSQL type name for a result column, from psycopg's registry of built-in types."""
    info = cursor.cursor.adapters.types.get(column.type_code)
    return {"id": column.name, "type": info.name if info else "text"}


def _run_sqlite(
    sql: str, *, connection: BaseDatabaseWrapper, timeout_ms: int
) -> tuple[list[SqlField], list[tuple[Any, ...]]]:
    """With a progress handler that aborts at the deadline and `PRAGMA query_only` on meanwhile."""
    connection.ensure_connection()
    raw = connection.connection
    deadline = time.monotonic() + timeout_ms / 1000
    timed_out = False

    def past_deadline() -> int:
        nonlocal timed_out
        timed_out = time.monotonic() > deadline
        return int(timed_out)

    previous = raw.execute("PRAGMA query_only").fetchone()[0]
    raw.execute("PRAGMA query_only = ON")
    raw.set_progress_handler(past_deadline, 1000)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            names = [column[0] for column in cursor.description]
            rows = [tuple(row) for row in cursor.fetchall()]
    except DatabaseError as error:
        if timed_out:
            raise DatastoreSqlTimeout() from error
        raise DatastoreSqlError(_first_line(error)) from error
    finally:
        raw.set_progress_handler(None, 0)
        raw.execute(f"PRAGMA query_only = {1 if previous else 0}")
    return [{"id": name, "type": _sqlite_type([row[index] for row in rows])} for index, name in enumerate(names)], rows


_TIMESTAMP_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\Z")


def _sqlite_type(values: Sequence[Any]) -> str:
    """SQLite reports no column types, so name the PostgreSQL type the values would have had."""
    present = [value for value in values if value is not None]
    if not present:
        return "text"
    if all(isinstance(value, bool) for value in present):
        return "bool"
    if all(isinstance(value, int) for value in present):
        return "int4" if all(-(2**31) <= value < 2**31 for value in present) else "int8"
    if all(isinstance(value, int | float | Decimal) for value in present):
        return "numeric"
    if all(isinstance(value, dt.datetime) for value in present):
        return "timestamp"
    if all(isinstance(value, str) and _TIMESTAMP_TEXT.match(value) for value in present):
        return "timestamp"
    if all(isinstance(value, bytes) for value in present):
        return "bytea"
    return "text"
