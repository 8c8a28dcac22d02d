"""`townhall people`: the Citizen Index from the command line.

    townhall people link-csv INPUT.csv --out OUTPUT.csv [--threshold 0.99] [--backend spark]
    townhall people source-add CODE --name NAME --trust-rank N --mapping JSON
    townhall people import SOURCE FILE.csv [--mapping JSON] [--delta]
    townhall people link [--threshold 0.99] [--review-from 0.5]

link-csv output: `record_id,cluster_id,match_probability`, one row per input record in
input order. cluster_id is the record_id of the cluster's first record in the input; a
record alone is its own cluster with an empty probability. `--backend spark` runs the
same model on Splink's Spark backend (docs/people-spark.md). `import` and `link` work
on the database-backed index through townhall.people.services.
"""

from __future__ import annotations

import json
import sys
import time
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from townhall.people import services
from townhall.people.constants import ImportMode
from townhall.people.linkage import csv_io, pipeline, spark_backend
from townhall.people.models import SourceSystem

# Runs shorter than this many records finish in seconds; no progress bar for them.
PROGRESS_FROM_RECORDS = 50_000


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise ArgumentTypeError(f"{text} is not a probability strictly between 0 and 1")
    return value


def _mapping(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArgumentTypeError(f"the mapping is not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ArgumentTypeError('the mapping must be a JSON object such as {"source_id": "Ref", "surname": "Name"}')
    return value


def _spark_setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip().startswith("spark."):
        raise ArgumentTypeError(f"{text!r} is not a Spark setting KEY=VALUE such as spark.executor.memory=8g")
    return key.strip(), value.strip()


class Command(BaseCommand):
    help = "Citizen Index tools: link-csv (standalone CSV), source-add, import and link (the database index)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        link = subcommands.add_parser(
            "link-csv",
            help="cluster the records of one CSV into people; write record_id,cluster_id,match_probability",
        )
        link.add_argument("input", type=Path, metavar="INPUT.csv", help="records with a record_id column")
        link.add_argument("--out", type=Path, required=True, metavar="OUTPUT.csv", help="where to write clusters")
        link.add_argument(
            "--threshold",
            type=_probability,
            default=pipeline.DEFAULT_THRESHOLD,
            help=f"link pairs scored at or above this match probability (default {pipeline.DEFAULT_THRESHOLD})",
        )
        link.add_argument(
            "--progress",
            choices=("auto", "always", "never"),
            default="auto",
            help=f"progress bar on stderr: auto shows it from {PROGRESS_FROM_RECORDS:,} records",
        )
        link.add_argument(
            "--backend",
            choices=("duckdb", "spark"),
            default="duckdb",
            help="where Splink runs: duckdb (default) or spark, for tens of millions of records (needs pyspark)",
        )
        link.add_argument(
            "--spark-master",
            metavar="URL",
            help="Spark master URL, e.g. spark://host:7077 (default: $SPARK_MASTER, else local[*])",
        )
        link.add_argument(
            "--spark-driver-memory",
            default=spark_backend.DEFAULT_DRIVER_MEMORY,
            metavar="SIZE",
            help=f"Spark driver memory, e.g. 4g (default {spark_backend.DEFAULT_DRIVER_MEMORY})",
        )
        link.add_argument(
            "--spark-conf",
            type=_spark_setting,
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="any other Spark setting, as spark-submit's --conf (repeatable), e.g. spark.executor.memory=8g",
        )
        link.add_argument(
            "--spark-staging-dir",
            type=Path,
            metavar="DIR",
            help="where records and clusters are exchanged with Spark as Parquet; on a cluster a shared path "
            "(default: a temporary directory)",
        )

        source = subcommands.add_parser("source-add", help="register a source system and its column mapping")
        source.add_argument("code", help="short code, e.g. council_tax")
        source.add_argument("--name", required=True)
        source.add_argument("--trust-rank", type=int, required=True, help="1 = most trusted (golden record)")
        source.add_argument("--mapping", type=_mapping, required=True, help="JSON {field: column header}")
        load = subcommands.add_parser("import", help="load a source extract (full by default: absent = deleted)")
        load.add_argument("source", help="source system code")
        load.add_argument("file", type=Path, metavar="FILE.csv")
        load.add_argument("--mapping", type=_mapping, help="JSON {field: column header} for this file only")
        load.add_argument("--delta", action="store_true", help="new and changed records only; no deletions implied")
        link_index = subcommands.add_parser("link", help="link all active source records into citizens")
        link_index.add_argument("--threshold", type=_probability, default=pipeline.DEFAULT_THRESHOLD)
        link_index.add_argument(
            "--review-from",
            type=_probability,
            default=services.DEFAULT_REVIEW_FROM,
            help="pairs from this probability up to the threshold go to clerical review",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        match options["subcommand"]:
            case "link-csv":
                spark_options = None
                if options["backend"] == "spark":
                    spark_options = spark_backend.SparkOptions(
                        master=options["spark_master"],
                        driver_memory=options["spark_driver_memory"],
                        staging_dir=options["spark_staging_dir"],
                        conf=dict(options["spark_conf"]),
                    )
                self._link_csv(
                    options["input"],
                    options["out"],
                    threshold=options["threshold"],
                    progress=options["progress"],
                    spark_options=spark_options,
                )
            case "source-add":
                try:
                    source = services.source_system_create(
                        code=options["code"],
                        name=options["name"],
                        trust_rank=options["trust_rank"],
                        column_mapping=options["mapping"],
                    )
                except ValidationError as exc:
                    raise CommandError("; ".join(exc.messages)) from None
                self.stdout.write(f"Added source {source.code} (trust rank {source.trust_rank}).")
            case "import":
                self._import(options["source"], options["file"], options["mapping"], delta=options["delta"])
            case "link":
                self._link(options["threshold"], options["review_from"])

    def _import(self, code: str, path: Path, mapping: dict[str, str] | None, *, delta: bool) -> None:
        source = SourceSystem.objects.filter(code=code).first()
        if source is None:
            raise CommandError(f"There is no source system {code!r}; add it with `townhall people source-add`.")
        if not path.is_file():
            raise CommandError(f"cannot read {path}: no such file")
        report = services.load_batch_import(
            source=source, file=path, mapping=mapping, mode=ImportMode.DELTA if delta else ImportMode.FULL
        )
        batch = report.batch
        if not report.ok:
            raise CommandError(
                f"{path.name} was not loaded ({batch.error_count:,} errors; nothing stored):\n"
                + "\n".join(report.lines())
            )
        self.stdout.write(
            f"Loaded {path.name} into {code}: {batch.new:,} new, {batch.changed:,} changed, "
            f"{batch.deleted:,} deleted, {batch.unchanged:,} unchanged (batch {batch.pk})."
        )

    def _link(self, threshold: float, review_from: float) -> None:
        if review_from > threshold:
            raise CommandError("--review-from must not be above --threshold")
        try:
            run = services.linkage_run(threshold=threshold, review_from=review_from)
        except services.LinkageConflictError as exc:
            raise CommandError(str(exc)) from None
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            f"Linked {run.records:,} records into {run.clusters:,} citizens in {seconds:.1f} s (run {run.pk}): "
            f"{run.citizens_created:,} created, {run.citizens_merged:,} merged, {run.citizens_split:,} split, "
            f"{run.citizens_retired:,} retired; {run.id_stability:.2%} of previously linked records kept their id; "
            f"{run.review_pairs:,} pairs for review."
        )
        snapshots = services.data_quality_measure(run=run)
        self.stdout.write(
            f"Data quality measured for {len(snapshots)} sources: "
            f"{sum(s.issues_open for s in snapshots):,} open issues."
        )

    def _link_csv(
        self,
        input_path: Path,
        out: Path,
        *,
        threshold: float,
        progress: str,
        spark_options: spark_backend.SparkOptions | None = None,
    ) -> None:
        from tqdm import tqdm

        if spark_options is not None and (problem := spark_backend.spark_available()):
            raise CommandError(f"--backend spark cannot run here: {problem}")
        started = time.perf_counter()
        con = pipeline.connect()
        try:
            csv_io.check_output_path(out)
            records = csv_io.load_csv(con, input_path)
            show = progress == "always" or (progress == "auto" and records >= PROGRESS_FROM_RECORDS)
            with tqdm(
                total=len(pipeline.STAGES) + 1, desc="link-csv", unit="stage", file=sys.stderr, disable=not show
            ) as bar:

                def advance(stage: str) -> None:
                    bar.set_postfix_str(stage)
                    bar.update(1)

                if spark_options is None:
                    run = pipeline.link_records(con, csv_io.INPUT_TABLE, threshold=threshold, progress=advance)
                else:
                    with spark_backend.spark_session(spark_options) as session:
                        run = spark_backend.link_records_spark(
                            con,
                            csv_io.INPUT_TABLE,
                            spark=session,
                            threshold=threshold,
                            staging_dir=spark_options.staging_dir,
                            progress=advance,
                        )
                csv_io.write_clusters_csv(con, pipeline.CLUSTERS_TABLE, out)
                advance("write")
        except csv_io.LinkageInputError as exc:
            raise CommandError(str(exc)) from None
        finally:
            con.close()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Linked {run.records:,} records into {run.clusters or run.records:,} clusters "
            f"({run.pairs_scored:,} pairs at or above {threshold}) in {seconds:.1f} s; wrote {out}"
        )
