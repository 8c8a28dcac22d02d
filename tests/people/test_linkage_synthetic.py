"""The synthetic resident generator: repeatable, with ground truth and the hard cases it promises."""

from __future__ import annotations

from collections import Counter, defaultdict

from townhall.people.synthetic import DEMO_SOURCES, synthetic_people, synthetic_records, synthetic_source_records


def test_same_seed_same_records() -> None:
    hard = synthetic_records(records=500, seed=3, hard_cases=True)
    assert hard == synthetic_records(records=500, seed=3, hard_cases=True)
    assert synthetic_records(records=500, seed=3) == synthetic_records(records=500, seed=3)
    assert synthetic_records(records=500, seed=3) != synthetic_records(records=500, seed=4)


def test_exact_count_unique_ids_and_demo_sources() -> None:
    records = synthetic_records(records=2000, seed=1)
    assert len(records) == 2000
    assert len({r.record_id for r in records}) == 2000
    assert {r.source_system for r in records} == set(DEMO_SOURCES)


def test_households_twins_and_movers_exist() -> None:
    people = synthetic_people(households=3000, seed=2, hard_cases=True)
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
    for members in twins:  # twins differ in given name (a son may share his father's)
        born = Counter(p.date_of_birth for p in members)
        same_day = [p for p in members if born[p.date_of_birth] > 1]
        assert len({p.given_name for p in same_day}) == len(same_day)
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


def test_juniors_and_recent_movers_make_pairs_for_review() -> None:
    people = synthetic_people(households=3000, seed=2, hard_cases=True)
    heads = {}
    for person in people:
        heads.setdefault(person.household_id, person)
    juniors = [
        p
        for p in people
        if (head := heads[p.household_id]) is not p and (p.given_name, p.surname) == (head.given_name, head.surname)
    ]
    assert juniors
    assert all(j.date_of_birth != heads[j.household_id].date_of_birth for j in juniors)
    movers = [p for p in people if p.recent_move]
    assert movers
    assert all(p.previous_address is not None and p.previous_address != p.address for p in movers)
    assert any(p.previous_surname for p in movers)
    records = list(synthetic_source_records(people, seed=3))
    moved = {p.person_id: p for p in movers}
    old = [
        r
        for r in records
        if (mover := moved.get(r.person_id))
        and (r.address_line_1, r.address_line_2)
        == (
            mover.previous_address.line_1,
            mover.previous_address.line_2,
        )
    ]
    # Records from before the move (and before the questions): name and address only, some with the old surname.
    from_before = [r for r in old if not (r.date_of_birth or r.email or r.phone)]
    assert from_before
    assert any(r.surname == moved[r.person_id].previous_surname for r in from_before)
    assert all(
        not (r.date_of_birth or r.email or r.phone) for r in old if r.surname == moved[r.person_id].previous_surname
    )
