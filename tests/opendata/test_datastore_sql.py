# ruff: noqa: S608 - these strings are the SQL under test
"""datastore_search_sql's guard and runner: a list of attacks, allowed queries on real tables, and the timeout."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db import connection

from townhall.opendata.datastore_sql import (
    DatastoreSqlError,
    DatastoreSqlForbidden,
    DatastoreSqlTimeout,
    sql_check,
    sql_run,
    sql_table_names,
)

TREES = "2f1e0a1c-5b7d-4c1e-9a43-000000000001"
WARDS = "2f1e0a1c-5b7d-4c1e-9a43-000000000002"
ALLOWED = {TREES: "ds_trees", WARDS: "ds_wards"}
DIALECTS = ["sqlite", "postgres"]

# (sql, error class, part of the message). DatastoreSqlForbidden is CKAN's "Authorization Error" (403);
# plain DatastoreSqlError is its "Validation Error" (409).
ATTACKS = [
    # Writes and DDL
    (f"INSERT INTO \"{TREES}\" (species) VALUES ('oak')", DatastoreSqlError, "Only SELECT statements"),
    (f"UPDATE \"{TREES}\" SET species = 'elm'", DatastoreSqlError, "Only SELECT statements"),
    (f'DELETE FROM "{TREES}"', DatastoreSqlError, "Only SELECT statements"),
    (f'DROP TABLE "{TREES}"', DatastoreSqlError, "Only SELECT statements"),
    ("CREATE TABLE stolen (a int)", DatastoreSqlError, "Only SELECT statements"),
    (f'ALTER TABLE "{TREES}" ADD COLUMN x int', DatastoreSqlError, "Only SELECT statements"),
    (f'TRUNCATE "{TREES}"', DatastoreSqlError, "Only SELECT statements"),
    (f'MERGE INTO "{TREES}" t USING "{WARDS}" w ON t.ward = w.ward WHEN MATCHED THEN DELETE', DatastoreSqlError, ""),
    ("GRANT ALL ON accounts_user TO public", DatastoreSqlError, ""),
    # Chained statements and comment tricks
    (f'SELECT * FROM "{TREES}"; DROP TABLE "{TREES}"', DatastoreSqlError, "Only one statement"),
    ("SELECT 1; SELECT 2", DatastoreSqlError, "Only one statement"),
    (f'SELECT * FROM "{TREES}" /* harmless */; DELETE FROM "{TREES}"', DatastoreSqlError, "Only one statement"),
    ("SELECT 1 -- comment\n; DROP TABLE accounts_user", DatastoreSqlError, "Only one statement"),
    (f'SELECT * FROM "{TREES}";;; DELETE FROM "{TREES}"', DatastoreSqlError, "Only one statement"),
    ("/* SELECT 1 */ DELETE FROM accounts_user", DatastoreSqlError, "Only SELECT statements"),
    (f'SELECT * FROM "{TREES}"\u037e DROP TABLE x', DatastoreSqlError, ""),  # Greek question mark
    ("", DatastoreSqlError, "empty"),
    ("-- nothing here", DatastoreSqlError, "empty"),
    # Other tables, directly, in subqueries, through CTE scoping tricks
    ("SELECT * FROM accounts_user", DatastoreSqlForbidden, "Not authorized to read resource accounts_user"),
    ("SELECT * FROM auth_user", DatastoreSqlForbidden, "Not authorized to read resource auth_user"),
    ("SELECT * FROM ds_trees", DatastoreSqlForbidden, "Not authorized to read resource ds_trees"),
    ("SELECT * FROM sqlite_master", DatastoreSqlForbidden, "system tables"),
    ("SELECT * FROM sqlite_schema", DatastoreSqlForbidden, "system tables"),
    ("SELECT * FROM main.sqlite_master", DatastoreSqlForbidden, "system tables"),
    ("SELECT * FROM pg_user", DatastoreSqlForbidden, "system tables"),
    ("SELECT * FROM pg_catalog.pg_user", DatastoreSqlForbidden, "system tables"),
    ("SELECT * FROM information_schema.tables", DatastoreSqlForbidden, "system tables"),
    (f'SELECT * FROM public."{TREES}"', DatastoreSqlForbidden, "Not authorized to read resource"),
    (f'SELECT * FROM "{TREES}" WHERE species IN (SELECT email FROM accounts_user)', DatastoreSqlForbidden, ""),
    (f'SELECT (SELECT password FROM accounts_user LIMIT 1) FROM "{TREES}"', DatastoreSqlForbidden, ""),
    (f'SELECT species FROM "{TREES}" UNION SELECT password FROM accounts_user', DatastoreSqlForbidden, ""),
    (f'SELECT * FROM "{TREES}" WHERE EXISTS (SELECT 1 FROM django_session)', DatastoreSqlForbidden, ""),
    ("WITH accounts_user AS (SELECT * FROM accounts_user) SELECT * FROM accounts_user", DatastoreSqlForbidden, ""),
    ("WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a", DatastoreSqlForbidden, "resource b"),
    ("SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) AS s, x", DatastoreSqlForbidden, "resource x"),
    (f'SELECT * FROM "{TREES.upper()}"', DatastoreSqlForbidden, "Not authorized to read resource"),
    ('SELECT * FROM "\u0430uth_user"', DatastoreSqlForbidden, "Not authorized to read resource"),  # Cyrillic a
    (f'SELECT * FROM "{TREES}" t, "{TREES}x" u', DatastoreSqlForbidden, "Not authorized to read resource"),
    (f'SELECT * FROM "{TREES}", LATERAL (SELECT * FROM accounts_user) AS x', DatastoreSqlError, ""),
    # Functions off the allow-list, scalar and in FROM
    ("SELECT pg_sleep(10)", DatastoreSqlForbidden, "Not authorized to call function pg_sleep"),
    ("SELECT load_extension('/tmp/evil')", DatastoreSqlForbidden, "Not authorized to call function load_extension"),
    ("SELECT readfile('/etc/passwd')", DatastoreSqlForbidden, "Not authorized to call function readfile"),
    ("SELECT lo_import('/etc/passwd')", DatastoreSqlForbidden, "Not authorized to call function lo_import"),
    ("SELECT pg_read_file('/etc/passwd')", DatastoreSqlForbidden, "Not authorized to call function pg_read_file"),
    ("SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(a int)", DatastoreSqlForbidden, "function dblink"),
    ("SELECT * FROM generate_series(1, 10)", DatastoreSqlForbidden, "Not authorized to call function"),
    ("SELECT * FROM read_csv('/etc/passwd')", DatastoreSqlForbidden, "Not authorized to call function"),
    ("SELECT * FROM pragma_table_info('accounts_user')", DatastoreSqlForbidden, "function pragma_table_info"),
    ("SELECT version()", DatastoreSqlForbidden, "Not authorized to call function version"),
    ("SELECT set_config('statement_timeout', '0', false)", DatastoreSqlForbidden, "function set_config"),
    ("SELECT current_setting('data_directory')", DatastoreSqlForbidden, "function current_setting"),
    ("SELECT current_user", DatastoreSqlForbidden, "Not authorized to call function"),
    ("SELECT query_to_xml('select * from accounts_user', true, true, '')", DatastoreSqlForbidden, "query_to_xml"),
    ('SELECT "pg_sleep"(1)', DatastoreSqlForbidden, "function pg_sleep"),
    # Statements other databases accept
    (f"COPY \"{TREES}\" TO '/tmp/out.csv'", DatastoreSqlError, "Only SELECT statements"),
    ("COPY (SELECT 1) TO PROGRAM 'rm -rf /'", DatastoreSqlError, ""),
    ("ATTACH DATABASE '/tmp/other.db' AS other", DatastoreSqlError, ""),
    ("PRAGMA query_only = OFF", DatastoreSqlError, "Only SELECT statements"),
    ("SET statement_timeout = 0", DatastoreSqlError, "Only SELECT statements"),
    ("SET ROLE postgres", DatastoreSqlError, "Only SELECT statements"),
    ("EXPLAIN ANALYZE SELECT 1", DatastoreSqlError, "Only SELECT statements"),
    ("DO $$ BEGIN PERFORM pg_sleep(10); END $$", DatastoreSqlError, "Only SELECT statements"),
    ("VACUUM", DatastoreSqlError, ""),
    ("VALUES (1)", DatastoreSqlError, "Only SELECT statements"),
    ("CALL evil()", DatastoreSqlError, ""),
    # SELECT clauses that write, lock or escape
    (f'SELECT * INTO stolen FROM "{TREES}"', DatastoreSqlError, "SELECT ... INTO is not allowed"),
    (f'SELECT * FROM "{TREES}" FOR UPDATE', DatastoreSqlError, "Locking clauses"),
    (f'SELECT * FROM "{TREES}" FOR SHARE', DatastoreSqlError, "Locking clauses"),
    (f'WITH d AS (DELETE FROM "{TREES}" RETURNING *) SELECT * FROM d', DatastoreSqlError, "Delete is not allowed"),
    (f"WITH u AS (UPDATE \"{TREES}\" SET ward = 'x' RETURNING *) SELECT * FROM u", DatastoreSqlError, ""),
    (f"WITH i AS (INSERT INTO \"{TREES}\" (species) VALUES ('x') RETURNING *) SELECT * FROM i", DatastoreSqlError, ""),
    (f'SELECT ctid, * FROM "{TREES}"', DatastoreSqlForbidden, "system column ctid"),
    (f'SELECT rowid FROM "{TREES}"', DatastoreSqlForbidden, "system column rowid"),
    (f'SELECT t.xmin FROM "{TREES}" t', DatastoreSqlForbidden, "system column xmin"),
    ("SELECT 'accounts_user'::regclass", DatastoreSqlError, "not allowed"),
    ("SELECT 1::oid", DatastoreSqlError, ""),
    ("SELECT $1", DatastoreSqlError, "Query parameters"),
    ("SELECT %s", DatastoreSqlError, "Query parameters"),
    (f'SELECT * FROM "{TREES}" TABLESAMPLE SYSTEM (10)', DatastoreSqlError, ""),
    ("SELECT public.accounts_user.password FROM accounts_user", DatastoreSqlForbidden, ""),
    ("\uff33\uff25\uff2c\uff25\uff23\uff34 1", DatastoreSqlError, ""),  # fullwidth SELECT
    ("SELECT 1" + " " * 20_000, DatastoreSqlError, "longer than"),
    ("SELECT " + "(" * 200 + "1" + ")" * 200, DatastoreSqlError, "nested too deeply"),
    ("SELECT '\x00'", DatastoreSqlError, "NUL"),
]


def test_at_least_thirty_attacks():
    assert len(ATTACKS) >= 30


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("sql", "error", "message"), ATTACKS)
def test_attacks_are_refused(sql, error, message, dialect):
    with pytest.raises(error, match=None) as caught:
        sql_check(sql, allowed_tables=ALLOWED, dialect=dialect)
    assert message in caught.value.message
    if error is DatastoreSqlError:
        assert not isinstance(caught.value, DatastoreSqlForbidden)
        assert (caught.value.ckan_error_type, caught.value.http_status) == ("Validation Error", 409)
    else:
        assert (caught.value.ckan_error_type, caught.value.http_status) == ("Authorization Error", 403)


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"),
    [
        (f'SELECT * FROM "{TREES}"', "postgres", 'SELECT * FROM "ds_trees" AS "' + TREES + '"'),
        (f'SELECT t.species FROM "{TREES}" AS t', "sqlite", 'SELECT t.species FROM "ds_trees" AS t'),
        (f'select 1 from "{TREES}" -- note\n;', "postgres", 'SELECT 1 FROM "ds_trees" AS "' + TREES + '"'),
        ("WITH x AS (SELECT 1 AS a) SELECT a FROM x", "sqlite", "WITH x AS (SELECT 1 AS a) SELECT a FROM x"),
        ("SELECT concat('a', NULL, 1)", "sqlite", "SELECT (COALESCE(CAST('a' AS TEXT), '') || "),
    ],
)
def test_rewrites_resource_ids_and_drops_comments(sql, dialect, expected):
    assert sql_check(sql, allowed_tables=ALLOWED, dialect=dialect).startswith(expected)


def test_date_functions_only_on_postgres():
    sql = f"SELECT date_trunc('month', planted), extract(year FROM planted) FROM \"{TREES}\""
    assert "DATE_TRUNC" in sql_check(sql, allowed_tables=ALLOWED, dialect="postgres")
    with pytest.raises(DatastoreSqlForbidden, match="Not authorized to call function"):
        sql_check(sql, allowed_tables=ALLOWED, dialect="sqlite")


def test_table_names_are_listed_without_ctes():
    sql = f'WITH tall AS (SELECT * FROM "{TREES}") SELECT * FROM tall JOIN "{WARDS}" USING (ward), other'
    assert sql_table_names(sql) == {TREES, WARDS, "other"}


# --- Running on the database ------------------------------------------------------------------


@pytest.fixture
def dialect() -> str:
    return "postgres" if connection.vendor == "postgresql" else "sqlite"


@pytest.fixture
def tables(db):
    """Two throwaway datastore tables, created with raw SQL inside the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE ds_trees "
            "(_id integer PRIMARY KEY, species text, ward text, height numeric, planted timestamp)"
        )
        cursor.execute("CREATE TABLE ds_wards (_id integer PRIMARY KEY, ward text, population integer)")
        cursor.execute(
            "INSERT INTO ds_trees VALUES "
            "(1, 'Oak', 'North', 12.5, '2020-03-01 10:00:00'),"
            "(2, 'Ash', 'North', 8, '2021-04-01 10:00:00'),"
            "(3, 'Birch', 'South', 6.25, NULL),"
            "(4, 'Oak', 'South', 15, '2019-11-30 09:30:00'),"
            "(5, 'Rowan', 'East', 4, '2022-01-15 12:00:00')"
        )
        cursor.execute("INSERT INTO ds_wards VALUES (1, 'North', 12000), (2, 'South', 9500), (3, 'West', 700)")


