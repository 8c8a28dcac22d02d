"""The open data datastore: loading a 10,000,000-row resource, then datastore_search with an indexed filter (not in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/th_datastore_bench .venv/bin/python bench/opendata_datastore.py
    DATABASE_URL=... .venv/bin/python bench/opendata_datastore.py --rows 100000 --iterations 100   # smaller
    DATABASE_URL=... .venv/bin/python bench/opendata_datastore.py --reuse                          # keep the table

The script writes a CSV of `--rows` payments (payment_id unique, account with about 100 rows
each, ward, category, amount, date) to a temporary file, loads it into a resource's datastore
table through `services.datastore.datastore_load_stream` (COPY in batches of 100,000 rows on
PostgreSQL, executemany on SQLite; then the unique index on the primary key and an index on
`account`, and ANALYZE) and reports the load time. It then asks
`/api/3/action/datastore_search?resource_id=…&filters={"account": …}` of the CKAN API view
(called directly with a RequestFactory request: the action's parsing, query, JSON and
`_links`, without middleware) `--iterations` times, a different account each time (total
included, as CKAN's default), and reports p50/p95. PostgreSQL is the target; SQLite works for small runs.
Goal (issue 6): p95 < 50 ms on 10,000,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATASET = "bench-datastore-payments"
ACCOUNT_ROWS = 100  # rows per account on average
WARDS = [f"E0500{number:04d}" for number in range(1, 21)]
CATEGORIES = ["Highways", "Waste", "Parks", "Housing", "Libraries", "Leisure", "ICT", "Care"]
SCHEMA = {
    "fields": [
        {"name": "payment_id", "type": "integer", "title": "Payment"},
        {"name": "account", "type": "string", "title": "Account"},
        {"name": "ward_code", "type": "string"},
        {"name": "category", "type": "string"},
        {"name": "amount", "type": "number", "description": "Pounds"},
        {"name": "paid_on", "type": "date"},
    ],
    "primaryKey": ["payment_id"],
}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _accounts(rows: int) -> int:
    return max(1, rows // ACCOUNT_ROWS)


def write_csv(path: Path, rows: int, *, seed: int) -> None:
    rng = random.Random(seed)
    accounts = _accounts(rows)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([field["name"] for field in SCHEMA["fields"]])
        for number in range(1, rows + 1):
            writer.writerow(
                [
                    number,
                    f"ACC{rng.randrange(accounts):07d}",
                    WARDS[number % len(WARDS)],
                    CATEGORIES[rng.randrange(len(CATEGORIES))],
                    f"{rng.uniform(1, 50000):.2f}",
                    f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}",
                ]
            )


def bench_resource() -> Any:
    """The bench dataset's one resource (a link: its table is loaded by this script, not from a file)."""
    from townhall.opendata import selectors, services
    from townhall.opendata.models import Dataset, Publisher
    from townhall.opendata.services import DatasetFields, ResourceFields

    dataset = Dataset.objects.filter(name=DATASET).first()
    if dataset is None:
        publisher = Publisher.objects.filter(name="bench").first() or services.publisher_create(
            acting_user=None, name="bench", title="Bench"
        )
        licence = selectors.licence_default()
        assert licence is not None  # noqa: S101 - ensured after migrate
        dataset = services.dataset_create(
            acting_user=None,
            fields=DatasetFields(
                name=DATASET,
                title="Bench payments",
                publisher=publisher,
                licence=licence,
                resources=[ResourceFields(name="Payments", url="https://bench.example/payments.csv", format="CSV")],
            ),
        )
    return dataset.resources.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows to load (default 10,000,000)")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded table if it has --rows rows")
    parser.add_argument("--iterations", type=int, default=300, help="datastore_search calls to time")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import RequestFactory

    from townhall.opendata import ckan_api
    from townhall.opendata.models import DatastoreTable, DatastoreTableState
    from townhall.opendata.services import datastore

    call_command("migrate", verbosity=0)
    resource = bench_resource()
    table = DatastoreTable.objects.filter(resource=resource).first()
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    if not (
        args.reuse and table is not None and table.state == DatastoreTableState.ACTIVE and table.row_count == args.rows
    ):
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "payments.csv"
            started = time.perf_counter()
            write_csv(path, args.rows, seed=args.seed)
            size = path.stat().st_size / 2**20
            print(f"wrote {args.rows:,} rows of CSV ({size:,.0f} MiB) in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            with path.open("rb") as stream:
                table = datastore.datastore_load_stream(
                    resource=resource, stream=stream, table_schema=SCHEMA, indexes=[["account"]]
                )
            seconds = time.perf_counter() - started
        if table.state != DatastoreTableState.ACTIVE:
            raise SystemExit(f"load failed: {table.error}")
        print(
            f"loaded {table.row_count:,} rows in {seconds:.1f} s ({table.row_count / seconds:,.0f} rows/s), "
            "indexes and ANALYZE included"
        )
    assert table is not None  # noqa: S101 - loaded above or reused
    print(
        f"table {table.table_name}: {table.row_count:,} rows, primary key {table.primary_key}, indexes {table.indexes}"
    )

    requests = RequestFactory(HTTP_HOST="localhost")
    rng = random.Random(args.seed)
    accounts = _accounts(args.rows)

    def ask() -> tuple[float, dict[str, Any]]:
        filters = json.dumps({"account": f"ACC{rng.randrange(accounts):07d}"})
        started = time.perf_counter()
        request = requests.get(
            "/api/3/action/datastore_search", {"resource_id": str(resource.pk), "filters": filters, "limit": 100}
        )
        response = ckan_api.action(request, name="datastore_search")
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"datastore_search answered {response.status_code}: {response.content[:300]!r}")
        return elapsed, json.loads(response.content)["result"]

    for _ in range(10):
        ask()  # warm-up: connection, caches
    timings = []
    matched = []
    for _ in range(args.iterations):
        elapsed, result = ask()
        timings.append(elapsed)
        matched.append(result["total"])
    p95 = _percentile(timings, 0.95)
    print(
        f"datastore_search, filter on the indexed `account` (mean {statistics.mean(matched):.0f} rows matched, "
        f"total counted): {len(timings)} calls, p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms "
        f"(goal < 50 ms: {'met' if p95 < 50 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
