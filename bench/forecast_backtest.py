"""Backtest the weekly demand forecasts on the demo borough's three-year request history (not run in CI).

    .venv/bin/python bench/forecast_backtest.py                          # medium demo, a throw-away SQLite
    .venv/bin/python bench/forecast_backtest.py --scale small            # quicker, fewer requests per category
    .venv/bin/python bench/forecast_backtest.py --counts-csv /tmp/c.csv  # keep the daily counts; reuse them next time

The demo borough (`demo_generate(history=False)`) and its request history
(`request_history_create`) are written to a temporary SQLite database, then the daily
counts per category (and per ward group: the wards in alphabetical order dealt into 4
groups) are read with the ORM, London days. The database is new, so the demo is generated
without `reset` (which would also flush tables of apps whose migrations are unwritten). With
`--counts-csv`, the counts are written to that file, and read from it instead of
generating again when it exists (the file records the scale and seed it came from).

For each category the script runs `townhall.insight.forecasting.backtest` (rolling origin,
12-week horizon) and prints MASE and sMAPE for every candidate and the seasonal-naive
baseline, the method `model_choose` picks, on how many categories it beats the baseline,
and how long each step took.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from townhall.insight.forecasting import BacktestResult

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# A Monday, so the history (three years to the day before) ends on a Sunday: whole weeks.
AS_OF = dt.date(2026, 11, 30)
HISTORY_START = AS_OF.replace(year=AS_OF.year - 3)  # as `request_history.history_window` has it
WARD_GROUPS = 4

CountRow = tuple[str, dt.date, int]


def _demo_counts(*, scale: str, seed: int) -> tuple[list[CountRow], list[CountRow], dict[str, float]]:
    """Generate the demo in a throw-away SQLite database; daily counts per category and per ward group."""
    workdir = tempfile.TemporaryDirectory(prefix="townhall-forecast-")
    os.environ["TOWNHALL_VAR_DIR"] = workdir.name
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings.local")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from townhall.demo.request_history import request_history_create
    from townhall.demo.services import demo_generate

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    demo_generate(scale=scale, seed=seed, as_of=AS_OF, history=False)  # a fresh database: no reset
    timings["demo borough"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        requests = request_history_create(seed=seed, scale=scale, as_of=AS_OF)
    timings["request history"] = time.perf_counter() - started
    print(f"demo ({scale}, seed {seed}): {requests:,} requests up to {AS_OF - dt.timedelta(days=1)}")
    started = time.perf_counter()
    by_category = _daily_counts("category__service_code")
    by_ward = _daily_counts("ward__name")
    timings["daily counts (ORM)"] = time.perf_counter() - started
    workdir.cleanup()
    return by_category, _ward_groups(by_ward), timings


def _daily_counts(field: str) -> list[CountRow]:
    """Requests received per London day, split by `field`."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from townhall.service_requests.models import ServiceRequest
    from townhall.service_requests.selectors import SLA_TIME_ZONE

    rows = (
        ServiceRequest.objects.annotate(day=TruncDate("received_at", tzinfo=SLA_TIME_ZONE))
        .values_list(field, "day")
        .annotate(count=Count("id"))
        .order_by(field, "day")
    )
    return [(str(key), day, count) for key, day, count in rows]


def _ward_groups(rows: Sequence[CountRow]) -> list[CountRow]:
    """Wards in alphabetical order dealt into a few groups in turn: deterministic, and mixes the borough."""
    wards = sorted({ward for ward, _, _ in rows})
    group_of = {ward: f"ward group {index % WARD_GROUPS + 1}" for index, ward in enumerate(wards)}
    return [(group_of[ward], day, count) for ward, day, count in rows]


def _csv_write(
    path: Path, *, scale: str, seed: int, categories: Iterable[CountRow], groups: Iterable[CountRow]
) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kind", "series", "day", "count", f"scale={scale}", f"seed={seed}"])
        writer.writerows(("category", key, day.isoformat(), count) for key, day, count in categories)
        writer.writerows(("ward_group", key, day.isoformat(), count) for key, day, count in groups)


def _csv_read(path: Path) -> tuple[list[CountRow], list[CountRow], str]:
    categories: list[CountRow] = []
    groups: list[CountRow] = []
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for kind, key, day, count in reader:
            row = (key, dt.date.fromisoformat(day), int(count))
            (categories if kind == "category" else groups).append(row)
    return categories, groups, " ".join(header[4:])


