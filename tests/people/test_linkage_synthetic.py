"""The synthetic resident generator: repeatable, with ground truth and the hard cases it promises."""

from __future__ import annotations

from collections import Counter, defaultdict

from townhall.people.synthetic import DEMO_SOURCES, synthetic_people, synthetic_records, synthetic_source_records


def test_same_seed_same_records() -> None:
    assert synthetic_records(records=500, seed=3) == synthetic_records(records=500, seed=3)
    assert synthetic_records(records=500, seed=3) != synthetic_records(records=500, seed=4)


def test_exact_count_unique_ids_and_demo_sources() -> None:
    records = synthetic_records(records=2000, seed=1)
    assert len(records) == 2000
    assert len({r.record_id for r in records}) == 2000
    assert {r.source_system for r in records} == set(DEMO_SOURCES)


def test_households_twins_and_movers_exist() -> None:
    people = synthetic_people(households=3000, seed=2)
    by_household = defaultdict(list)
    for person in people:
        by_household[person.household_id].append(person)
    shared = [members for members in by_household.values() if len(members) > 1]
    assert shared
    assert all(len({(p.surname, p.address) for p in members}) == 1 for members in shared)
    twins = [
        members for members in shared if any(count > 1 for count in Counter(p.date_of_birth for p in members).values())
    ]
    assert twins
    for members in twins:
        assert len({p.given_name for p in members}) == len(members)
    assert any(p.previous_address is not None for p in people)


def test_records_carry_the_errors_linkage_must_handle() -> None:
    people = synthetic_people(households=4000, seed=8)
    records = list(synthetic_source_records(people, seed=9))
    truth = {p.person_id: p for p in people}
    assert any(r.date_of_birth == "" for r in records)
    assert any(r.given_name != truth[r.person_id].given_name for r in records)  # nicknames and typos
    swapped = [
        r
        for r in records
        if r.date_of_birth
        and (born := truth[r.person_id].date_of_birth).day <= 12
        and r.date_of_birth == f"{born.year:04d}-{born.day:02d}-{born.month:02d}"
        and born.day != born.month
    ]
    assert swapped
    assert any(r.postcode and " " not in r.postcode for r in records)
    assert "person_id" not in records[0].as_row()
