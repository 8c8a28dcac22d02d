"""`townhall information_assets publish`: publish the open part of the register to the open data portal (monthly)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from townhall.catalogue import services


class Command(BaseCommand):
    help = "Information asset register jobs. `publish` refreshes the register published as open data."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        subcommands.add_parser("publish", help="publish the register (entries that may be published) as CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        dataset = services.register_publish(acting_user=None)
        self.stdout.write("Published a new version." if dataset is not None else "Nothing changed.")
