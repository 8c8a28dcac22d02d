"""The full-text index behind package_search's free text, kept in the database by triggers.

PostgreSQL: `opendata_dataset_search` holds one weighted tsvector per dataset (English
stemming): A the title and name, B the tags and description, C the resources' names,
descriptions and formats and the publisher's title; a GIN index serves `@@`, `ts_rank`
orders by relevance. SQLite: the FTS5 table `opendata_dataset_fts` holds the same three
parts as columns (porter stemming), `bm25` with weights 10/4/1 orders by relevance.

On PostgreSQL the index row also carries the dataset's facet values (theme and tag names,
distinct resource formats), so `pg_count_and_facets` counts and facets a search in one
statement over narrow rows instead of five joins; and every write to the catalogue tables
appends to `opendata_search_version`, the catalogue version that keys cached browse facets.

Triggers on datasets, their tag (and, on PostgreSQL, theme) links, resources, tags, themes
and publishers keep the index current whichever code writes (services, the CKAN API, imports, raw SQL), so no write path
can forget it. Neither table has a foreign key: Django's test flush truncates the catalogue
without CASCADE. On SQLite, a migration that remakes a table (Django's way of altering
columns there) drops that table's triggers, so `ensure` puts them back after every migrate
and rebuilds the index if any were missing.

A free-text term becomes `plainto_tsquery` (a word), `phraseto_tsquery` (a quoted phrase) or a
prefix query (`word*`) on PostgreSQL, and the matching FTS5 expression on SQLite.
"""

# ruff: noqa: S608, S611  (SQL here is built from constants only; every user value is a bound parameter)
from __future__ import annotations

import re
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, FloatField, Q, TextField
from django.db.models.expressions import RawSQL

CONFIG = "english"
SQLITE_WEIGHTS = (0.0, 10.0, 4.0, 1.0)  # dataset_id (not indexed), title, body, extra
_WORD = re.compile(r"\w+", re.UNICODE)
# PostgreSQL's English stop words (its tsearch_data/english.stop, Snowball's list). FTS5 has none, so
# SQLite drops them from words (not from phrases, where they hold the other words apart) to answer
# "the budget" as PostgreSQL does; a term of stop words alone matches everything on both.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don should now""".split()  # noqa: SIM905
)

# --- PostgreSQL ----------------------------------------------------------------------------------

_PG_DOCUMENT = f"""
    setweight(to_tsvector('{CONFIG}', d.title || ' ' || d.name), 'A')
    || setweight(to_tsvector('{CONFIG}',
        coalesce((SELECT string_agg(t.name, ' ') FROM opendata_dataset_tags dt
                  JOIN opendata_tag t ON t.id = dt.tag_id WHERE dt.dataset_id = d.id), '')
        || ' ' || d.notes), 'B')
    || setweight(to_tsvector('{CONFIG}',
        coalesce((SELECT string_agg(r.name || ' ' || r.description || ' ' || r.format, ' ')
                  FROM opendata_resource r WHERE r.dataset_id = d.id), '')
        || ' ' || p.title), 'C')
"""

# Facet values on the index row, so facets read one narrow row per found dataset instead of five joins.
_PG_FACET_VALUES = """
    ARRAY(SELECT t.name FROM opendata_dataset_themes dt JOIN opendata_theme t ON t.id = dt.theme_id
          WHERE dt.dataset_id = d.id),
    ARRAY(SELECT t.name FROM opendata_dataset_tags dt JOIN opendata_tag t ON t.id = dt.tag_id
          WHERE dt.dataset_id = d.id),
    ARRAY(SELECT DISTINCT r.format FROM opendata_resource r WHERE r.dataset_id = d.id AND r.format > '')
"""
# The dataset's own columns copied onto its index row (column, type), so that a search filters (who may see it,
# publisher, licence, dates) and sorts on the row it matched, without joining the wide dataset table.
_PG_COPIED = (
    ("name", "varchar(100)"),
    ("title", "varchar(250)"),
    ("state", "varchar(20)"),
    ("private", "boolean"),
    ("scheduled_publication_at", "timestamptz"),
    ("publisher_id", "uuid"),
    ("licence_id", "bigint"),
    ("metadata_created", "timestamptz"),
    ("metadata_modified", "timestamptz"),
)
_COPIED_NAMES = ", ".join(column for column, _ in _PG_COPIED)
_COPIED_FROM_NEW = ", ".join(f"{column} = NEW.{column}" for column, _ in _PG_COPIED)
_COPIED_EXCLUDED = ", ".join(f"{column} = EXCLUDED.{column}" for column, _ in _PG_COPIED)
# Dataset columns whose change needs no new tsvector: the trigger only copies them.
_PG_COPIED_ONLY = "state, private, scheduled_publication_at, licence_id, metadata_created, metadata_modified"

