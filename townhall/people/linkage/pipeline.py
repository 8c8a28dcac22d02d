# ruff: noqa: S608 - SQL here is built from this package's own table and column names; no
# value read from an input file is ever written into SQL text.
"""Train, predict and cluster: the Citizen Index linkage run over one DuckDB table.

`link_records` takes a loaded table of person records, deduplicates it with Splink
and leaves a table of (row_number, cluster row, match probability). Everything
stays inside DuckDB; nothing here reads or writes files, so the CSV command and the
later database-backed Citizen Index share it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
from splink import Linker
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from townhall.people.linkage import settings as linkage_settings
from townhall.people.linkage.columns import ROW_NUMBER
from townhall.people.linkage.prepare import prepare_records

# Auto-link only when the model gives 99 to 1 that two records are one person: a
# false merge shows one resident's data to another, a missed link only leaves a
# duplicate for clerical review. Fixed before any benchmark labels were looked at.
DEFAULT_THRESHOLD = 0.99

CLUSTERS_TABLE = "people_clusters"
# With `review_from`, every scored pair at or above it, with its levels and Bayes factors.
PREDICTIONS_TABLE = "people_predictions"

# Random pairs sampled for u (how often non-matches agree by chance), and the cap
# on blocked pairs each EM session trains on; fixed seeds keep runs repeatable.
U_SAMPLE_PAIRS = 500_000
EM_MAX_PAIRS = 500_000
SEED = 7
# Added to every default m value (then renormalised), see default_m_probabilities_from.
DEFAULT_M_SMOOTHING = 0.002
# Share of true pairs the deterministic rules in settings.py are assumed to find.
DETERMINISTIC_RECALL = 0.7
# Below this many records there is nothing to link.
MINIMUM_RECORDS = 2
# Below this many records u and m are not trained: the packaged default model (trained
# by EM on synthetic records, settings.default_model) scores the pairs.
MINIMUM_RECORDS_TO_TRAIN = 1_000

STAGES = ("prepare", "estimate u", "estimate m (EM)", "score pairs", "cluster")

ProgressCallback = Callable[[str], None]


@dataclass
class LinkageRun:
    """What a run did: counts for reports, trained parameters to keep with the run."""

    records: int
    pairs_scored: int = 0
    clusters: int = 0
    threshold: float = DEFAULT_THRESHOLD
    trained: list[str] = field(default_factory=list)
    model: dict[str, Any] = field(default_factory=dict)


def connect(*, threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB set up for linkage (spills to a temp directory if it must)."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
    con.execute("SET preserve_insertion_order = false")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    return con


def quiet_splink() -> None:
    # Splink logs every SQL stage at INFO; the command has its own progress bar.
    # Its warnings (e.g. a level never seen in training) are expected on sparse extracts.
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)


def link_records(
    con: duckdb.DuckDBPyConnection,
    input_table: str,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    review_from: float | None = None,
    progress: ProgressCallback | None = None,
) -> LinkageRun:
    """Deduplicate input_table (VARCHAR columns + ROW_NUMBER) into CLUSTERS_TABLE.

    CLUSTERS_TABLE has one row per input row: ROW_NUMBER, `cluster_row` (the smallest
    row number in the record's cluster) and `match_probability` (the highest
    probability of a pair at or above the threshold that joins the record to its
    cluster; NULL for a record alone).

    With `review_from` (below the threshold) pairs are scored down to it and kept in
    PREDICTIONS_TABLE with their comparison levels (`gamma_*`) and Bayes factors
    (`bf_*`, `bf_tf_adj_*`): the Citizen Index stores the uncertain band for clerical
    review and needs the pairs above the threshold to apply reviewers' decisions.
    """
    step = progress or (lambda _stage: None)
    records = con.execute(f"SELECT count(*) FROM {input_table}").fetchall()[0][0]
    run = LinkageRun(records=records, threshold=threshold)
    prepared = prepare_records(con, input_table)
    step("prepare")
    if records < MINIMUM_RECORDS:
        write_singletons(con, prepared)
        if review_from is not None:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {PREDICTIONS_TABLE} AS SELECT CAST(NULL AS BIGINT) AS unique_id_l, "
                "CAST(NULL AS BIGINT) AS unique_id_r, CAST(NULL AS DOUBLE) AS match_probability, "
                "CAST(NULL AS DOUBLE) AS match_weight WHERE false"
            )
        return run

    from splink import DuckDBAPI

    quiet_splink()
    db_api = DuckDBAPI(connection=con)
    present = columns_with_data(con, prepared)
    explain = review_from is not None
    linker = Linker(
        db_api.register(prepared), linkage_settings.settings_creator(present, explain=explain), log_level=None
    )
    run.trained = train(linker, records, present, step)
    lowest = threshold if review_from is None else min(threshold, review_from)
    predictions = linker.inference.predict(threshold_match_probability=lowest, warning_mode="never")
    if explain:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {PREDICTIONS_TABLE} AS SELECT * FROM {predictions.physical_name}")
    run.pairs_scored = con.execute(
        f"SELECT count(*) FROM {predictions.physical_name} WHERE match_probability >= {threshold}"
    ).fetchall()[0][0]
    step("score pairs")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    _write_clusters(con, clusters.physical_name, predictions.physical_name, threshold)
    run.clusters = con.execute(f"SELECT count(DISTINCT cluster_row) FROM {CLUSTERS_TABLE}").fetchall()[0][0]
    run.model = linker.misc.save_model_to_json()
    step("cluster")
    return run


def train(linker: Linker, records: int, present: set[str], step: ProgressCallback) -> list[str]:
    """Prior, then u by sampling and m by EM (the packaged model below MINIMUM_RECORDS_TO_TRAIN).

    Shared by the DuckDB pipeline and the Spark backend so both train the same model;
    returns the EM blocking rules that were trained.
    """
    _estimate_prior(linker, records)
    if records < MINIMUM_RECORDS_TO_TRAIN:
        _apply_default_model(linker)
        step("estimate u")
        step("estimate m (EM)")
        return []
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=SEED, num_chunks=1)
    step("estimate u")
    trained = _estimate_m(linker, present)
    step("estimate m (EM)")
    return trained


def _estimate_prior(linker: Linker, records: int) -> None:
    """How likely two random records are one person, from near-certain matches.

    The rules are assumed to find 70% of true pairs. When they find none (an extract
    with no dates of birth, emails or phones) weaker rules (same name and postcode) are
    tried; when those find none either, the prior is one match among all pairs rather
    than zero, which would link nothing.
    """
    settings = linker._settings_obj
    floor = min(0.5, 2 / (records * (records - 1)))
    for rule_set in (linkage_settings.deterministic_rules(), linkage_settings.deterministic_rules_without_dates()):
        rules: list[str | BlockingRuleCreator] = list(rule_set)
        try:
            linker.training.estimate_probability_two_random_records_match(rules, recall=DETERMINISTIC_RECALL)
        except ValueError:
            # A tiny extract that is mostly duplicates: the rules find more pairs than a
            # 70% recall allows. Take what they find, capped so weights stay finite.
            linker.training.estimate_probability_two_random_records_match(rules, recall=1.0)
            settings._probability_two_random_records_match = min(settings._probability_two_random_records_match, 0.5)
        if settings._probability_two_random_records_match >= floor:
            return
    settings._probability_two_random_records_match = floor


def _estimate_m(linker: Linker, present: set[str]) -> list[str]:
    """Run the EM sessions the data allow until each comparison is trained; return the rules used.

    A session is skipped when its block finds no pairs. When EM drives a level that
    matches never reach to m = 0, Splink refuses the value (it would underflow); the
    session is then retried with fewer iterations, which stops short of that.
    """
    from splink.internals.exceptions import EMTrainingException

    untrained = set(present)
    used = []
    for block in linkage_settings.training_blocks():
        if not block.needs <= present or not (block.trains & untrained):
            continue
        settings = linker._settings_obj  # no public way to change the iteration cap between sessions
        for iterations in (linkage_settings.EM_MAX_ITERATIONS, 3):
            settings.training_settings = replace(settings.training_settings, max_iterations=iterations)
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    block.rule, estimate_without_term_frequencies=True, max_pairs=EM_MAX_PAIRS
                )
            except EMTrainingException:
                break
            except ValueError as exc:
                if "below the minimum allowed value" in str(exc):
                    continue
                raise
            untrained -= block.trains
            used.append(str(block.rule.get_blocking_rule("duckdb").blocking_rule_sql))
            break
        settings.training_settings = replace(
            settings.training_settings, max_iterations=linkage_settings.EM_MAX_ITERATIONS
        )
    return used


def default_model_from(model: dict[str, Any]) -> dict[str, dict[str, list[float | None]]]:
    """m and u per level of a trained model (LinkageRun.model), in settings.default_model's shape.

    m is smoothed towards DEFAULT_M_SMOOTHING so that no level is ruled out just
    because the training data never showed it (synthetic data have no address typos,
    real extracts do); a u never observed in sampling is 1e-6, as Splink takes it.
    Fixed levels (the twins veto) get None: their values live in settings.py.
    """
    defaults = {}
    for comparison in model["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        if not _trained_u(levels[-1]):
            continue  # every sampled pair agreed (one town in the synthetic borough): nothing to learn
        trained = [_trained_m(level) for level in levels]
        free = sum(1 for m in trained if m is not None)
        defaults[comparison["output_column_name"]] = {
            "m": [None if m is None else (m + DEFAULT_M_SMOOTHING) / (1 + free * DEFAULT_M_SMOOTHING) for m in trained],
            "u": [
                None if level.get("fix_u_probability") else _observed(level.get("u_probability")) for level in levels
            ],
        }
    return defaults


def _trained_u(level: dict[str, Any]) -> bool:
    value = level.get("u_probability")
    return isinstance(value, int | float) and value > 0


def _observed(value: object) -> float:
    return float(value) if isinstance(value, int | float) and value > 0 else 1e-6


def _apply_default_model(linker: Linker) -> None:
    """Score a small extract with the packaged model: too few pairs to train m or u on."""
    defaults = linkage_settings.default_model()
    for comparison in linker._settings_obj.comparisons:
        values = defaults.get(comparison.output_column_name)
        levels = [level for level in comparison.comparison_levels if not level.is_null_level]
        if values is None or len(values["m"]) != len(levels):
            continue
        for level, m, u in zip(levels, values["m"], values["u"], strict=True):
            if m is not None and u is not None:
                level.m_probability = m
                level.u_probability = u


def _trained_m(level: dict[str, Any]) -> float | None:
    """A level's trained m; 0 when it was never observed; None when it is fixed in settings.py."""
    if level.get("fix_m_probability"):
        return None
    value = level.get("m_probability")
    return float(value) if isinstance(value, int | float) else 0.0


