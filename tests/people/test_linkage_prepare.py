"""Normalisation rules in townhall.people.linkage.prepare, checked on a DuckDB table."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from townhall.people.linkage.columns import ROW_NUMBER
from townhall.people.linkage.phonetic import soundex
from townhall.people.linkage.prepare import nickname_pairs, prepare_records


def _prepare(**columns: list[str | None]) -> list[dict[str, object]]:
    con = duckdb.connect()
    length = len(next(iter(columns.values())))
    frame = pd.DataFrame({**columns, ROW_NUMBER: range(length)}).astype({ROW_NUMBER: "int64"})
    con.register("frame", frame)
    con.execute("CREATE TABLE people_input AS SELECT * FROM frame")
    table = prepare_records(con, "people_input")
    return con.execute(f"SELECT * FROM {table} ORDER BY unique_id").df().to_dict("records")  # noqa: S608


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1980-02-29", date(1980, 2, 29)),
        (" 1975-12-01 ", date(1975, 12, 1)),
        ("1975-02-30", None),  # no such day
        ("31/12/1975", None),  # not ISO
        ("1975-13-01", None),
        ("2999-01-01", None),  # in the future
        ("1700-01-01", None),  # implausibly old
        ("", None),
        (None, None),
    ],
)
def test_invalid_dates_are_missing(raw: str | None, expected: date | None) -> None:
    (row,) = _prepare(date_of_birth=[raw])
    value = row["date_of_birth"]
    assert (None if pd.isna(value) else pd.Timestamp(value).date()) == expected


def test_swapped_date_is_kept_only_when_it_differs() -> None:
    rows = _prepare(date_of_birth=["1985-07-03", "1985-07-07", "1985-07-23"])
    assert pd.Timestamp(rows[0]["dob_swapped"]).date() == date(1985, 3, 7)
    assert pd.isna(rows[1]["dob_swapped"])
    assert pd.isna(rows[2]["dob_swapped"])


@pytest.mark.parametrize(
    ("raw", "postcode", "sector", "district"),
    [
        ("sw1a1aa", "SW1A 1AA", "SW1A 1", "SW1A"),
        (" SW1A  1AA ", "SW1A 1AA", "SW1A 1", "SW1A"),
        ("m1 1ae", "M1 1AE", "M1 1", "M1"),
        ("4223", "4223", None, None),  # not a UK postcode: kept as text
        ("Box 12 a", "BOX 12 A", None, None),
        ("", None, None, None),
    ],
)
def test_postcodes_are_normalised_when_they_look_like_uk_postcodes(
    raw: str, postcode: str | None, sector: str | None, district: str | None
) -> None:
    (row,) = _prepare(postcode=[raw])
    assert (row["postcode"] if not pd.isna(row["postcode"]) else None) == postcode
    assert (row["postcode_sector"] if not pd.isna(row["postcode_sector"]) else None) == sector
    assert (row["postcode_district"] if not pd.isna(row["postcode_district"]) else None) == district


def test_names_lose_case_accents_and_punctuation() -> None:
    (row,) = _prepare(given_name=["  Zoë-Anne "], surname=["O'Brien-Smith"])
    assert row["given_name"] == "zoe"
    assert row["surname"] == "obriensmith"
    assert row["given_name_soundex"] == "Z000"


def test_nicknames_become_aliases_of_the_full_name() -> None:
    rows = _prepare(given_name=["Bob", "Robert", "Alex", "Zebedee"])
    assert set(rows[0]["given_name_aliases"]) == {"bob", "robert"}
    assert list(rows[1]["given_name_aliases"]) == ["robert"]
    assert {"alexander", "alexandra"} <= set(rows[2]["given_name_aliases"])
    assert list(rows[3]["given_name_aliases"]) == ["zebedee"]


def test_absent_columns_are_missing() -> None:
    (row,) = _prepare(given_name=["Ada"])
    for column in ("surname", "date_of_birth", "postcode", "email", "phone", "address_line_1"):
        assert pd.isna(row[column])


def test_phone_and_email_normalisation() -> None:
    rows = _prepare(phone=["+44 7700 900123", "07700-900123", "123"], email=[" Ada@Example.ORG ", "", None])
    assert rows[0]["phone"] == rows[1]["phone"] == "07700900123"
    assert pd.isna(rows[2]["phone"])
    assert rows[0]["email"] == "ada@example.org"
    assert pd.isna(rows[1]["email"])


def test_street_abbreviations_are_written_in_full() -> None:
    rows = _prepare(address_line_1=["12 High St.", "12 High Street", "3a Mill Rd"])
    assert rows[0]["address_line_1"] == rows[1]["address_line_1"] == "12 high street"
    assert rows[2]["house_number"] == "3a"
    assert rows[2]["street"] == "mill road"


def test_swapped_address_lines_have_the_same_words() -> None:
    rows = _prepare(
        address_line_1=["9 Cooper's Yard", "9 Old Brewery", "9 Old Brewery"],
        address_line_2=["Old Brewery", "Cooper's Yard", None],
    )
    assert rows[0]["address_words"] == rows[1]["address_words"]
    assert rows[2]["address_words"] != rows[1]["address_words"]


def test_household_and_twin_keys() -> None:
    rows = _prepare(
        surname=["Blackthorne", "Blackthorne", None],
        date_of_birth=["2010-08-08", "", "2010-08-08"],
        address_line_1=["6 Kiln Lane", "6 Kiln Lane", "6 Kiln Lane"],
    )
    assert rows[0]["surname_address_key"] == rows[1]["surname_address_key"]
    assert rows[0]["birth_address_key"] == rows[2]["birth_address_key"]
    assert rows[0]["surname_birth_key"] != rows[0]["surname_address_key"]
    assert pd.isna(rows[1]["birth_address_key"])
    assert pd.isna(rows[1]["surname_birth_key"])
    assert pd.isna(rows[2]["surname_address_key"])


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Robert", "R163"),
        ("Rupert", "R163"),
        ("Ashcraft", "A261"),
        ("Tymczak", "T522"),
        ("Pfister", "P236"),
        ("Lee", "L000"),
    ],
)
def test_soundex(name: str, code: str) -> None:
    assert soundex(name) == code


def test_soundex_of_no_letters_is_none() -> None:
    assert soundex("123") is None


def test_nickname_table_is_lower_case_letters() -> None:
    pairs = nickname_pairs()
    assert len(pairs) > 100
    assert all(
        nickname.isalpha() and nickname.islower() and name.isalpha() and name.islower() for nickname, name in pairs
    )
