"""`townhall insight refresh|alerts|forecast`: the scheduled jobs behind the dashboards.

Run `refresh` hourly (or at least daily) and `alerts` each morning after it; `forecast`
weekly. `refresh --full` rebuilds every day, e.g. after importing old requests;
`forecast --if-missing` is how `make run` gives a new demo its first forecast.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from townhall.insight import selectors, services


class Command(BaseCommand):
    help = "Insight's scheduled jobs: refresh the rollups, check alerts, make the weekly demand forecast."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        refresh = subcommands.add_parser("refresh", help="bring the daily rollups up to date")
        refresh.add_argument("--full", action="store_true", help="rebuild every day, not just what changed")
        subcommands.add_parser("alerts", help="email the owners of alerts that fire today (once a day each)")
        forecast = subcommands.add_parser("forecast", help="backtest, choose a method and store a 12-week forecast")
        forecast.add_argument("--horizon", type=int, default=12, help="weeks ahead (default 12)")
        forecast.add_argument(
            "--if-missing", action="store_true", help="only when no forecast is stored yet (first start of a demo)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["subcommand"] == "refresh":
            rows = services.rollups_refresh(full=options["full"])
            self.stdout.write(f"Rollups refreshed: {rows} rows written in {time.perf_counter() - started:.1f} s")
        elif options["subcommand"] == "alerts":
            fired = services.alerts_check()
            self.stdout.write(f"Alerts: {fired} sent")
        else:
            if options["if_missing"] and selectors.forecast_latest() is not None:
                self.stdout.write("A forecast is already stored; leaving it as it is.")
                return
            run = services.forecast_run(horizon_weeks=options["horizon"])
            if run is None:
                self.stdout.write("Not enough history to forecast (at least two years of weeks are needed).")
                return
            self.stdout.write(f"Forecast stored: {run.method}, {run.points.count()} points")