def run(sql: str, dialect: str, *, max_rows: int = 100, timeout_ms: int = 5000):
    checked = sql_check(sql, allowed_tables=ALLOWED, dialect=dialect)
    return sql_run(checked, connection=connection, timeout_ms=timeout_ms, max_rows=max_rows)


def as_floats(rows):
    """Numbers come back as int, float or Decimal depending on the database; compare them as floats."""
    return [tuple(float(value) if isinstance(value, int | float | Decimal) else value for value in row) for row in rows]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            f"SELECT species, height FROM \"{TREES}\" WHERE ward = 'North' ORDER BY height DESC",
            [("Oak", 12.5), ("Ash", 8.0)],
        ),
        (
            f'SELECT ward, count(*) AS n, sum(height) AS total FROM "{TREES}" GROUP BY ward ORDER BY ward',
            [("East", 1.0, 4.0), ("North", 2.0, 20.5), ("South", 2.0, 21.25)],
        ),
        (
            f'SELECT t.species, w.population FROM "{TREES}" t JOIN "{WARDS}" w ON t.ward = w.ward ORDER BY t._id',
            [("Oak", 12000.0), ("Ash", 12000.0), ("Birch", 9500.0), ("Oak", 9500.0)],
        ),
        (
            f'SELECT w.ward, count(t._id) FROM "{WARDS}" w LEFT JOIN "{TREES}" t ON t.ward = w.ward '
            "GROUP BY w.ward HAVING count(t._id) < 2 ORDER BY w.ward",
            [("West", 0.0)],
        ),
        (f'SELECT "{TREES}".species FROM "{TREES}" ORDER BY "{TREES}"._id LIMIT 2 OFFSET 1', [("Ash",), ("Birch",)]),
        (
            f'WITH tall AS (SELECT * FROM "{TREES}" WHERE height > 10) '
            f'SELECT species FROM tall UNION SELECT ward FROM "{WARDS}" ORDER BY 1',
            [("North",), ("Oak",), ("South",), ("West",)],
        ),
        (
            f"SELECT lower(species), upper(ward), length(species), substr(species, 1, 2), replace(species, 'O', '0'), "
            f"coalesce(ward, 'none') IS NOT NULL, nullif(ward, 'South'), concat(species, '/', ward), "
            f'round(height), abs(-height), CAST(height AS integer) FROM "{TREES}" WHERE _id = 3',
            [("birch", "SOUTH", 5.0, "Bi", "Birch", True, None, "Birch/South", 6.0, 6.25, 6.0)],
        ),
        (
            f"SELECT species FROM \"{TREES}\" WHERE species LIKE 'O%' AND _id IN (1, 2, 4) "
            "AND height BETWEEN 10 AND 20 ORDER BY _id /* a comment */ ;",
            [("Oak",), ("Oak",)],
        ),
        (
            f"SELECT species, CASE WHEN height > 10 THEN 'tall' ELSE 'short' END FROM \"{TREES}\" "
            "WHERE planted IS NULL OR planted >= '2022-01-01' ORDER BY _id",
            [("Birch", "short"), ("Rowan", "short")],
        ),
        (f'SELECT DISTINCT species FROM "{TREES}" ORDER BY species', [("Ash",), ("Birch",), ("Oak",), ("Rowan",)]),
        (
            f'SELECT species, row_number() OVER (PARTITION BY ward ORDER BY height DESC) FROM "{TREES}" '
            "WHERE ward = 'South' ORDER BY 2",
            [("Oak", 1.0), ("Birch", 2.0)],
        ),
    ],
)
def test_allowed_queries_return_the_right_rows(tables, dialect, sql, expected):
    result = run(sql, dialect)
    assert as_floats(result.rows) == as_floats(expected)
    assert result.truncated is False


