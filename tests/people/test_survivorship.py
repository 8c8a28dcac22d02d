"""Golden-record survivorship: each field's rule, ties, and the guard that every field has a rule."""

from __future__ import annotations

import datetime as dt

from townhall.people.constants import GOLDEN_RECORD_RULES, PERSON_FIELDS, SurvivorshipRule
from townhall.people.models import GoldenRecord
from townhall.people.survivorship import Candidate, golden_values

EARLY = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
LATE = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _candidate(record: int, source: str, rank: int, changed: dt.datetime, **values: object) -> Candidate:
    full = {name: None if name == "date_of_birth" else "" for name in PERSON_FIELDS} | values
    return Candidate(record, source, f"{source}-{record}", rank, changed, full)


def test_every_person_field_has_a_rule_and_a_golden_column() -> None:
    assert set(GOLDEN_RECORD_RULES) == set(PERSON_FIELDS)
    columns = {f.name for f in GoldenRecord._meta.get_fields()}
    assert set(PERSON_FIELDS) <= columns


def test_each_rule_picks_its_record_and_says_where_the_value_came_from() -> None:
    care = _candidate(
        1, "adult_social_care", 1, EARLY,
        given_name="Bob", surname="Quennell", date_of_birth=dt.date(1970, 3, 4),
        address_line_1="12 Old Road", town="Northam", postcode="NM1 1AA", phone="07700900001",
    )  # fmt: skip
    waste = _candidate(
        2, "waste", 4, LATE,
        given_name="Robert", surname="Quenell", date_of_birth=dt.date(1970, 4, 3),
        address_line_1="3 New Street", postcode="NM2 2BB", email="bob@example.org",
    )  # fmt: skip
    values, provenance = golden_values([care, waste])
    # most complete: the fuller name, although from the less trusted source
    assert values["given_name"] == "Robert"
    assert provenance["given_name"]["rule"] == SurvivorshipRule.MOST_COMPLETE
    # most trusted: social care's surname and date of birth over the waste service's
    assert (values["surname"], values["date_of_birth"]) == ("Quennell", dt.date(1970, 3, 4))
    assert provenance["surname"] == {
        "record": 1, "source": "adult_social_care", "source_id": "adult_social_care-1", "rule": "most_trusted",
    }  # fmt: skip
    # most recent: the newer address, taken whole (its town is blank: the old record's town is not mixed in)
    assert (values["address_line_1"], values["postcode"], values["town"]) == ("3 New Street", "NM2 2BB", "")
    assert provenance["postcode"]["source"] == "waste"
    assert "town" not in provenance
    # most recent, but only among records that have a value
    assert values["phone"] == "07700900001"
    assert provenance["phone"]["source"] == "adult_social_care"
    assert values["email"] == "bob@example.org"


def test_ties_fall_back_to_trust_then_the_oldest_record() -> None:
    housing = _candidate(5, "housing", 2, EARLY, surname="Smith", email="a@example.org", given_name="Ann")
    tax = _candidate(3, "council_tax", 3, EARLY, surname="Smyth", email="b@example.org", given_name="Amy")
    values, _provenance = golden_values([tax, housing])
    assert values["email"] == "a@example.org"  # same time: the more trusted source
    assert values["given_name"] == "Ann"  # same length: the more trusted source
    again = _candidate(4, "housing", 2, EARLY, email="c@example.org")
    assert golden_values([again, housing])[1]["email"]["record"] == 4


def test_no_records_no_values() -> None:
    values, provenance = golden_values([])
    assert provenance == {}
    assert values["date_of_birth"] is None
    assert values["surname"] == ""
