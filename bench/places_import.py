"""Time the gazetteer importers on a generated AddressBase-style extract (not run in CI).

    .venv/bin/python bench/places_import.py                 # 150,000 rows into a throw-away SQLite database
    .venv/bin/python bench/places_import.py --rows 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/townhall_bench .venv/bin/python bench/places_import.py

The same files are imported into SQLite and, when DATABASE_URL is set, into that
PostgreSQL database too, whose wards, streets and addresses are deleted first. Each
database sees three runs: a first import (every row created), the same file again
(every row unchanged) and a file in which one row in ten has moved (updated). "cpu s"
is this process's CPU time: on a busy machine it shows how much of the wall time was
the importer's own work rather than waiting (for the database or for a CPU).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# A 16 km square of 16 wards north of the Tees, in British National Grid metres.
ORIGIN_E, ORIGIN_N, WARD_SIZE, WARDS_PER_SIDE = 440_000, 510_000, 4_000, 4
ADDRESSES_PER_STREET = 40
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
STREET_NAMES = ("Mill", "Station", "Church", "High", "Park")
STREET_TYPES = ("Road", "Street", "Lane", "Close")


def _wards_geojson(path: Path) -> None:
    features = []
    for i in range(WARDS_PER_SIDE):
        for j in range(WARDS_PER_SIDE):
            e, n = ORIGIN_E + i * WARD_SIZE, ORIGIN_N + j * WARD_SIZE
            ring = [[e, n], [e + WARD_SIZE, n], [e + WARD_SIZE, n + WARD_SIZE], [e, n + WARD_SIZE], [e, n]]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"WD24CD": f"E0509{i * WARDS_PER_SIDE + j:04d}", "WD24NM": f"Ward {i}-{j}"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    document = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": features,
    }
    path.write_text(json.dumps(document))


def _addresses_csv(path: Path, rows: int, *, seed: int, moved_every: int = 0) -> None:
    rng = random.Random(seed)
    span = WARD_SIZE * WARDS_PER_SIDE
    header = [
        "UPRN",
        "USRN",
        "SAO_TEXT",
        "PAO_START_NUMBER",
        "PAO_START_SUFFIX",
        "PAO_TEXT",
        "STREET_DESCRIPTION",
        "LOCALITY",
        "TOWN_NAME",
        "POSTCODE_LOCATOR",
        "X_COORDINATE",
        "Y_COORDINATE",
    ]
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        street_e = street_n = 0.0
        for row in range(rows):
            street = row // ADDRESSES_PER_STREET
            if row % ADDRESSES_PER_STREET == 0:
                street_e = ORIGIN_E + rng.uniform(100, span - 100)
                street_n = ORIGIN_N + rng.uniform(100, span - 100)
            number = row % ADDRESSES_PER_STREET + 1
            east = street_e + rng.uniform(-80, 80) + (5 if moved_every and row % moved_every == 0 else 0)
            north = street_n + rng.uniform(-80, 80)
            postcode = (
                f"TS{street % 90 + 1} {street % 9 + 1}{_INWARD_LETTERS[street % 20]}{_INWARD_LETTERS[number % 20]}"
            )
            writer.writerow(
                [
                    100_000_000 + row,
                    20_000_000 + street,
                    "Flat 1" if number % 10 == 0 else "",
                    number,
                    "A" if number % 17 == 0 else "",
                    "The Old Vicarage" if number % 23 == 0 else "",
                    f"{STREET_NAMES[street % len(STREET_NAMES)]} {STREET_TYPES[street % len(STREET_TYPES)]} {street}",
                    "",
                    "Demoton",
                    postcode,
                    f"{east:.2f}",
                    f"{north:.2f}",
                ]
            )


def _worker(args: argparse.Namespace) -> None:
    """Run in a child process per database: settings can only be chosen once per process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings.local")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from townhall.places import importers, services
    from townhall.places.models import Address, Street, Ward

    call_command("migrate", verbosity=0)
    Address.objects.all().delete()
    Street.objects.all().delete()
    Ward.objects.all().delete()
    workdir = Path(args.workdir)
    services.wards_import(
        ward_file=importers.ward_file_read(workdir / "wards.geojson"), acting_user=None, source="wards.geojson"
    )
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"  {'run':<10} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'cpu s':>6}  result")
    for label, name in (("first", "addresses.csv"), ("same", "addresses.csv"), ("10% moved", "moved.csv")):
        started, cpu_started = time.perf_counter(), time.process_time()
        with importers.AddressCsv(workdir / name) as extract:
            result = services.addresses_import(batches=extract.batches(), acting_user=None, source=name)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        counts = f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        print(f"  {label:<10} {result.rows:>8,} {seconds:>8.1f} {result.rows / seconds:>8,.0f} {cpu:>6.1f}  {counts}")
    # ru_maxrss is in kilobytes on Linux: the whole process, Django and pyproj included.
    print(f"  peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return

    with tempfile.TemporaryDirectory(prefix="townhall-bench-places-") as workdir:
        work = Path(workdir)
        started = time.perf_counter()
        _wards_geojson(work / "wards.geojson")
        _addresses_csv(work / "addresses.csv", args.rows, seed=args.seed)
        _addresses_csv(work / "moved.csv", args.rows, seed=args.seed, moved_every=10)
        size = (work / "addresses.csv").stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size:.1f} MB) in {time.perf_counter() - started:.1f}s")
        targets = [{"DATABASE_URL": ""}]
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            targets.append({"DATABASE_URL": os.environ["DATABASE_URL"]})
        for target in targets:
            # Production-like: with DEBUG on, Django would also keep its last 9,000 statements.
            env = {"DEBUG": "false", **os.environ, "TOWNHALL_VAR_DIR": workdir, **target}
            if not target["DATABASE_URL"]:
                env.pop("DATABASE_URL")
            command = [sys.executable, __file__, "--worker", "--workdir", workdir]
            subprocess.run(command, env=env, check=True)  # noqa: S603 - our own script


if __name__ == "__main__":
    main()
