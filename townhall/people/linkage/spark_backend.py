# ruff: noqa: S608 - SQL here is built from this package's own table and column names; no
# value read from an input file is ever written into SQL text.
"""The Citizen Index linkage model on Splink's Spark backend, for extracts beyond one machine.

Same model as pipeline.link_records: records are prepared by the same DuckDB SQL
(prepare.py), the same comparisons, blocking rules, prior, EM sessions and threshold
come from settings.py and pipeline.py, and the result lands in the same DuckDB table
(pipeline.CLUSTERS_TABLE), so `link-csv` writes its output the same way. Only pair
generation, training, scoring and clustering, the parts that grow with the number of
candidate pairs, run in Spark. Prepared records go to Spark, and clusters come back,
as Parquet files in a staging directory both sides can read.

pyspark is an optional dependency (the `spark` extra), imported only when a session
starts; without it (or without Java) spark_session raises SparkUnavailableError saying
what to install. How to run it on a cluster is in docs/people-spark.md.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import sqlglot
from splink import Linker, SettingsCreator
from splink.internals.comparison_level_library import CustomLevel
from sqlglot import expressions as exp

from townhall.people.linkage import pipeline
from townhall.people.linkage import settings as linkage_settings
from townhall.people.linkage.columns import ROW_NUMBER
from townhall.people.linkage.prepare import prepare_records

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

INSTALL_HINT = (
    "The Spark backend needs pyspark and Java 17 or 21: `pip install 'townhall[spark]'` "
    "(or `pip install pyspark==4.0.1`) and `apt-get install openjdk-17-jre-headless`."
)
# Small enough for a laptop or CI; a cluster sets its own (docs/people-spark.md).
DEFAULT_DRIVER_MEMORY = "1g"
DEFAULT_SHUFFLE_PARTITIONS = 8


class SparkUnavailableError(RuntimeError):
    """pyspark or a Java runtime is missing, or the environment asks for Spark Connect."""


def spark_available() -> str | None:
    """None when a Spark session can be started here, otherwise why not."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return f"pyspark is not installed. {INSTALL_HINT}"
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and Path(java_home, "bin", "java").exists()):
        return f"no Java runtime found (java is not on PATH and JAVA_HOME is unset). {INSTALL_HINT}"
    if os.environ.get("SPARK_REMOTE"):
        return (
            "SPARK_REMOTE is set, but Spark Connect sessions are not supported: Splink's Spark backend "
            "checkpoints through the classic session's SparkContext. Unset SPARK_REMOTE and give a master "
            "URL (SPARK_MASTER or --spark-master) instead; see docs/people-spark.md."
        )
    return None


@dataclass(frozen=True)
class SparkOptions:
    """Where Spark runs and how much it may use.

    master: a Spark master URL (`local[2]`, `spark://host:7077`, `yarn`, `k8s://...`);
    None takes SPARK_MASTER from the environment, else `local[*]`.
    staging_dir: where prepared records and clusters are exchanged as Parquet; on a
    cluster it must be a path the driver and every executor see (a shared mount).
    None uses a temporary directory, removed afterwards.
    """

    master: str | None = None
    driver_memory: str = DEFAULT_DRIVER_MEMORY
    shuffle_partitions: int = DEFAULT_SHUFFLE_PARTITIONS
    staging_dir: Path | None = None
    conf: dict[str, str] = field(default_factory=dict)  # any other Spark setting, e.g. spark.executor.memory


@contextmanager
def spark_session(options: SparkOptions | None = None) -> Iterator[SparkSession]:
    """A Spark session with Splink's similarity functions (jaro_winkler) loaded; stopped on exit."""
    problem = spark_available()
    if problem:
        raise SparkUnavailableError(problem)
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    options = options or SparkOptions()
    builder = (
        SparkSession.builder.appName("townhall-people-linkage")
        .master(options.master or os.environ.get("SPARK_MASTER") or "local[*]")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", options.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    builder = builder.config("spark.sql.shuffle.partitions", str(options.shuffle_partitions))
    for key, value in options.conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    _silence_codegen_fallback(session)
    try:
        yield session
    finally:
        session.stop()


def _silence_codegen_fallback(session: SparkSession) -> None:
    """Drop Spark's page-long ERROR for the scoring query's generated code.

    With this many comparison levels the generated Java method passes the JVM's 64 KB
    limit; Spark then evaluates that query without code generation (its default
    spark.sql.codegen.fallback), which is expected here and not an error.
    """
    jvm = session.sparkContext._jvm
    if jvm is None:
        return
    log4j = jvm.org.apache.logging.log4j
    log4j.core.config.Configurator.setLevel(
        "org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator", log4j.Level.OFF
    )


def to_spark_sql(condition: str) -> str:
    """A comparison level's DuckDB SQL condition in Spark SQL.

    settings.py writes its custom levels for DuckDB. Two of its functions have other
    names in Spark: list_has_any is arrays_overlap, and jaro_winkler_similarity is
    jaro_winkler from the jar Splink ships (another implementation of the same measure;
    how closely the two backends agree is measured in docs/people-spark.md).
    """

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.ArrayOverlaps):
            return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
        if isinstance(node, exp.JarowinklerSimilarity):
            return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
        return node

    return sqlglot.parse_one(condition, read="duckdb").transform(rename).sql(dialect="spark")