def columns_with_data(con: duckdb.DuckDBPyConnection, prepared: str) -> set[str]:
    columns = list(linkage_settings.COMPARISON_COLUMNS)
    sources = {"address": "coalesce(address_line_1, postcode)"}
    counts = con.execute(
        f"SELECT {', '.join(f'count({sources.get(c, c)})' for c in columns)} FROM {prepared}"
    ).fetchall()[0]
    return {column for column, count in zip(columns, counts, strict=True) if count}


def write_singletons(con: duckdb.DuckDBPyConnection, prepared: str) -> None:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {CLUSTERS_TABLE} AS "
        f"SELECT unique_id AS {ROW_NUMBER}, unique_id AS cluster_row, CAST(NULL AS DOUBLE) AS match_probability "
        f"FROM {prepared}"
    )


def _write_clusters(con: duckdb.DuckDBPyConnection, clusters: str, predictions: str, threshold: float) -> None:
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {CLUSTERS_TABLE} AS
        WITH membership AS (
            SELECT unique_id, min(unique_id) OVER (PARTITION BY cluster_id) AS cluster_row FROM {clusters}
        ),
        edges AS (
            SELECT unique_id_l AS unique_id, match_probability FROM {predictions} WHERE match_probability >= {threshold}
            UNION ALL
            SELECT unique_id_r, match_probability FROM {predictions} WHERE match_probability >= {threshold}
        ),
        best AS (SELECT unique_id, max(match_probability) AS match_probability FROM edges GROUP BY unique_id)
        SELECT m.unique_id AS {ROW_NUMBER}, m.cluster_row, b.match_probability
        FROM membership AS m LEFT JOIN best AS b USING (unique_id)
        """
    )
