"""The linkage model on Splink's Spark backend (local mode) agrees with the DuckDB pipeline.

A smoke test of the path documented in docs/people-spark.md for tens of millions of
records: `townhall people link-csv` links a few thousand synthetic records with each
backend and the two clusterings are compared pairwise. Without pyspark or Java the
Spark test skips locally and fails under CI (the project's rule for a missing dependency).
"""

from __future__ import annotations

import csv
import re
import time
from collections import defaultdict
from io import StringIO
from itertools import combinations
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.ci import under_ci
from townhall.people.linkage import spark_backend
from townhall.people.synthetic import synthetic_records

RECORDS = 2500  # above pipeline.MINIMUM_RECORDS_TO_TRAIN: u and m are trained on the data by both backends
SEED = 21
# Small-data settings: a 1 GiB driver, one partition per shuffle, and a JVM that spends
# its little CPU on the work rather than on optimising code it runs for a few seconds.
SMOKE_SPARK_ARGUMENTS = (
    "--spark-master=local[2]",
    "--spark-driver-memory=1g",
    "--spark-conf=spark.sql.shuffle.partitions=1",
    "--spark-conf=spark.sql.adaptive.enabled=false",
    "--spark-conf=spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
)

Pairs = set[frozenset[str]]


@pytest.fixture
def spark_here() -> None:
    problem = spark_backend.spark_available()
    if problem:
        if under_ci():
            pytest.fail(f"CI is set and the Spark linkage test cannot run: {problem}", pytrace=False)
        pytest.skip(problem)


def _write_records(path: Path) -> dict[str, int]:
    """The synthetic records as a link-csv input file; returns each record's true person."""
    records = synthetic_records(records=RECORDS, seed=SEED)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0].as_row()))
        writer.writeheader()
        writer.writerows(record.as_row() for record in records)
    return {record.record_id: record.person_id for record in records}


def _link_csv(source: Path, out: Path, *arguments: str) -> tuple[float, dict[str, tuple[str, str]]]:
    """Run `townhall people link-csv`; return its wall time and record_id -> (cluster_id, probability)."""
    started = time.perf_counter()
    call_command(
        "people", "link-csv", str(source), "--out", str(out), "--progress=never", *arguments, stdout=StringIO()
    )
    seconds = time.perf_counter() - started
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return seconds, {row["record_id"]: (row["cluster_id"], row["match_probability"]) for row in rows}


def _pairs(cluster_of: dict[str, object]) -> Pairs:
    groups: dict[object, list[str]] = defaultdict(list)
    for record, cluster in cluster_of.items():
        groups[cluster].append(record)
    return {frozenset(pair) for members in groups.values() for pair in combinations(sorted(members), 2)}


def _scores(predicted: Pairs, actual: Pairs) -> tuple[float, float]:
    """Pairwise precision and recall of predicted against actual."""
    both = len(predicted & actual)
    return (both / len(predicted) if predicted else 1.0, both / len(actual) if actual else 1.0)


@pytest.mark.spark
@pytest.mark.usefixtures("spark_here")
def test_link_csv_on_spark_clusters_like_duckdb(tmp_path: Path) -> None:
    source = tmp_path / "records.csv"
    person_of = _write_records(source)
    duck_seconds, duck = _link_csv(source, tmp_path / "duckdb.csv")
    spark_seconds, spark = _link_csv(source, tmp_path / "spark.csv", "--backend=spark", *SMOKE_SPARK_ARGUMENTS)

    assert list(spark) == list(duck) == list(person_of)  # one row per record, in input order
    actual = _pairs(dict(person_of))
    duck_pairs = _pairs({record: cluster for record, (cluster, _p) in duck.items()})
    spark_pairs = _pairs({record: cluster for record, (cluster, _p) in spark.items()})
    agreement = _scores(spark_pairs, duck_pairs)
    duck_truth, spark_truth = _scores(duck_pairs, actual), _scores(spark_pairs, actual)
    # Trained parameters differ in the last bits between the engines, so probabilities are
    # compared loosely; whether a record was linked at all must agree.
    both_linked = [record for record, (_c, p) in duck.items() if p and spark[record][1]]
    same_linked = sum(1 for record, (_c, p) in duck.items() if bool(p) == bool(spark[record][1]))
    largest_gap = max((abs(float(duck[r][1]) - float(spark[r][1])) for r in both_linked), default=0.0)
    print(  # noqa: T201 - figures for docs/people-spark.md
        f"\n{RECORDS} records, link-csv: DuckDB {duck_seconds:.1f} s, Spark {spark_seconds:.1f} s; "
        f"{len(duck_pairs)} / {len(spark_pairs)} linked pairs; Spark vs DuckDB precision/recall "
        f"{agreement[0]:.4f}/{agreement[1]:.4f}; vs truth DuckDB {duck_truth[0]:.4f}/{duck_truth[1]:.4f}, "
        f"Spark {spark_truth[0]:.4f}/{spark_truth[1]:.4f}; linked or not alike for {same_linked} records, "
        f"largest probability gap {largest_gap:.2e}"
    )
    assert len(duck_pairs) > RECORDS / 4  # the records do hold duplicates to agree on
    assert min(agreement) >= 0.99
    assert spark_truth == pytest.approx(duck_truth, abs=0.01)
    assert min(duck_truth) >= 0.95
    assert same_linked >= 0.99 * RECORDS
    assert largest_gap < 0.01


def test_spark_connect_is_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark Connect cannot run Splink's backend (docs/people-spark.md): a clear error, no output file."""
    source = tmp_path / "records.csv"
    _write_records(source)
    monkeypatch.setenv("SPARK_REMOTE", "sc://spark.example:15002")
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="--backend spark cannot run here"):
        call_command("people", "link-csv", str(source), "--out", str(out), "--backend=spark", stdout=StringIO())
    assert not out.exists()


# Functions the Spark settings may call: Spark SQL built-ins and the UDFs of Splink's jar
# (jaro_winkler, damerau_levenshtein). A DuckDB-only function added to settings.py fails
# below until to_spark_sql translates it.
SPARK_FUNCTIONS = frozenset(
    {"arrays_overlap", "coalesce", "damerau_levenshtein", "jaro_winkler", "left", "length", "levenshtein"}
)


def test_custom_levels_are_written_in_spark_sql() -> None:
    """DuckDB-only functions in settings.py are renamed; everything else passes through unchanged."""
    assert spark_backend.to_spark_sql("list_has_any(a_l, a_r)") == "ARRAYS_OVERLAP(a_l, a_r)"
    assert (
        spark_backend.to_spark_sql("jaro_winkler_similarity(street_l, address_line_2_r) >= 0.9")
        == "JARO_WINKLER(street_l, address_line_2_r) >= 0.9"
    )
    assert spark_backend.to_spark_sql("levenshtein(phone_l, phone_r) <= 1") == "LEVENSHTEIN(phone_l, phone_r) <= 1"
    sql = " ".join(
        level.sql_condition
        for comparison in spark_backend.spark_settings().comparisons
        for level in comparison.create_comparison_levels()  # type: ignore[union-attr]
        if hasattr(level, "sql_condition")
    ).lower()
    called = set(re.findall(r"([a-z_]+)\(", sql))
    assert {"arrays_overlap", "jaro_winkler"} <= called
    assert called <= SPARK_FUNCTIONS, f"not Spark SQL: {sorted(called - SPARK_FUNCTIONS)}"