def spark_settings(present: set[str] | None = None) -> SettingsCreator:
    """settings.settings_creator with every custom level's SQL written for Spark."""
    creator = linkage_settings.settings_creator(present)
    for comparison in creator.comparisons:
        for level in comparison.create_comparison_levels():  # type: ignore[union-attr]
            if isinstance(level, CustomLevel):
                level.sql_condition = to_spark_sql(level.sql_condition)
    return creator


def link_records_spark(
    con: duckdb.DuckDBPyConnection,
    input_table: str,
    *,
    spark: SparkSession,
    threshold: float = pipeline.DEFAULT_THRESHOLD,
    staging_dir: Path | None = None,
    progress: pipeline.ProgressCallback | None = None,
) -> pipeline.LinkageRun:
    """pipeline.link_records with Splink running on `spark`; fills pipeline.CLUSTERS_TABLE in `con`.

    Clerical review scoring (link_records' review_from) is not offered here: the
    Citizen Index's own runs stay on DuckDB; this path is for bulk deduplication.
    """
    step = progress or (lambda _stage: None)
    records = con.execute(f"SELECT count(*) FROM {input_table}").fetchall()[0][0]
    run = pipeline.LinkageRun(records=records, threshold=threshold)
    prepared = prepare_records(con, input_table)
    step("prepare")
    if records < pipeline.MINIMUM_RECORDS:
        pipeline.write_singletons(con, prepared)
        return run

    with _staging(staging_dir) as staging:
        # Splink's Spark backend writes intermediate tables under the checkpoint directory.
        spark.sparkContext.setCheckpointDir(str(staging / "checkpoints"))
        prepared_path = staging / "prepared"
        con.execute(f"COPY {prepared} TO {_sql_string(prepared_path)} (FORMAT parquet, PER_THREAD_OUTPUT true)")
        present = pipeline.columns_with_data(con, prepared)
        linker = _linker(spark, spark.read.parquet(str(prepared_path)), present)
        run.trained = pipeline.train(linker, records, present, step)
        predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
        run.pairs_scored = spark.sql(
            f"SELECT count(*) AS n FROM {predictions.physical_name} WHERE match_probability >= {threshold}"
        ).collect()[0]["n"]
        step("score pairs")
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
        clusters_path = staging / "clusters"
        _clusters_frame(spark, clusters.physical_name, predictions.physical_name, threshold).write.parquet(
            str(clusters_path)
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {pipeline.CLUSTERS_TABLE} AS "
            f"SELECT CAST({ROW_NUMBER} AS BIGINT) AS {ROW_NUMBER}, CAST(cluster_row AS BIGINT) AS cluster_row, "
            f"CAST(match_probability AS DOUBLE) AS match_probability "
            f"FROM read_parquet({_sql_string(clusters_path / '*.parquet')})"
        )
        counted = con.execute(f"SELECT count(DISTINCT cluster_row) FROM {pipeline.CLUSTERS_TABLE}").fetchall()
        run.clusters = counted[0][0]
        run.model = linker.misc.save_model_to_json()
        step("cluster")
    return run


def _linker(spark: SparkSession, records: object, present: set[str]) -> Linker:
    from splink.backends.spark import SparkAPI

    pipeline.quiet_splink()
    # Splink transpiles every statement for Spark; sqlglot reports long conditions it
    # leaves unnormalised at INFO, which would interleave with the progress bar.
    logging.getLogger("sqlglot").setLevel(logging.WARNING)
    # py4j logs each gateway connection it closes at INFO, even after logging has shut down at exit.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    # Splink's default: each intermediate table written as Parquet under the checkpoint
    # directory. (Its "persist" keeps every table's lineage, and the plans of the
    # clustering loop then outgrow a 1 GiB driver.)
    db_api = SparkAPI(spark_session=spark, break_lineage_method="parquet")
    return Linker(db_api.register(records), spark_settings(present), log_level=None)


def _clusters_frame(spark: SparkSession, clusters: str, predictions: str, threshold: float) -> DataFrame:
    """pipeline._write_clusters in Spark SQL: cluster row = smallest row in it, best linking probability."""
    return spark.sql(
        f"""
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
        FROM membership AS m LEFT JOIN best AS b ON b.unique_id = m.unique_id
        """
    )


def _sql_string(path: Path) -> str:
    """A path as a DuckDB string literal (the staging directory may come from the command line)."""
    return "'" + str(path).replace("'", "''") + "'"


@contextmanager
def _staging(staging_dir: Path | None) -> Iterator[Path]:
    """A fresh directory under staging_dir (or a temporary one), removed afterwards."""
    if staging_dir is not None:
        staging_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="townhall-spark-", dir=staging_dir) as path:
        yield Path(path)