def test_fields_use_postgresql_type_names(tables, dialect):
    result = run(f'SELECT * FROM "{TREES}" ORDER BY _id', dialect)
    assert result.fields == [
        {"id": "_id", "type": "int4"},
        {"id": "species", "type": "text"},
        {"id": "ward", "type": "text"},
        {"id": "height", "type": "numeric"},
        {"id": "planted", "type": "timestamp"},
    ]


def test_rows_beyond_max_rows_are_truncated(tables, dialect):
    result = run(f'SELECT _id FROM "{TREES}" ORDER BY _id', dialect, max_rows=3)
    assert [row[0] for row in result.rows] == [1, 2, 3]
    assert result.truncated is True
    assert run(f'SELECT _id FROM "{TREES}"', dialect, max_rows=5).truncated is False


def test_database_errors_are_validation_errors(tables, dialect):
    with pytest.raises(DatastoreSqlError) as caught:
        run(f'SELECT no_such_column FROM "{TREES}"', dialect)
    assert caught.value.http_status == 409
    assert not isinstance(caught.value, DatastoreSqlTimeout)


RUNAWAY = [
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000000000) SELECT count(*) FROM c",
    "SELECT count(*) FROM " + ", ".join(f'"{TREES}" t{index}' for index in range(14)),
]


