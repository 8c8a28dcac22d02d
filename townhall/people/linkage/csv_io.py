# ruff: noqa: S608 - SQL here is built from this package's own table and column names; the
# input path is the only outside value and is quoted by _sql_string.
"""Read a person-record CSV into DuckDB and write the cluster CSV, checking input first.

Errors are `LinkageInputError` with a one-line message for the person running the
command. The output is written next to its destination and renamed into place, so
a failed run never leaves a partial file.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import duckdb

from townhall.people.linkage.columns import INPUT_COLUMNS, RECORD_ID, ROW_NUMBER

INPUT_TABLE = "people_input"
OUTPUT_HEADER = ("record_id", "cluster_id", "match_probability")
_SNIFF_BYTES = 64 * 1024


class LinkageInputError(Exception):
    """The input file cannot be linked as it is; the message says why, in one line."""


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_header(path: Path) -> list[str]:
    """The header row, after checking the file is readable UTF-8 text with a record_id column."""
    try:
        with path.open("rb") as raw:
            head = raw.read(_SNIFF_BYTES)
    except OSError as exc:
        raise LinkageInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not head.strip():
        raise LinkageInputError(f"{path} is empty: expected a header row with {RECORD_ID}")
    if b"\x00" in head:
        raise LinkageInputError(f"{path} is not a CSV file (it contains binary data)")
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A multi-byte character may be cut at the end of the sample; anything earlier is not UTF-8.
        if exc.start < len(head) - 4:
            raise LinkageInputError(f"{path} is not a UTF-8 CSV file (byte {exc.start} is not UTF-8)") from None
        text = head[: exc.start].decode("utf-8-sig")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    header = [name.strip() for name in next(csv.reader([first_line]), [])]
    if RECORD_ID not in header:
        raise LinkageInputError(f"{path} has no {RECORD_ID} column in its header (found: {', '.join(header)[:200]})")
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise LinkageInputError(f"{path} repeats the column(s) {', '.join(duplicated)} in its header")
    return header


def load_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Load the known columns of path into INPUT_TABLE (all text) and return the row count."""
    header = read_header(path)
    known = [name for name in INPUT_COLUMNS if name in header]
    select = ", ".join(f'"{name}"' for name in known)
    # Row numbers must follow the file's order (output rows are written in it), so the
    # scan keeps insertion order here even when the connection otherwise does not.
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {INPUT_TABLE} AS
            SELECT {select}, (row_number() OVER ()) - 1 AS {ROW_NUMBER}
            FROM read_csv({_sql_string(str(path))}, header = true, all_varchar = true, delim = ',',
                          quote = '"', escape = '"', strict_mode = true, null_padding = false,
                          encoding = 'utf-8')
            """
        )
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LinkageInputError(f"{path} could not be read as CSV: {first_line}") from None
    finally:
        con.execute("SET preserve_insertion_order = false")
    _check_record_ids(con, path)
    return con.execute(f"SELECT count(*) FROM {INPUT_TABLE}").fetchall()[0][0]


def _check_record_ids(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    blank = con.execute(
        f"SELECT min({ROW_NUMBER}) FROM {INPUT_TABLE} WHERE {RECORD_ID} IS NULL OR trim({RECORD_ID}) = ''"
    ).fetchall()[0][0]
    if blank is not None:
        raise LinkageInputError(f"{path} has a blank {RECORD_ID} on data row {blank + 1}")
    duplicate = con.execute(
        f"SELECT {RECORD_ID}, count(*) FROM {INPUT_TABLE} GROUP BY {RECORD_ID} HAVING count(*) > 1 "
        f"ORDER BY min({ROW_NUMBER}) LIMIT 1"
    ).fetchall()
    if duplicate:
        raise LinkageInputError(
            f"{path} has duplicate {RECORD_ID} {duplicate[0][0]!r} ({duplicate[0][1]} rows); record ids must be unique"
        )


def check_output_path(out: Path) -> None:
    """Refuse an output path that cannot be written before spending time on linkage."""
    directory = out.resolve().parent
    if not directory.is_dir():
        raise LinkageInputError(f"cannot write {out}: directory {directory} does not exist")
    if out.is_dir():
        raise LinkageInputError(f"cannot write {out}: it is a directory")


def write_clusters_csv(con: duckdb.DuckDBPyConnection, clusters_table: str, out: Path) -> None:
    """Write one row per input record, in input order, then rename into place."""
    check_output_path(out)
    directory = out.resolve().parent
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=directory)
    os.close(handle)
    try:
        con.execute(
            f"""
            COPY (
                SELECT i.{RECORD_ID} AS record_id, c.{RECORD_ID} AS cluster_id, k.match_probability
                FROM {clusters_table} AS k
                JOIN {INPUT_TABLE} AS i ON i.{ROW_NUMBER} = k.{ROW_NUMBER}
                JOIN {INPUT_TABLE} AS c ON c.{ROW_NUMBER} = k.cluster_row
                ORDER BY k.{ROW_NUMBER}
            ) TO {_sql_string(temporary)} (FORMAT csv, HEADER true)
            """
        )
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