def _report(kind: str, rows: Sequence[CountRow], *, methods: Sequence[str] | None, windows: int) -> None:
    """Backtest every series of one kind; print MASE and sMAPE per series and method, then the choice."""
    from townhall.insight import forecasting

    series = forecasting.weekly_series(rows, start=HISTORY_START, end=AS_OF - dt.timedelta(days=1))
    started = time.perf_counter()
    result = forecasting.backtest(series, windows=windows, methods=methods or forecasting.CANDIDATES)
    backtest_seconds = time.perf_counter() - started
    chosen = forecasting.model_choose(result)
    beaten = forecasting.baseline_beaten(result, chosen)
    started = time.perf_counter()
    forecasting.forecast(series, method=chosen)
    forecast_seconds = time.perf_counter() - started
    print(
        f"\n## Per {kind}: {series['unique_id'].nunique()} series, {series['ds'].nunique()} weeks "
        f"({series['ds'].min():%Y-%m-%d} to {series['ds'].max():%Y-%m-%d}), "
        f"{windows} origins x {result.horizon} weeks\n"
    )
    mean_week = series.groupby("unique_id")["y"].mean()
    for metric in ("mase", "smape"):
        _table(result.table(metric), metric=metric, mean_week=mean_week, beaten=beaten)
        print()
    print(result.summary().to_string(float_format=lambda value: f"{value:.3f}"))
    print(f"\nchosen: {chosen}; beats seasonal naive on {int(beaten.sum())} of {len(beaten)} {kind} series")
    print(f"backtest {backtest_seconds:.1f} s; forecast of every series with {chosen} {forecast_seconds:.1f} s\n")
    _markdown(result, chosen=chosen, kind=kind, mean_week=mean_week, beaten=beaten)


def _table(table: pd.DataFrame, *, metric: str, mean_week: pd.Series, beaten: pd.Series) -> None:
    names = list(table.columns)
    print(f"{metric.upper():<26} {'per wk':>6} " + " ".join(f"{name[:16]:>16}" for name in names) + "  beats")
    for unique_id, row in table.iterrows():
        cells = " ".join(f"{row[name]:>16.3f}" for name in names)
        mark = "yes" if beaten[unique_id] else "no"
        print(f"{str(unique_id)[:26]:<26} {mean_week[unique_id]:>6.1f} {cells}  {mark}")
    means = table.dropna().mean()
    print(f"{'mean':<26} {'':>6} " + " ".join(f"{means[name]:>16.3f}" for name in names))


def _markdown(result: BacktestResult, *, chosen: str, kind: str, mean_week: pd.Series, beaten: pd.Series) -> None:
    """The chosen method against the baseline, ready for bench/README.md and the ADR."""
    from townhall.insight.forecasting import BASELINE

    mase = result.table("mase")
    smape = result.table("smape")
    print(f"| {kind} | requests/week | MASE seasonal naive | MASE {chosen} | sMAPE seasonal naive | sMAPE {chosen} |")
    print("|---|---|---|---|---|---|")
    for unique_id in mase.index:
        better = "**" if beaten[unique_id] else ""
        print(
            f"| {unique_id} | {mean_week[unique_id]:.1f} | {mase.loc[unique_id, BASELINE]:.3f} | "
            f"{better}{mase.loc[unique_id, chosen]:.3f}{better} | {smape.loc[unique_id, BASELINE]:.1f} | "
            f"{smape.loc[unique_id, chosen]:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--counts-csv", type=Path, help="write the daily counts here, or read them if it exists")
    parser.add_argument("--methods", nargs="+", help="candidates to measure (default: all); the baseline always runs")
    parser.add_argument("--windows", type=int, default=4, help="backtest origins, 12 weeks apart")
    parser.add_argument("--no-ward-groups", action="store_true", help="skip the backtest per ward group")
    args = parser.parse_args()

    if args.counts_csv and args.counts_csv.exists():
        categories, groups, origin = _csv_read(args.counts_csv)
        print(f"daily counts read from {args.counts_csv} ({origin})")
        timings: dict[str, float] = {}
    else:
        categories, groups, timings = _demo_counts(scale=args.scale, seed=args.seed)
        if args.counts_csv:
            _csv_write(args.counts_csv, scale=args.scale, seed=args.seed, categories=categories, groups=groups)
    started = time.perf_counter()
    import statsforecast.models  # noqa: F401

    timings["import statsforecast"] = time.perf_counter() - started
    for step, seconds in timings.items():
        print(f"{step:<22} {seconds:>8.1f} s")
    _report("category", categories, methods=args.methods, windows=args.windows)
    if not args.no_ward_groups:
        _report("ward group", groups, methods=args.methods, windows=args.windows)


if __name__ == "__main__":
    main()