@pytest.mark.parametrize("sql", RUNAWAY)
def test_runaway_queries_are_cut_by_the_timeout(tables, dialect, sql):
    started = time.monotonic()
    with pytest.raises(DatastoreSqlTimeout) as caught:
        run(sql, dialect, timeout_ms=300)
    assert time.monotonic() - started < 30
    assert caught.value.message == "Query took too long"
    assert caught.value.http_status == 409
    # The connection is usable and writable again afterwards.
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO ds_wards VALUES (4, 'Central', 100)")
        cursor.execute("SELECT count(*) FROM ds_wards")
        assert cursor.fetchone()[0] == 4


def guards() -> tuple[object, ...]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only")
            return (cursor.fetchone()[0],)
        cursor.execute(
            "SELECT current_setting('statement_timeout'), current_setting('transaction_read_only'), current_user"
        )
        return tuple(cursor.fetchone())


def test_guards_are_lifted_after_a_query(tables, dialect):
    before = guards()
    run(f'SELECT * FROM "{TREES}"', dialect)
    assert guards() == before
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ds_trees SET species = 'Elm' WHERE _id = 1")


def test_read_only_transaction_stops_writes_unchecked_sql_would_make(tables, dialect):
    """Defence in depth: even SQL that slipped past sql_check can't write."""
    if dialect == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("CREATE SEQUENCE ds_seq")
        with pytest.raises(DatastoreSqlError, match="read-only"):
            sql_run("SELECT nextval('ds_seq')", connection=connection, timeout_ms=5000, max_rows=10)
    else:
        connection.connection.create_function(
            "ds_write", 0, lambda: connection.connection.execute("DELETE FROM ds_wards") and 1
        )
        with pytest.raises(DatastoreSqlError):
            sql_run("SELECT ds_write()", connection=connection, timeout_ms=5000, max_rows=10)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ds_wards")
            assert cursor.fetchone()[0] == 3


def test_a_missing_role_is_reported(tables, dialect):
    if dialect != "postgres":
        pytest.skip("roles exist only on PostgreSQL")
    with pytest.raises(DatastoreSqlError, match="townhall_no_such_role"):
        sql_run("SELECT 1", connection=connection, timeout_ms=5000, max_rows=10, role="townhall_no_such_role")
