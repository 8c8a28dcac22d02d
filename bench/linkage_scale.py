"""Deduplicate synthetic residents at 10k, 100k and 1M records with `townhall people link-csv` (not run in CI).

    .venv/bin/python bench/linkage_scale.py                     # 10k, 100k, 1M
    .venv/bin/python bench/linkage_scale.py --sizes 10000 100000
    .venv/bin/python bench/linkage_scale.py --with-5m           # adds 5,000,000 (slow to generate)
    .venv/bin/python bench/linkage_scale.py --write-default-model townhall/people/linkage/data/default_model.json

Records come from townhall.people.synthetic (households sharing surname and address,
twins, nicknames, typos, swapped day/month, missing dates of birth, movers whose old
address lingers in some systems), seed 2026, written to a CSV in link-csv's format.
Each size runs the real command in a fresh subprocess that reports the wall time of
the linkage (loading the CSV to writing the output) and its own peak RSS
(getrusage). Generation is not timed. Precision and recall are pairwise over records
sharing a cluster, against the generator's person ids.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 2026
HEADER = (
    "record_id", "source_system", "given_name", "surname", "date_of_birth", "address_line_1", "address_line_2",
    "town", "postcode", "email", "phone",
)  # fmt: skip


def write_dataset(records: int, directory: Path) -> tuple[Path, Path]:
    from townhall.people.synthetic import synthetic_records

    input_csv, truth_csv = directory / f"people-{records}.csv", directory / f"truth-{records}.csv"
    rows = synthetic_records(records=records, seed=SEED)
    with input_csv.open("w", newline="") as people, truth_csv.open("w", newline="") as truth:
        writer = csv.writer(people)
        writer.writerow(HEADER)
        truth_writer = csv.writer(truth)
        truth_writer.writerow(("record_id", "person_id"))
        for row in rows:
            values = row.as_row()
            writer.writerow([values[name] for name in HEADER])
            truth_writer.writerow((row.record_id, row.person_id))
    return input_csv, truth_csv


def worker(input_csv: Path, out_csv: Path) -> dict[str, float]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    started, cpu_started = time.perf_counter(), time.process_time()
    call_command("people", "link-csv", str(input_csv), "--out", str(out_csv), "--progress", "never")
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def write_default_model(path: Path) -> None:
    """Train by EM (no labels used) on 100,000 synthetic records and save m and u."""
    from townhall.people.linkage import csv_io, pipeline

    with tempfile.TemporaryDirectory(prefix="th-default-m-") as tmp:
        input_csv, _ = write_dataset(100_000, Path(tmp))
        con = pipeline.connect()
        csv_io.load_csv(con, input_csv)
        run = pipeline.link_records(con, csv_io.INPUT_TABLE)
    values = pipeline.default_model_from(run.model)
    source = (
        "m (by EM, no labels; smoothed) and u (by random sampling) trained on 100,000 synthetic "
        f"records from townhall.people.synthetic, seed {SEED}, by bench/linkage_scale.py "
        "--write-default-model. m starts every EM run; m and u are the model for extracts too small to train on."
    )
    path.write_text(json.dumps({"_source": source, **values}, indent=1) + "\n")
    print(f"wrote {path}: {', '.join(values)}")


def pairwise_scores(out_csv: Path, truth_csv: Path) -> dict[str, float]:
    """Pairs of records sharing a cluster vs pairs sharing a person, counted by group sizes."""
    import pandas as pd

    clusters = pd.read_csv(out_csv, dtype=str, usecols=["record_id", "cluster_id"])
    truth = pd.read_csv(truth_csv, dtype=str)
    merged = clusters.merge(truth, on="record_id", validate="one_to_one")

    def pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    predicted = pairs(merged.groupby("cluster_id").size())
    true = pairs(merged.groupby("person_id").size())
    both = pairs(merged.groupby(["cluster_id", "person_id"]).size())
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "clusters": int(merged["cluster_id"].nunique()),
        "people": int(merged["person_id"].nunique()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--with-5m", action="store_true", help="add 5,000,000 records")
    parser.add_argument("--keep", type=Path, help="write datasets and outputs here (reused if present)")
    parser.add_argument(
        "--write-default-model",
        type=Path,
        metavar="JSON",
        help="train on 100,000 synthetic records (EM, no labels) and write m and u as the packaged default model",
    )
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_default_model:
        write_default_model(args.write_default_model)
        return
    if args.worker:
        print(json.dumps(worker(Path(args.worker[0]), Path(args.worker[1]))))
        return
    sizes = [*args.sizes, *([5_000_000] if args.with_5m else [])]
    with tempfile.TemporaryDirectory(prefix="th-linkage-scale-") as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        results = []
        for size in sizes:
            input_csv, truth_csv = directory / f"people-{size}.csv", directory / f"truth-{size}.csv"
            if not (input_csv.exists() and truth_csv.exists()):
                started = time.perf_counter()
                write_dataset(size, directory)
                print(f"generated {size:,} records in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            out_csv = directory / f"clusters-{size}.csv"
            completed = subprocess.run(  # noqa: S603 - this script, fixed arguments
                [sys.executable, __file__, "--worker", str(input_csv), str(out_csv)],
                capture_output=True, text=True, cwd=ROOT, check=False,
            )  # fmt: skip
            if completed.returncode:
                sys.exit(f"link-csv failed at {size:,} records:\n{completed.stderr[-3000:]}")
            measured = json.loads(completed.stdout.strip().splitlines()[-1])
            results.append({"records": size, **measured, **pairwise_scores(out_csv, truth_csv)})
            r = results[-1]
            print(
                f"{size:>9,} records: {r['seconds']:6.1f} s ({r['cpu_seconds']:.0f} CPU s), "
                f"peak {r['peak_rss_mib']:6.0f} MiB, "
                f"precision {r['precision']:.4f}, recall {r['recall']:.4f}, F1 {r['f1']:.4f}, "
                f"{r['clusters']:,} clusters for {r['people']:,} people",
                flush=True,
            )
    print(
        "\n| records | seconds | CPU seconds | peak RSS MiB | precision | recall | F1 |\n|---|---|---|---|---|---|---|"
    )
    for r in results:
        print(
            f"| {r['records']:,} | {r['seconds']:.1f} | {r['cpu_seconds']:.0f} | {r['peak_rss_mib']:.0f} | "
            f"{r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} |"
        )


if __name__ == "__main__":
    main()
