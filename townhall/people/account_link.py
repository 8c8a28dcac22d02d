"""Matching a verified MyAccount holder to one citizen's golden record (name + date of birth + address).

The account's values and the candidate golden records are normalised by the linkage's
own rules (`linkage.prepare`, in DuckDB), so "Bob O'Brien, 12 High St, sw1a1aa" and
"Robert OBrien, 12 High Street, SW1A 1AA" compare as the index would compare them.
A match needs every part to agree: surname, date of birth, postcode, the house number
and street of the first address line (or the whole line for a named building), and
the given name (exactly, or through the nickname list). Only one such citizen is a
confident match; two or more is ambiguous and nobody is linked.

The index holds no UPRN (source extracts carry none), so the address is compared on
postcode and first line; the account's gazetteer address gives both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from townhall.people.linkage import pipeline
from townhall.people.linkage.columns import ROW_NUMBER
from townhall.people.linkage.prepare import prepare_records

MATCHED_ON = "name, date of birth, postcode and first address line"
EXACT_SCORE = 1.0
# The given name agreed only as a nickname of the other ("Bob" and "Robert").
NICKNAME_SCORE = 0.9
_TABLE = "people_account_link_input"
_ACCOUNT_ROW = 0


@dataclass(frozen=True)
class AccountFacts:
    """What the account says about its holder, as MyAccount keeps it."""

    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    postcode: str
    # The address lines as a letter shows them (flat or building name first, then number and street).
    address_lines: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return bool(
            self.given_name.strip()
            and self.family_name.strip()
            and self.date_of_birth
            and self.postcode.strip()
            and any(line.strip() for line in self.address_lines)
        )


@dataclass(frozen=True)
class Candidate:
    """A golden record found by date of birth, with the values to compare."""

    citizen_pk: int
    given_name: str
    surname: str
    date_of_birth: dt.date
    address_line_1: str
    postcode: str


@dataclass(frozen=True)
class Prepared:
    given_name: str | None
    aliases: frozenset[str]
    surname: str | None
    postcode: str | None
    address_line_1: str | None
    house_number: str | None
    street: str | None


def _prepared(rows: list[dict[str, str | int | None]]) -> dict[int, Prepared]:
    """Run the linkage's normalisation over the rows; keyed by row number."""
    columns = [ROW_NUMBER, "given_name", "surname", "date_of_birth", "address_line_1", "postcode"]
    frame = pd.DataFrame(rows, columns=columns)
    for name in columns[1:]:
        frame[name] = frame[name].astype("string")
    frame[ROW_NUMBER] = frame[ROW_NUMBER].astype("int64")
    con = pipeline.connect(threads=1)
    try:
        con.register("people_account_link_frame", frame)
        con.execute(f"CREATE TEMP TABLE {_TABLE} AS SELECT * FROM people_account_link_frame")  # noqa: S608
        con.unregister("people_account_link_frame")
        table = prepare_records(con, _TABLE)
        result = con.execute(
            "SELECT unique_id, given_name, given_name_aliases, surname, postcode, address_line_1, "  # noqa: S608
            f"house_number, street FROM {table}"
        ).fetchall()
    finally:
        con.close()
    return {
        int(row[0]): Prepared(
            given_name=row[1],
            aliases=frozenset(row[2] or ()),
            surname=row[3],
            postcode=row[4],
            address_line_1=row[5],
            house_number=row[6],
            street=row[7],
        )
        for row in result
    }


def _address_agrees(account: list[Prepared], candidate: Prepared) -> bool:
    if not candidate.postcode or candidate.postcode != account[0].postcode:
        return False
    for line in account:
        if candidate.house_number and candidate.street:
            if line.house_number == candidate.house_number and line.street == candidate.street:
                return True
        elif candidate.address_line_1 and line.address_line_1 == candidate.address_line_1:
            return True
    return False


def _name_score(account: Prepared, candidate: Prepared) -> float:
    if not account.given_name or not candidate.given_name:
        return 0.0
    if account.given_name == candidate.given_name:
        return EXACT_SCORE
    if account.aliases & candidate.aliases:
        return NICKNAME_SCORE
    return 0.0


def matches(facts: AccountFacts, candidates: list[Candidate]) -> dict[int, float]:
    """{citizen pk: score} of the candidates that agree with the account on every part."""
    if not facts.complete or not candidates:
        return {}
    lines = [line for line in facts.address_lines if line.strip()]
    rows: list[dict[str, str | int | None]] = [
        {
            ROW_NUMBER: _ACCOUNT_ROW + index,
            "given_name": facts.given_name,
            "surname": facts.family_name,
            "date_of_birth": facts.date_of_birth.isoformat() if facts.date_of_birth else None,
            "address_line_1": line,
            "postcode": facts.postcode,
        }
        for index, line in enumerate(lines)
    ]
    offset = len(rows)
    for index, candidate in enumerate(candidates):
        rows.append(
            {
                ROW_NUMBER: offset + index,
                "given_name": candidate.given_name,
                "surname": candidate.surname,
                "date_of_birth": candidate.date_of_birth.isoformat(),
                "address_line_1": candidate.address_line_1,
                "postcode": candidate.postcode,
            }
        )
    prepared = _prepared(rows)
    account = [prepared[i] for i in range(offset)]
    found: dict[int, float] = {}
    for index, candidate in enumerate(candidates):
        other = prepared[offset + index]
        if not account[0].surname or account[0].surname != other.surname:
            continue
        score = _name_score(account[0], other)
        if score and _address_agrees(account, other):
            found[candidate.citizen_pk] = max(score, found.get(candidate.citizen_pk, 0.0))
    return found
