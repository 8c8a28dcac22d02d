# ruff: noqa: S608 - SQL here is built from this module's own expressions and column names;
# no value read from an input file is ever written into SQL text.
"""Normalise raw person records into the columns the linkage model compares.

Everything runs as DuckDB SQL over the loaded table, so a million records are
prepared in seconds without passing through Python row by row. Only the phonetic
codes are computed in Python, once per distinct name.

Rules (see docs/adr/0015-citizen-index-linkage-with-splink.md):
- names: lower case, accents and punctuation removed; surnames lose spaces and
  hyphens too ("O'Brien-Smith" -> "obriensmith"). The first given name gets its
  nickname aliases (bob -> robert) and a Soundex code.
- date of birth: ISO `YYYY-MM-DD` only; anything that does not parse, lies in the
  future or before 1850 is missing. The day/month-swapped date is kept for the
  "swapped day and month" comparison level.
- postcode: when it looks like a UK postcode it is upper-cased and spaced
  ("sw1a1aa" -> "SW1A 1AA") with its sector and district; otherwise the text is
  kept (upper case, single spaces) and compared as text only.
- email lower case; phone digits only, +44 written as a leading 0.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from importlib import resources

import duckdb
import pandas as pd

from townhall.people.linkage.columns import ROW_NUMBER
from townhall.people.linkage.phonetic import soundex

PREPARED_TABLE = "people_prepared"

UK_POSTCODE_PATTERN = "^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"

# Street words written in full, so "12 High St" and "12 High Street" compare equal.
_ADDRESS_ABBREVIATIONS = {
    "rd": "road",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "cl": "close",
    "cres": "crescent",
    "dr": "drive",
    "gdns": "gardens",
    "gr": "grove",
    "pl": "place",
    "sq": "square",
    "ter": "terrace",
    "terr": "terrace",
    "ct": "court",
}


def nickname_pairs() -> list[tuple[str, str]]:
    """(nickname, full name) pairs from the packaged list, comment lines skipped."""
    text = resources.files("townhall.people.linkage").joinpath("data/nicknames.csv").read_text(encoding="utf-8")
    rows = csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))
    next(rows)  # header
    return [(nickname.strip(), name.strip()) for nickname, name in rows]


def _clean_text_sql(column: str) -> str:
    """Lower case, accents stripped, punctuation to spaces, single spaces, blank -> NULL."""
    lowered = f"lower(strip_accents(CAST({column} AS VARCHAR)))"
    spaced = f"regexp_replace({lowered}, '[^a-z0-9 ]', ' ', 'g')"
    return f"nullif(trim(regexp_replace({spaced}, '\\s+', ' ', 'g')), '')"


def _letters_only_sql(column: str, *, keep_spaces: bool) -> str:
    allowed = "a-z " if keep_spaces else "a-z"
    lowered = f"lower(strip_accents(CAST({column} AS VARCHAR)))"
    # Apostrophes vanish (o'brien -> obrien); other punctuation separates words.
    no_apostrophes = f"replace(replace({lowered}, '''', ''), '\u2019', '')"
    spaced = f"regexp_replace({no_apostrophes}, '[^a-z]', ' ', 'g')"
    collapsed = f"trim(regexp_replace({spaced}, '\\s+', ' ', 'g'))"
    return f"nullif(regexp_replace({collapsed}, '[^{allowed}]', '', 'g'), '')"


def _address_sql(column: str) -> str:
    """Cleaned text with each abbreviated street word written in full (one pass over the words)."""
    words = ", ".join(f"'{short}': '{full}'" for short, full in _ADDRESS_ABBREVIATIONS.items())
    return (
        f"array_to_string(list_transform(string_split({_clean_text_sql(column)}, ' '), "
        f"lambda word: coalesce(MAP {{{words}}}[word], word)), ' ')"
    )


def _key_sql(*columns: str) -> str:
    """A hash of the columns together, NULL when any of them is (DuckDB hashes NULL too)."""
    present = " AND ".join(f"{column} IS NOT NULL" for column in columns)
    return f"CASE WHEN {present} THEN hash({', '.join(columns)}) END"


def _soundex_table(con: duckdb.DuckDBPyConnection, names: Iterable[str | None], table: str) -> None:
    """A lookup table name -> Soundex, built from distinct values only."""
    distinct = sorted({name for name in names if name})
    frame = pd.DataFrame({"name": distinct, "code": [soundex(name) for name in distinct]}, dtype="string")
    con.register(f"{table}_frame", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {table}_frame")
    con.unregister(f"{table}_frame")


def _nickname_table(con: duckdb.DuckDBPyConnection) -> None:
    pairs = nickname_pairs()
    frame = pd.DataFrame(pairs, columns=["nickname", "name"], dtype="string")
    con.register("nickname_frame", frame)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE nickname_aliases AS "
        "SELECT nickname AS given_name, list_sort(list_distinct(list(name))) AS aliases "
        "FROM nickname_frame GROUP BY nickname"
    )
    con.unregister("nickname_frame")


def prepare_records(con: duckdb.DuckDBPyConnection, input_table: str) -> str:
    """Create PREPARED_TABLE from input_table (VARCHAR columns plus ROW_NUMBER); return its name."""
    present = {row[0] for row in con.execute(f"DESCRIBE {input_table}").fetchall()}

    def column(name: str) -> str:
        return name if name in present else "CAST(NULL AS VARCHAR)"

    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE people_cleaned AS
        SELECT
            {ROW_NUMBER} AS unique_id,
            {_letters_only_sql(column("given_name"), keep_spaces=True)} AS given_name_full,
            {_letters_only_sql(column("surname"), keep_spaces=False)} AS surname,
            try_strptime(trim({column("date_of_birth")}), '%Y-%m-%d')::DATE AS parsed_dob,
            {_address_sql(column("address_line_1"))} AS address_line_1,
            {_address_sql(column("address_line_2"))} AS address_line_2,
            {_clean_text_sql(column("town"))} AS town,
            upper(regexp_replace({column("postcode")}, '\\s', '', 'g')) AS postcode_compact,
            nullif(upper(trim(regexp_replace({column("postcode")}, '\\s+', ' ', 'g'))), '') AS postcode_text,
            nullif(lower(trim({column("email")})), '') AS email,
            regexp_replace(coalesce({column("phone")}, ''), '[^0-9]', '', 'g') AS phone_digits
        FROM {input_table}
        """
    )
    first_names = [
        row[0]
        for row in con.execute("SELECT DISTINCT split_part(given_name_full, ' ', 1) FROM people_cleaned").fetchall()
    ]
    surnames = [row[0] for row in con.execute("SELECT DISTINCT surname FROM people_cleaned").fetchall()]
    _soundex_table(con, first_names, "given_name_soundex")
    _soundex_table(con, surnames, "surname_soundex")
    _nickname_table(con)
    # Aliases and Soundex per distinct given name, so the big table needs one join for both.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE given_name_lookup AS
        SELECT s.name, s.code,
            list_distinct(list_concat([s.name], coalesce(n.aliases, []))) AS aliases
        FROM given_name_soundex AS s LEFT JOIN nickname_aliases AS n ON n.given_name = s.name
        """
    )

    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {PREPARED_TABLE} AS
        WITH dated AS (
            SELECT *,
                CASE WHEN parsed_dob >= DATE '1850-01-01' AND parsed_dob <= current_date THEN parsed_dob END AS dob,
                split_part(given_name_full, ' ', 1) AS given_first,
                regexp_full_match(postcode_compact, '{UK_POSTCODE_PATTERN}') AS is_uk_postcode
            FROM people_cleaned
        )
        SELECT
            d.unique_id,
            nullif(d.given_first, '') AS given_name,
            g.aliases AS given_name_aliases,
            g.code AS given_name_soundex,
            nullif(left(d.given_first, 1), '') AS given_name_initial,
            d.surname,
            ss.code AS surname_soundex,
            left(d.surname, 1) AS surname_initial,
            d.dob AS date_of_birth,
            -- Members of a household share a surname and an address, twins a date of birth too.
            -- Compared for equality only, so kept as 64-bit hashes: every scored pair carries
            -- them, and at a million records strings would double the cost of scoring.
            {_key_sql("d.surname", "d.dob")} AS surname_birth_key,
            {_key_sql("d.surname", "d.address_line_1")} AS surname_address_key,
            {_key_sql("d.dob", "d.address_line_1")} AS birth_address_key,
            strftime(d.dob, '%Y-%m-%d') AS dob_text,
            CASE WHEN day(d.dob) <= 12 AND day(d.dob) <> month(d.dob)
                THEN make_date(year(d.dob), day(d.dob), month(d.dob)) END AS dob_swapped,
            year(d.dob) AS dob_year,
            -- The same for a date and its day/month-swapped twin, for blocking.
            strftime(d.dob, '%Y') || '-' || least(month(d.dob), day(d.dob)) || '-' || greatest(month(d.dob), day(d.dob))
                AS dob_unordered,
            d.address_line_1,
            nullif(regexp_extract(d.address_line_1, '\\d+[a-z]?'), '') AS house_number,
            -- The words of both lines in alphabetical order (hashed): the same when the lines were swapped.
            CASE WHEN d.address_line_1 IS NOT NULL THEN hash(list_sort(list_distinct(
                string_split(concat_ws(' ', d.address_line_1, d.address_line_2), ' ')))) END AS address_words,
            nullif(trim(regexp_replace(d.address_line_1, '^\\d+[a-z]?\\b', '')), '') AS street,
            d.address_line_2,
            d.town,
            CASE WHEN d.is_uk_postcode
                THEN left(d.postcode_compact, length(d.postcode_compact) - 3) || ' ' || right(d.postcode_compact, 3)
                ELSE d.postcode_text END AS postcode,
            CASE WHEN d.is_uk_postcode
                THEN left(d.postcode_compact, length(d.postcode_compact) - 3) || ' '
                    || substr(right(d.postcode_compact, 3), 1, 1)
                END AS postcode_sector,
            CASE WHEN d.is_uk_postcode THEN left(d.postcode_compact, length(d.postcode_compact) - 3) END
                AS postcode_district,
            CASE WHEN d.is_uk_postcode THEN left(d.postcode_compact, length(d.postcode_compact) - 3)
                ELSE d.postcode_text END AS postcode_area,
            array_to_string(list_sort(string_split(d.postcode_compact, '')), '') AS postcode_characters,
            d.email,
            nullif(split_part(d.email, '@', 1), '') AS email_user,
            CASE
                WHEN length(d.phone_digits) = 12 AND starts_with(d.phone_digits, '44')
                    THEN '0' || substr(d.phone_digits, 3)
                WHEN length(d.phone_digits) >= 6 THEN d.phone_digits
            END AS phone
        FROM dated AS d
        LEFT JOIN given_name_lookup AS g ON g.name = d.given_first
        LEFT JOIN surname_soundex AS ss ON ss.name = d.surname
        """
    )
    con.execute("DROP TABLE people_cleaned")
    return PREPARED_TABLE
