"""`townhall people link-csv` end to end: real Splink on small generated data.

The scenario records (nicknames, typos, twins, a household, ...) sit among 1,200
synthetic background records so the model has enough pairs to train on; the
background uses other postcodes, so no scenario record can link to it by accident
except by name.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from townhall.people.linkage.pipeline import DEFAULT_THRESHOLD
from townhall.people.synthetic import synthetic_records

HEADER = [
    "record_id", "source_system", "given_name", "surname", "date_of_birth", "address_line_1", "address_line_2",
    "town", "postcode", "email", "phone",
]  # fmt: skip

# (record_id, source, given, surname, dob, line 1, postcode, email, phone)
SCENARIO = [
    # Robert and Bob: one person under a nickname, postcode written two ways, no date of
    # birth on one record (so the name has to carry the link).
    ("nick-1", "council_tax", "Robert", "Quennell", "1970-03-04", "12 Lantern Walk", "NQ1 1AA", "", ""),
    ("nick-2", "waste", "Bob", "Quennell", "", "12 Lantern Walk", "nq11aa", "", ""),
    # A typing slip in the surname.
    ("typo-1", "housing", "Margaret", "Oyelaran", "1948-11-23", "3 Quarry Row", "NQ1 1AB", "", ""),
    ("typo-2", "adult_social_care", "Margaret", "Oyelaren", "1948-11-23", "3 Quarry Row", "NQ1 1AB", "", ""),
    # Day and month swapped.
    ("swap-1", "housing", "Harriet", "Vossberg", "1985-07-03", "8 Tannery Yard", "NQ1 1AD", "", ""),
    ("swap-2", "council_tax", "Harriet", "Vossberg", "1985-03-07", "8 Tannery Yard", "NQ1 1AD", "", ""),
    # Twins: same surname, address and date of birth, different given names.
    ("twin-a", "housing", "Thomas", "Ainsworthy", "2001-05-05", "40 Kiln Lane", "NQ1 1AE", "", ""),
    ("twin-b", "housing", "Edward", "Ainsworthy", "2001-05-05", "40 Kiln Lane", "NQ1 1AE", "", ""),
    # A household: two adults and a daughter at one address; Susan appears twice.
    ("home-susan-1", "council_tax", "Susan", "Pemberton", "1960-02-14", "7 Weir Street", "NQ1 1AF", "", ""),
    ("home-susan-2", "waste", "Susan", "Pemberton", "", "7 Weir Street", "NQ1 1AF", "sue.p@example.org", ""),
    ("home-alan", "council_tax", "Alan", "Pemberton", "1958-09-30", "7 Weir Street", "NQ1 1AF", "", ""),
    ("home-lucy", "housing", "Lucy", "Pemberton", "1990-06-01", "7 Weir Street", "NQ1 1AF", "", ""),
    # First and second address lines swapped between systems (line 2 is in SCENARIO_LINE_2).
    ("lines-1", "housing", "Winifred", "Ashdown", "1952-10-02", "9 Cooper's Yard", "NQ1 1AJ", "", ""),
    ("lines-2", "council_tax", "Winifred", "Ashdown", "1952-10-02", "9 Old Brewery", "NQ1 1AJ", "", ""),
    # Twins again, one record with a slip in the surname: the surname no longer agrees.
    ("twin-c", "housing", "Oliver", "Blackthorne", "2010-08-08", "6 Kiln Lane", "NQ1 1AK", "", ""),
    ("twin-d", "adult_social_care", "Harry", "Blakcthorne", "2010-08-08", "6 Kiln Lane", "NQ1 1AK", "", ""),
    # Spouses whose names differ by one letter (Gary and Mary), his date of birth unknown.
    ("spouse-gary", "council_tax", "Gary", "Fothergill", "", "15 Weir Street", "NQ1 1AL", "", ""),
    ("spouse-mary", "housing", "Mary", "Fothergill", "1966-04-12", "15 Weir Street", "NQ1 1AL", "", ""),
    # Someone who appears once.
    ("alone", "housing", "Cuthbert", "Zillingham", "1939-12-12", "1 Ferry Steps", "NQ1 1AG", "", ""),
]

SCENARIO_LINE_2 = {"lines-1": "Old Brewery", "lines-2": "Cooper's Yard"}


def _write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _scenario_rows() -> list[dict[str, str]]:
    rows = [record.as_row() for record in synthetic_records(records=1200, seed=11)]
    for record_id, source, given, surname, dob, line_1, postcode, email, phone in SCENARIO:
        rows.append(
            dict(
                zip(
                    HEADER,
                    (
                        record_id,
                        source,
                        given,
                        surname,
                        dob,
                        line_1,
                        SCENARIO_LINE_2.get(record_id, ""),
                        "Quayside",
                        postcode,
                        email,
                        phone,
                    ),
                    strict=True,
                )
            )
        )
    return rows


def _link(input_csv: Path, out: Path, *extra: str) -> list[dict[str, str]]:
    call_command("people", "link-csv", str(input_csv), "--out", str(out), "--progress", "never", *extra)
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    directory = tmp_path_factory.mktemp("link-csv")
    rows = _scenario_rows()
    output = _link(_write_csv(directory / "people.csv", rows), directory / "clusters.csv")
    return rows, output


def _cluster_of(output: list[dict[str, str]]) -> dict[str, str]:
    return {row["record_id"]: row["cluster_id"] for row in output}


def test_output_has_header_and_one_row_per_record_in_input_order(scenario) -> None:
    rows, output = scenario
    assert list(output[0].keys()) == ["record_id", "cluster_id", "match_probability"]
    assert [row["record_id"] for row in output] == [row["record_id"] for row in rows]


def test_cluster_id_is_the_first_record_of_the_cluster(scenario) -> None:
    rows, output = scenario
    position = {row["record_id"]: index for index, row in enumerate(rows)}
    members: dict[str, list[str]] = {}
    for row in output:
        members.setdefault(row["cluster_id"], []).append(row["record_id"])
    assert len(members) < len(rows)  # something was linked
    for cluster_id, records in members.items():
        assert cluster_id == min(records, key=position.__getitem__)


def test_singletons_have_empty_probability_and_linked_records_a_probability_above_threshold(scenario) -> None:
    _, output = scenario
    sizes: dict[str, int] = {}
    for row in output:
        sizes[row["cluster_id"]] = sizes.get(row["cluster_id"], 0) + 1
    for row in output:
        if sizes[row["cluster_id"]] == 1:
            assert row["cluster_id"] == row["record_id"]
            assert row["match_probability"] == ""
        else:
            assert DEFAULT_THRESHOLD <= float(row["match_probability"]) <= 1.0
    assert _cluster_of(output)["alone"] == "alone"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("nick-1", "nick-2"),
        ("typo-1", "typo-2"),
        ("swap-1", "swap-2"),
        ("home-susan-1", "home-susan-2"),
        ("lines-1", "lines-2"),
    ],
)
def test_duplicates_end_in_one_cluster(scenario, first: str, second: str) -> None:
    clusters = _cluster_of(scenario[1])
    assert clusters[first] == clusters[second]


def test_twins_stay_apart(scenario) -> None:
    clusters = _cluster_of(scenario[1])
    assert clusters["twin-a"] != clusters["twin-b"]


def test_twins_stay_apart_when_a_surname_is_mistyped(scenario) -> None:
    clusters = _cluster_of(scenario[1])
    assert clusters["twin-c"] != clusters["twin-d"]


def test_household_members_stay_apart(scenario) -> None:
    clusters = _cluster_of(scenario[1])
    people = {clusters["home-susan-1"], clusters["home-alan"], clusters["home-lucy"]}
    assert len(people) == 3
    assert clusters["spouse-gary"] != clusters["spouse-mary"]


def test_a_lower_threshold_links_more(scenario, tmp_path: Path) -> None:
    rows, default_output = scenario
    low_output = _link(_write_csv(tmp_path / "people.csv", rows), tmp_path / "low.csv", "--threshold", "0.01")
    default_clusters = len(set(_cluster_of(default_output).values()))
    low_clusters = len(set(_cluster_of(low_output).values()))
    assert low_clusters < default_clusters
    assert all(float(row["match_probability"]) >= 0.01 for row in low_output if row["match_probability"])


def test_absent_optional_columns(tmp_path: Path) -> None:
    header = ["record_id", "given_name", "surname", "postcode"]
    rows = [record.as_row() for record in synthetic_records(records=800, seed=5)]
    rows += [
        {"record_id": "only-1", "given_name": "Winifred", "surname": "Quarmby", "postcode": "NQ2 2ZZ"},
        {"record_id": "only-2", "given_name": "Winifred", "surname": "Quarmby", "postcode": "nq2 2zz"},
    ]
    output = _link(_write_csv(tmp_path / "narrow.csv", rows, header), tmp_path / "out.csv")
    assert len(output) == len(rows)
    clusters = _cluster_of(output)
    assert clusters["only-1"] == clusters["only-2"]


def test_blank_optional_values_and_invalid_dates(tmp_path: Path) -> None:
    rows = [record.as_row() for record in synthetic_records(records=800, seed=6)]
    blank = dict.fromkeys(HEADER, "")
    rows += [
        {**blank, "record_id": "blank-everything"},
        {
            **blank,
            "record_id": "bad-date-1",
            "given_name": "Ottoline",
            "surname": "Drabble",
            "date_of_birth": "1975-02-30",
        },
        {
            **blank,
            "record_id": "bad-date-2",
            "given_name": "Ottoline",
            "surname": "Drabble",
            "date_of_birth": "31/12/1975",
        },
    ]
    output = _link(_write_csv(tmp_path / "blanks.csv", rows), tmp_path / "out.csv")
    clusters = _cluster_of(output)
    assert len(output) == len(rows)
    assert clusters["blank-everything"] == "blank-everything"


def test_header_only_and_single_record(tmp_path: Path) -> None:
    assert _link(_write_csv(tmp_path / "empty.csv", []), tmp_path / "empty-out.csv") == []
    one = [{**dict.fromkeys(HEADER, ""), "record_id": "r1", "given_name": "Ada"}]
    assert _link(_write_csv(tmp_path / "one.csv", one), tmp_path / "one-out.csv") == [
        {"record_id": "r1", "cluster_id": "r1", "match_probability": ""}
    ]


def test_small_files_are_scored_with_the_packaged_model(tmp_path: Path) -> None:
    blank = dict.fromkeys(HEADER, "")
    rows = [
        {**blank, "record_id": "a", "given_name": "Ada", "surname": "Lovell", "date_of_birth": "1955-12-10"},
        {**blank, "record_id": "b", "given_name": "Ada", "surname": "Lovell", "date_of_birth": "1955-12-10"},
        {**blank, "record_id": "c", "given_name": "Alan", "surname": "Turnbull", "date_of_birth": "1952-06-23"},
        {**blank, "record_id": "d", "given_name": "Alan", "surname": "Turnbull", "date_of_birth": "1952-06-24"},
        {**blank, "record_id": "e", "given_name": "Edith", "surname": "Lovell", "date_of_birth": "1955-12-10"},
    ]
    clusters = _cluster_of(_link(_write_csv(tmp_path / "small.csv", rows), tmp_path / "out.csv"))
    assert clusters["a"] == clusters["b"] == "a"
    assert clusters["c"] == clusters["d"] == "c"
    assert clusters["e"] == "e"  # a twin of Ada's


# Bad input: one clear line, and no output file left behind.


def _assert_refused(tmp_path: Path, input_csv: Path, message: str) -> None:
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=message) as raised:
        call_command("people", "link-csv", str(input_csv), "--out", str(out), "--progress", "never")
    assert "\n" not in str(raised.value)
    assert not out.exists()
    assert not list(tmp_path.glob(".out.csv.*"))


def test_missing_record_id_column(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,given_name\n1,Ada\n")
    _assert_refused(tmp_path, path, "no record_id column")


def test_duplicate_record_ids(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("record_id,given_name\na,Ada\nb,Bea\na,Cat\n")
    _assert_refused(tmp_path, path, "duplicate record_id 'a'")


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_record_id(tmp_path: Path, blank: str) -> None:
    path = tmp_path / "in.csv"
    path.write_text(f"record_id,given_name\na,Ada\n{blank},Bea\n")
    _assert_refused(tmp_path, path, "blank record_id on data row 2")


def test_unreadable_file(tmp_path: Path) -> None:
    _assert_refused(tmp_path, tmp_path / "missing.csv", "cannot read")
    _assert_refused(tmp_path, tmp_path, "cannot read")


def test_binary_file_is_not_csv(tmp_path: Path) -> None:
    path = tmp_path / "in.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    _assert_refused(tmp_path, path, "not a CSV file")


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("record_id,given_name\n1,Zoë\n".encode("latin-1") + b"2,Ann\n" * 10)
    _assert_refused(tmp_path, path, "not a UTF-8 CSV file")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("")
    _assert_refused(tmp_path, path, "is empty")


def test_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("record_id,given_name\na,Ada\nb,Bea,extra,fields\n")
    _assert_refused(tmp_path, path, "could not be read as CSV")


def test_output_directory_must_exist(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "in.csv", [])
    with pytest.raises(CommandError, match="does not exist"):
        call_command("people", "link-csv", str(path), "--out", str(tmp_path / "missing" / "out.csv"))


def test_existing_output_is_left_alone_on_error(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id\n1\n")
    out = tmp_path / "out.csv"
    out.write_text("previous run\n")
    with pytest.raises(CommandError):
        call_command("people", "link-csv", str(path), "--out", str(out))
    assert out.read_text() == "previous run\n"


@pytest.mark.parametrize("threshold", ["0", "1", "1.5", "high"])
def test_threshold_must_be_a_probability(tmp_path: Path, threshold: str) -> None:
    path = _write_csv(tmp_path / "in.csv", [])
    with pytest.raises(CommandError, match="threshold"):
        call_command("people", "link-csv", str(path), "--out", str(tmp_path / "o.csv"), "--threshold", threshold)
