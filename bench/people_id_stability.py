"""Citizen id stability at scale: link, add 1% new records and correct 1%, link again (not run in CI).

    .venv/bin/python bench/people_id_stability.py                      # 100,000 records, throw-away SQLite
    .venv/bin/python bench/people_id_stability.py --records 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/townhall_bench_people .venv/bin/python bench/people_id_stability.py

Records come from townhall.people's synthetic generator (seed 2026) split into the four
demo source systems' extracts (townhall/demo/citizen_index.py's column mappings). The
first load holds back 1% of the rows at random; the second load is the full extracts
with those rows back (new records, mostly of people already known from other sources)
and 1% of the other rows with a corrected phone number. Both loads go through
`load_batch_import` and both runs through `linkage_run`, exactly as in production.
Stability is counted per record: of the records linked by the first run, the share
whose citizen id the second run left unchanged. Precision and recall are pairwise
over records sharing a citizen, against the generator's person ids. On PostgreSQL the
people tables are emptied first.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEED = 2026


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode()


def two_loads(
    files: dict[str, bytes], mappings: dict[str, dict[str, str]], rng: random.Random
) -> tuple[dict[str, bytes], dict[str, bytes], int, int]:
    first, second, held, corrected = {}, {}, 0, 0
    for code, data in files.items():
        header, *rows = list(csv.reader(io.StringIO(data.decode())))
        phone = header.index(mappings[code]["phone"])
        is_held = [rng.random() < 0.01 for _ in rows]
        held += sum(is_held)
        first[code] = _csv(header, [row for row, h in zip(rows, is_held, strict=True) if not h])
        later = []
        for row, h in zip(rows, is_held, strict=True):
            if not h and rng.random() < 0.01:
                row = [*row[:phone], f"07700{rng.randrange(100000, 999999)}", *row[phone + 1 :]]
                corrected += 1
            later.append(row)
        second[code] = _csv(header, later)
    return first, second, held, corrected


def scores(truth: dict[tuple[str, str], int]) -> tuple[float, float, float]:
    from townhall.people.models import SourceRecord

    citizen_of = SourceRecord.objects.filter(deleted_at__isnull=True).values_list(
        "source_system__code", "source_id", "citizen_id"
    )
    by_citizen: dict[int, int] = defaultdict(int)
    by_person: dict[int, int] = defaultdict(int)
    by_both: dict[tuple[int, int], int] = defaultdict(int)
    for code, source_id, citizen in citizen_of:
        person = truth[(code, source_id)]
        by_citizen[citizen] += 1
        by_person[person] += 1
        by_both[(citizen, person)] += 1

    def pairs(counts: dict) -> int:  # type: ignore[type-arg]
        return sum(n * (n - 1) // 2 for n in counts.values())

    predicted, actual, both = pairs(by_citizen), pairs(by_person), pairs(by_both)
    precision = both / predicted if predicted else 1.0
    recall = both / actual if actual else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all CPUs)")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="th-people-bench-")
    os.environ.setdefault("TOWNHALL_VAR_DIR", tmp.name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings.local")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from townhall.demo.citizen_index import DEMO_SOURCE_SYSTEMS
    from townhall.people import selectors, services
    from townhall.people.models import (
        Citizen,
        CitizenEvent,
        GoldenRecord,
        LinkageRun,
        LoadBatch,
        ReviewPair,
        SourceRecord,
        SourceSystem,
    )

    call_command("migrate", verbosity=0)
    for model in (ReviewPair, GoldenRecord, CitizenEvent, SourceRecord, LinkageRun, LoadBatch, SourceSystem):
        model.objects.all().delete()
    Citizen.objects.update(superseded_by=None)
    Citizen.objects.all().delete()
    print(f"database: {connection.vendor}; {args.records:,} records", flush=True)
    mappings = {code: mapping for code, _n, _r, mapping in DEMO_SOURCE_SYSTEMS}
    clock = time.perf_counter()
    extracts = selectors.synthetic_source_extracts(records=args.records, seed=SEED, mappings=mappings)
    first, second, added, corrected = two_loads(extracts.files, mappings, random.Random(SEED))
    print(f"generated extracts in {time.perf_counter() - clock:.0f} s", flush=True)
    sources = {
        code: services.source_system_create(code=code, name=name, trust_rank=rank, column_mapping=mapping)
        for code, name, rank, mapping in DEMO_SOURCE_SYSTEMS
    }

    def load(files: dict[str, bytes], label: str) -> None:
        started = time.perf_counter()
        totals: dict[str, int] = defaultdict(int)
        for code, data in files.items():
            report = services.load_batch_import(source=sources[code], file=io.BytesIO(data), file_name=f"{label}.csv")
            if not report.ok:
                sys.exit(f"{code} refused: {report.lines()[:3]}")
            for name in ("new", "changed", "deleted", "unchanged"):
                totals[name] += getattr(report.batch, name)
        counts = ", ".join(f"{n:,} {name}" for name, n in totals.items())
        print(f"{label}: {time.perf_counter() - started:.1f} s ({counts})", flush=True)

    def link(label: str) -> LinkageRun:
        started, cpu = time.perf_counter(), time.process_time()
        run = services.linkage_run(threads=args.threads)
        precision, recall, f1 = scores(extracts.truth)
        stages = ", ".join(f"{name} {seconds:.1f}" for name, seconds in run.timings.items())
        print(
            f"{label}: {time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.0f} CPU s) for "
            f"{run.records:,} records -> {run.clusters:,} citizens; created {run.citizens_created:,}, "
            f"merged {run.citizens_merged:,}, split {run.citizens_split:,}, retired {run.citizens_retired:,}; "
            f"{run.review_pairs:,} review pairs; precision {precision:.4f}, recall {recall:.4f}, F1 {f1:.4f}\n"
            f"  stages (s): {stages}",
            flush=True,
        )
        return run

    load(first, "import 1 (99% of records)")
    link("link 1")
    before = dict(SourceRecord.objects.filter(deleted_at__isnull=True).values_list("pk", "citizen_id"))
    load(second, f"import 2 (+{added:,} new, {corrected:,} corrected)")
    run = link("link 2")
    after = dict(SourceRecord.objects.filter(deleted_at__isnull=True).values_list("pk", "citizen_id"))
    kept = sum(1 for record, citizen in before.items() if after.get(record) == citizen)
    print(
        f"\nid stability: {kept:,} of {len(before):,} previously linked records kept their citizen id "
        f"= {kept / len(before):.4%} (run's own count {run.id_stability:.4%}); "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    tmp.cleanup()


if __name__ == "__main__":
    main()