# Every table whose writes can change a search result or a facet count bumps the catalogue version.
_PG_VERSIONED = (
    "opendata_dataset",
    "opendata_dataset_tags",
    "opendata_dataset_themes",
    "opendata_resource",
    "opendata_tag",
    "opendata_theme",
    "opendata_publisher",
    "opendata_licence",
)

PG_INSTALL = [
    """CREATE TABLE IF NOT EXISTS opendata_dataset_search (
        dataset_id uuid PRIMARY KEY, document tsvector NOT NULL,
        themes text[] NOT NULL DEFAULT '{}', tags text[] NOT NULL DEFAULT '{}',
        formats text[] NOT NULL DEFAULT '{}')""",
    *(f"ALTER TABLE opendata_dataset_search ADD COLUMN IF NOT EXISTS {column} {kind}" for column, kind in _PG_COPIED),
    "CREATE INDEX IF NOT EXISTS opendata_dataset_search_document ON opendata_dataset_search USING gin (document)",
    *(
        f"CREATE INDEX IF NOT EXISTS opendata_dataset_search_{column} ON opendata_dataset_search ({column}, dataset_id)"
        for column in ("metadata_modified", "metadata_created", "title", "name")
    ),  # the sorts of a page without free text
    "CREATE INDEX IF NOT EXISTS opendata_dataset_search_tags ON opendata_dataset_search USING gin (tags)",
    "CREATE INDEX IF NOT EXISTS opendata_dataset_search_themes ON opendata_dataset_search USING gin (themes)",
    # The catalogue version: an append-only log of sequence values, one row per writing statement. Readers
    # see only committed rows, and a rolled-back write never hands its number to a later one.
    "CREATE SEQUENCE IF NOT EXISTS opendata_search_version_seq",
    "CREATE TABLE IF NOT EXISTS opendata_search_version (version bigint PRIMARY KEY)",
    """
    CREATE OR REPLACE FUNCTION opendata_search_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        bumped bigint := nextval('opendata_search_version_seq');
    BEGIN
        INSERT INTO opendata_search_version (version) VALUES (bumped);
        -- keep the log short; SKIP LOCKED so that concurrent writers never wait on each other here
        DELETE FROM opendata_search_version WHERE version IN (
            SELECT version FROM opendata_search_version WHERE version < bumped - 1000 FOR UPDATE SKIP LOCKED);
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION opendata_dataset_search_refresh(targets uuid[]) RETURNS void LANGUAGE sql AS $$
        DELETE FROM opendata_dataset_search s WHERE s.dataset_id = ANY(targets)
            AND NOT EXISTS (SELECT 1 FROM opendata_dataset d WHERE d.id = s.dataset_id);
        INSERT INTO opendata_dataset_search (dataset_id, document, themes, tags, formats, {_COPIED_NAMES})
        SELECT d.id, {_PG_DOCUMENT}, {_PG_FACET_VALUES}, {", ".join(f"d.{column}" for column, _ in _PG_COPIED)}
        FROM opendata_dataset d JOIN opendata_publisher p ON p.id = d.publisher_id
        WHERE d.id = ANY(targets)
        ON CONFLICT (dataset_id) DO UPDATE SET document = EXCLUDED.document, themes = EXCLUDED.themes,
            tags = EXCLUDED.tags, formats = EXCLUDED.formats, {_COPIED_EXCLUDED};
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION opendata_dataset_search_copy() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE opendata_dataset_search SET {_COPIED_FROM_NEW} WHERE dataset_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION opendata_dataset_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'opendata_dataset' THEN
            IF TG_OP = 'DELETE' THEN
                PERFORM opendata_dataset_search_refresh(ARRAY[OLD.id]);
            ELSE
                PERFORM opendata_dataset_search_refresh(ARRAY[NEW.id]);
            END IF;
        ELSIF TG_TABLE_NAME = 'opendata_tag' THEN
            PERFORM opendata_dataset_search_refresh(
                ARRAY(SELECT dataset_id FROM opendata_dataset_tags WHERE tag_id = NEW.id));
        ELSIF TG_TABLE_NAME = 'opendata_theme' THEN
            PERFORM opendata_dataset_search_refresh(
                ARRAY(SELECT dataset_id FROM opendata_dataset_themes WHERE theme_id = NEW.id));
        ELSIF TG_TABLE_NAME = 'opendata_publisher' THEN
            PERFORM opendata_dataset_search_refresh(ARRAY(SELECT id FROM opendata_dataset WHERE publisher_id = NEW.id));
        ELSE  -- opendata_dataset_tags, opendata_dataset_themes, opendata_resource
            IF TG_OP <> 'INSERT' THEN
                PERFORM opendata_dataset_search_refresh(ARRAY[OLD.dataset_id]);
            END IF;
            IF TG_OP <> 'DELETE' THEN
                PERFORM opendata_dataset_search_refresh(ARRAY[NEW.dataset_id]);
            END IF;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION opendata_dataset_search_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE opendata_dataset_search;
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER IF EXISTS opendata_search_dataset ON opendata_dataset",
    """CREATE TRIGGER opendata_search_dataset AFTER INSERT OR DELETE OR UPDATE OF title, name, notes, publisher_id
       ON opendata_dataset FOR EACH ROW EXECUTE FUNCTION opendata_dataset_search_trigger()""",
    "DROP TRIGGER IF EXISTS opendata_search_dataset_copy ON opendata_dataset",
    f"""CREATE TRIGGER opendata_search_dataset_copy AFTER UPDATE OF {_PG_COPIED_ONLY} ON opendata_dataset
       FOR EACH ROW EXECUTE FUNCTION opendata_dataset_search_copy()""",
    "DROP TRIGGER IF EXISTS opendata_search_dataset_truncate ON opendata_dataset",
    """CREATE TRIGGER opendata_search_dataset_truncate AFTER TRUNCATE ON opendata_dataset
       FOR EACH STATEMENT EXECUTE FUNCTION opendata_dataset_search_truncate()""",
    "DROP TRIGGER IF EXISTS opendata_search_tags ON opendata_dataset_tags",
    """CREATE TRIGGER opendata_search_tags AFTER INSERT OR DELETE ON opendata_dataset_tags
       FOR EACH ROW EXECUTE FUNCTION opendata_dataset_search_trigger()""",
    "DROP TRIGGER IF EXISTS opendata_search_themes ON opendata_dataset_themes",
    """CREATE TRIGGER opendata_search_themes AFTER INSERT OR DELETE ON opendata_dataset_themes
       FOR EACH ROW EXECUTE FUNCTION opendata_dataset_search_trigger()""",
    "DROP TRIGGER IF EXISTS opendata_search_theme ON opendata_theme",
    """CREATE TRIGGER opendata_search_theme AFTER UPDATE OF name ON opendata_theme
       FOR EACH ROW EXECUTE FUNCTION opendata_dataset_search_trigger()""",
    "DROP TRIGGER IF EXISTS opendata_search_resource ON opendata_resource",
    """CREATE TRIGGER opendata_search_resource AFTER INSERT OR DELETE OR UPDATE OF name, description, format, dataset_id
       ON opendata_resource FOR EACH ROW EXECUTE FUNCTION opendata_dataset_search_trigger()""",
    "DROP TRIGGER IF EXISTS opendata_search_tag ON opendata_tag",
    """CREATE TRIGGER opendata_search_tag AFTER UPDATE OF name ON opendata_tag
       FOR EACH ROW EXECUTE FUNCTION opendata_dataset_search_trigger()""",
    "DROP TRIGGER IF EXISTS opendata_search_publisher ON opendata_publisher",
    """CREATE TRIGGER opendata_search_publisher AFTER UPDATE OF title ON opendata_publisher
       FOR EACH ROW EXECUTE FUNCTION opendata_dataset_search_trigger()""",
    *(
        statement
        for table in _PG_VERSIONED
        for statement in (
            f"DROP TRIGGER IF EXISTS opendata_search_version ON {table}",
            f"""CREATE TRIGGER opendata_search_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION opendata_search_version_bump()""",
        )
    ),
]
PG_REBUILD = "SELECT opendata_dataset_search_refresh(ARRAY(SELECT id FROM opendata_dataset))"
PG_BUMP = "INSERT INTO opendata_search_version (version) VALUES (nextval('opendata_search_version_seq'))"
PG_UNINSTALL = [
    *(f"DROP TRIGGER IF EXISTS opendata_search_version ON {table}" for table in _PG_VERSIONED),
    "DROP FUNCTION IF EXISTS opendata_search_version_bump()",
    "DROP TABLE IF EXISTS opendata_search_version",
    "DROP SEQUENCE IF EXISTS opendata_search_version_seq",
    "DROP TRIGGER IF EXISTS opendata_search_themes ON opendata_dataset_themes",
    "DROP TRIGGER IF EXISTS opendata_search_theme ON opendata_theme",
    "DROP TRIGGER IF EXISTS opendata_search_dataset ON opendata_dataset",
    "DROP TRIGGER IF EXISTS opendata_search_dataset_copy ON opendata_dataset",
    "DROP TRIGGER IF EXISTS opendata_search_dataset_truncate ON opendata_dataset",
    "DROP TRIGGER IF EXISTS opendata_search_tags ON opendata_dataset_tags",
    "DROP TRIGGER IF EXISTS opendata_search_resource ON opendata_resource",
    "DROP TRIGGER IF EXISTS opendata_search_tag ON opendata_tag",
    "DROP TRIGGER IF EXISTS opendata_search_publisher ON opendata_publisher",
    "DROP FUNCTION IF EXISTS opendata_dataset_search_trigger()",
    "DROP FUNCTION IF EXISTS opendata_dataset_search_truncate()",
    "DROP FUNCTION IF EXISTS opendata_dataset_search_copy()",
    "DROP FUNCTION IF EXISTS opendata_dataset_search_refresh(uuid[])",
    "DROP TABLE IF EXISTS opendata_dataset_search",
]

# --- SQLite --------------------------------------------------------------------------------------


def _sqlite_insert(where: str) -> str:
    """The FTS rows of the datasets `where` selects (alias d): title, body (tags, description), extra."""
    return f"""
        INSERT INTO opendata_dataset_fts (dataset_id, title, body, extra)
        SELECT d.id, d.title || ' ' || d.name,
            coalesce((SELECT group_concat(t.name, ' ') FROM opendata_dataset_tags dt
                      JOIN opendata_tag t ON t.id = dt.tag_id WHERE dt.dataset_id = d.id), '') || ' ' || d.notes,
            coalesce((SELECT group_concat(r.name || ' ' || r.description || ' ' || r.format, ' ')
                      FROM opendata_resource r WHERE r.dataset_id = d.id), '')
            || ' ' || coalesce((SELECT p.title FROM opendata_publisher p WHERE p.id = d.publisher_id), '')
        FROM opendata_dataset d WHERE {where}"""


def _sqlite_refresh(where: str) -> str:
    """A trigger body rewriting the FTS rows of the datasets `where` selects."""
    return (
        f"DELETE FROM opendata_dataset_fts WHERE dataset_id IN (SELECT d.id FROM opendata_dataset d WHERE {where}); "
        f"{_sqlite_insert(where)};"
    )


SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS opendata_dataset_fts USING fts5("
    "dataset_id UNINDEXED, title, body, extra, tokenize = 'porter unicode61 remove_diacritics 2')"
)
# trigger name → (event, body)
SQLITE_TRIGGERS: dict[str, tuple[str, str]] = {
    "opendata_fts_dataset_insert": ("AFTER INSERT ON opendata_dataset", _sqlite_refresh("d.id = NEW.id")),
    "opendata_fts_dataset_update": (
        "AFTER UPDATE OF title, name, notes, publisher_id ON opendata_dataset",
        _sqlite_refresh("d.id = NEW.id"),
    ),
    "opendata_fts_dataset_delete": (
        "AFTER DELETE ON opendata_dataset",
        "DELETE FROM opendata_dataset_fts WHERE dataset_id = OLD.id;",
    ),
    "opendata_fts_tags_insert": ("AFTER INSERT ON opendata_dataset_tags", _sqlite_refresh("d.id = NEW.dataset_id")),
    "opendata_fts_tags_delete": ("AFTER DELETE ON opendata_dataset_tags", _sqlite_refresh("d.id = OLD.dataset_id")),
    "opendata_fts_resource_insert": ("AFTER INSERT ON opendata_resource", _sqlite_refresh("d.id = NEW.dataset_id")),
    "opendata_fts_resource_update": (
        "AFTER UPDATE OF name, description, format, dataset_id ON opendata_resource",
        _sqlite_refresh("d.id IN (NEW.dataset_id, OLD.dataset_id)"),
    ),
    "opendata_fts_resource_delete": ("AFTER DELETE ON opendata_resource", _sqlite_refresh("d.id = OLD.dataset_id")),
    "opendata_fts_tag_update": (
        "AFTER UPDATE OF name ON opendata_tag",
        _sqlite_refresh("d.id IN (SELECT dataset_id FROM opendata_dataset_tags WHERE tag_id = NEW.id)"),
    ),
    "opendata_fts_publisher_update": (
        "AFTER UPDATE OF title ON opendata_publisher",
        _sqlite_refresh("d.publisher_id = NEW.id"),
    ),
}
SQLITE_REBUILD = ["DELETE FROM opendata_dataset_fts", _sqlite_insert("1 = 1")]


def _sqlite_trigger(name: str) -> str:
    event, body = SQLITE_TRIGGERS[name]
    return f"CREATE TRIGGER IF NOT EXISTS {name} {event} FOR EACH ROW BEGIN {body} END"


# --- install, rebuild, ensure ----------------------------------------------------------------------


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the index, its triggers, and fill it (the migration calls this)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in PG_INSTALL:
                cursor.execute(statement)
        else:
            cursor.execute(SQLITE_TABLE)
            for name in SQLITE_TRIGGERS:
                cursor.execute(_sqlite_trigger(name))
    rebuild(connection)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in PG_UNINSTALL:
                cursor.execute(statement)
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS opendata_dataset_fts")


def rebuild(connection: BaseDatabaseWrapper) -> None:
    """Index every dataset afresh (after a bulk load with triggers off, or when SQLite lost its triggers)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE opendata_dataset_search")
            cursor.execute(PG_REBUILD)
            cursor.execute(PG_BUMP)  # a bulk load may have run with the triggers off
        else:
            for statement in SQLITE_REBUILD:
                cursor.execute(statement)


def ensure(using: str = "default", **_: Any) -> None:
    """After every migrate (post_migrate): on SQLite, put back triggers a table remake dropped, then rebuild."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'opendata_dataset'")
        if cursor.fetchone() is None:  # the app's migrations have not run on this database
            return
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE 'opendata_%'")
        present = {row[0] for row in cursor.fetchall()}
    if "opendata_dataset_fts" in present and all(name in present for name in SQLITE_TRIGGERS):
        return
    install(connection)


# --- queries -------------------------------------------------------------------------------------


def _is_phrase(term: str) -> bool:
    return len(_WORD.findall(term)) > 1 and bool(re.search(r"\s", term.strip()))


def _pg_query(term: str) -> tuple[str, list[str]] | None:
    """SQL for one free-text term's tsquery, with its parameter; None when it has no words."""
    words = _WORD.findall(term)
    if not words:
        return None
    if term.endswith("*"):
        prefix = " & ".join(f"'{word}'" for word in words[:-1])
        last = f"'{words[-1]}':*"
        return f"to_tsquery('{CONFIG}', %s)", [f"{prefix} & {last}" if prefix else last]
    if _is_phrase(term):
        return f"phraseto_tsquery('{CONFIG}', %s)", [term]
    return f"plainto_tsquery('{CONFIG}', %s)", [term]


def _fts5_query(term: str) -> str | None:
    """FTS5 syntax for one term, every word quoted (so nothing in it is an operator)."""
    words = _WORD.findall(term)
    if _is_phrase(term) and not term.endswith("*"):
        return '"' + " ".join(words) + '"'
    prefix = words.pop() if term.endswith("*") and words else None
    quoted = [f'"{word}"' for word in words if word.lower() not in STOP_WORDS]
    if prefix is not None:
        quoted.append(f'"{prefix}" *')
    return " ".join(quoted) or None


def _only_stop_words(term: str) -> bool:
    return all(word.lower() in STOP_WORDS for word in _WORD.findall(term))


def matches(term: str, *, vendor: str) -> Q:
    """Datasets whose index matches one free-text term; a term with no words, or only stop words, matches all.

    Stop words are decided here (STOP_WORDS is PostgreSQL's English list, word for word) rather
    than in SQL, so the query stays a plain indexed `@@` whose row estimate the planner trusts.
    """
    if _only_stop_words(term):
        return Q()
    if vendor == "postgresql":
        query = _pg_query(term)
        if query is None:
            return Q()
        sql, params = query
        return Q(pk__in=RawSQL(f"SELECT dataset_id FROM opendata_dataset_search WHERE document @@ {sql}", params))
    expression = _fts5_query(term)
    if expression is None:
        return Q()
    return Q(
        pk__in=RawSQL("SELECT dataset_id FROM opendata_dataset_fts WHERE opendata_dataset_fts MATCH %s", (expression,))
    )


ROW_TABLE = "opendata_dataset_search"


def row_matches(term: str) -> Q:
    """PostgreSQL, for searches over the index rows themselves (models.DatasetSearchRow): one free-text term.

    The same terms as `matches`, as a condition on the row's own document rather than a subquery.
    """
    query = None if _only_stop_words(term) else _pg_query(term)
    if query is None:
        return Q()
    sql, params = query
    return Q(RawSQL(f'"{ROW_TABLE}"."document" @@ {sql}', params, output_field=BooleanField()))


def row_array_has(column: str, value: str, *, ignore_case: bool = False) -> Q:
    """PostgreSQL, over the index rows: the row's `column` array (themes, tags, formats) holds `value`."""
    if column not in ("themes", "tags", "formats"):
        raise ValueError(column)
    if ignore_case:
        sql = f'EXISTS (SELECT 1 FROM unnest("{ROW_TABLE}"."{column}") AS v (name) WHERE upper(v.name) = upper(%s))'
    else:
        sql = f'"{ROW_TABLE}"."{column}" @> ARRAY[%s]::text[]'
    return Q(RawSQL(sql, [value], output_field=BooleanField()))


def row_relevance(terms: list[str]) -> RawSQL | None:
    """PostgreSQL, over the index rows: `relevance` read from the matched row itself (no correlated subquery)."""
    parts = [query for query in map(_pg_query, terms) if query is not None]
    if not parts:
        return None
    tsquery = " || ".join(f"({sql})" for sql, _ in parts)
    params = [param for _, values in parts for param in values]
    return RawSQL(f'ts_rank("{ROW_TABLE}"."document", {tsquery})', params, output_field=FloatField())


def row_facet_values() -> dict[str, RawSQL]:
    """The facet arrays of the index row, as annotations for the query pg_count_and_facets reads."""
    return {
        f"facet_{column}": RawSQL(f'"{ROW_TABLE}"."{column}"', [], output_field=TextField())
        for column in ("themes", "tags", "formats")
    }


def relevance(terms: list[str], *, vendor: str) -> RawSQL | None:
    """How well each dataset matches any of `terms` (higher is better), for `sort=score desc`; None without terms.

    A correlated subquery on the page query's own table (`opendata_dataset`); 0 when nothing matches.
    """
    if vendor == "postgresql":
        parts = [query for query in map(_pg_query, terms) if query is not None]
        if not parts:
            return None
        tsquery = " || ".join(f"({sql})" for sql, _ in parts)
        params = [param for _, values in parts for param in values]
        return RawSQL(
            f"coalesce((SELECT ts_rank(s.document, {tsquery}) FROM opendata_dataset_search s "
            "WHERE s.dataset_id = opendata_dataset.id), 0)",
            params,
            output_field=FloatField(),
        )
    expressions = [f"({expression})" for expression in map(_fts5_query, terms) if expression is not None]
    if not expressions:
        return None
    weights = ", ".join(str(weight) for weight in SQLITE_WEIGHTS)
    return RawSQL(
        f"coalesce((SELECT -bm25(opendata_dataset_fts, {weights}) FROM opendata_dataset_fts "
        "WHERE opendata_dataset_fts MATCH %s AND dataset_id = opendata_dataset.id), 0)",
        (" OR ".join(expressions),),
        output_field=FloatField(),
    )


# --- facets (PostgreSQL) -----------------------------------------------------------------------------

# CKAN facet field → (value, label, FROM clause over `found`): the publisher and licence through the
# dataset's own keys, themes, tags and formats unnested from the index row. An empty value is no value.
_PG_FACETS: dict[str, tuple[str, str, str]] = {
    "organization": ("p.name", "p.title", "found f JOIN opendata_publisher p ON p.id = f.publisher_id"),
    "license_id": ("l.key", "l.title", "found f JOIN opendata_licence l ON l.id = f.licence_id"),
    "groups": (
        "t.name",
        "t.title",
        "(SELECT unnest(themes) AS name FROM found) v JOIN opendata_theme t ON t.name = v.name",
    ),
    "tags": ("v.name", "v.name", "(SELECT unnest(tags) AS name FROM found) v"),
    "res_format": ("v.name", "v.name", "(SELECT unnest(formats) AS name FROM found) v"),
}
FACET_FIELDS = frozenset(_PG_FACETS)
_COUNT = ""  # the pseudo-field that carries the number of found datasets
_PAGE = "#page"  # the pseudo-field that carries the page's ids (name) and positions (count)


def catalogue_version(connection: BaseDatabaseWrapper) -> int:
    """PostgreSQL: the latest committed catalogue version; it changes with every write that can change a search."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(version), 0) FROM opendata_search_version")
        return int(cursor.fetchone()[0])


def pg_count_and_facets(
    connection: BaseDatabaseWrapper,
    found: tuple[str, Any],
    fields: list[str],
    limit: int | None,
    page: tuple[int, int] | None = None,
) -> tuple[int, dict[str, list[tuple[str, str, int]]], list[str]]:
    """PostgreSQL: how many datasets `found` selects, their facets and a page of ids, in one statement.

    `found` is SQL with its parameters selecting (id, publisher_id, licence_id, position, themes, tags,
    formats) of the found datasets (position: 1, 2, … in the result order; the arrays from their index
    rows, see `row_facet_values`), read once into a materialised CTE. Each facet is
    (name, label, count) by count, then name, at most `limit` (None: all). `page` (start, rows) asks
    for the ids at those positions, in order.
    """
    sql, params = found
    parts = [f"SELECT '{_COUNT}' AS field, NULL AS name, NULL AS label, count(*) AS count FROM found"]
    page_params: list[int] = []
    if page is not None:
        parts.append(f"SELECT '{_PAGE}', id::text, NULL, position FROM found WHERE position > %s AND position <= %s")
        page_params = [page[0], page[0] + page[1]]
    for field in fields:
        value, label, source = _PG_FACETS[field]
        parts.append(
            f"SELECT '{field}', {value}, {label}, count(*) FROM {source} WHERE {value} > '' GROUP BY {value}, {label}"
        )
    ranked = " UNION ALL ".join(parts)
    limit_sql = "" if limit is None else f"WHERE field IN ('{_COUNT}', '{_PAGE}') OR rank <= %s"
    statement = f"""
        WITH found AS MATERIALIZED (
            SELECT f.id, f.position, f.publisher_id, f.licence_id, f.themes, f.tags, f.formats
            FROM ({sql}) AS f (id, publisher_id, licence_id, position, themes, tags, formats)
        )
        SELECT field, name, label, count FROM (
            SELECT *, row_number() OVER (PARTITION BY field ORDER BY count DESC, name) AS rank FROM ({ranked}) c
        ) r {limit_sql}
        ORDER BY field, rank"""
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *page_params, *([] if limit is None else [limit])])
        rows = cursor.fetchall()
    count = 0
    facets: dict[str, list[tuple[str, str, int]]] = {field: [] for field in fields}
    positions: list[tuple[int, str]] = []
    for field, name, label, number in rows:
        if field == _COUNT:
            count = number
        elif field == _PAGE:
            positions.append((number, name))
        else:
            facets[field].append((name, label, number))
    return count, facets, [dataset_id for _, dataset_id in sorted(positions)]
