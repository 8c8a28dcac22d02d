"""`townhall opendata publish`: refresh the datasets the council publishes from its own systems (schedule daily)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from townhall.opendata import services


class Command(BaseCommand):
    help = "Open data portal jobs. `opendata publish` refreshes the council's own datasets when their figures change."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        subcommands.add_parser("publish", help="refresh service request statistics and ward boundaries")

    def handle(self, *args: Any, **options: Any) -> None:
        changed = services.council_datasets_publish()
        self.stdout.write(f"Updated: {', '.join(changed)}" if changed else "Nothing changed.")
