"""`townhall people link-csv`: deduplicate a standalone CSV of person records.

    townhall people link-csv INPUT.csv --out OUTPUT.csv [--threshold 0.99]

Output: `record_id,cluster_id,match_probability`, one row per input record in input
order. cluster_id is the record_id of the cluster's first record in the input; a
record alone is its own cluster with an empty probability. The same pipeline
(townhall.people.linkage) will serve the Citizen Index.
"""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from townhall.people.linkage import csv_io, pipeline

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


class Command(BaseCommand):
    help = "Citizen Index tools. `people link-csv` deduplicates a CSV of person records with Splink."

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

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "link-csv":
            self._link_csv(
                options["input"], options["out"], threshold=options["threshold"], progress=options["progress"]
            )

    def _link_csv(self, input_path: Path, out: Path, *, threshold: float, progress: str) -> None:
        from tqdm import tqdm

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

                run = pipeline.link_records(con, csv_io.INPUT_TABLE, threshold=threshold, progress=advance)
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
